{% macro channel_groups(source_mediums) -%}
    {#- A query giving the channel group of every (traffic_source, traffic_medium) pair of the
        relation or CTE `source_mediums`: the rule of seed `channel_groupings` with the lowest
        rule_priority whose utm_source and utm_medium match (`*` matches anything); pairs that
        match no rule get `Unassigned`. Returns columns traffic_source, traffic_medium,
        channel_group, one row per distinct pair. -#}
    select
        pairs.traffic_source,
        pairs.traffic_medium,
        coalesce(matched.channel_group, 'Unassigned') as channel_group

    from (
        select distinct
            traffic_source,
            traffic_medium
        from {{ source_mediums }}
    ) as pairs
    left join (
        select
            candidates.traffic_source,
            candidates.traffic_medium,
            rules.channel_group,
            row_number() over (
                partition by candidates.traffic_source, candidates.traffic_medium
                order by rules.rule_priority, rules.channel_group
            ) as rule_rank
        from (
            select distinct
                traffic_source,
                traffic_medium
            from {{ source_mediums }}
        ) as candidates
        inner join {{ ref('channel_groupings') }} as rules
            on
                (candidates.traffic_source = rules.utm_source or rules.utm_source = '*')
                and (candidates.traffic_medium = rules.utm_medium or rules.utm_medium = '*')
    ) as matched
        on
            pairs.traffic_source = matched.traffic_source
            and pairs.traffic_medium = matched.traffic_medium
            and matched.rule_rank = 1
{%- endmacro %}
