{% macro deduplicate(relation, partition_by, order_by) -%}
    {#- Keep one row per key: the first row of each `partition_by` group in `order_by` order.
        Args: relation (a relation, or a CTE declared `{{ inline_cte() }}`: it is read more than
        once), partition_by (list of key columns), order_by (list of "<column> desc" expressions;
        put the project's dedup rule here: latest updated_at, then latest _loaded_at, then last
        file, then highest _source_line).
        Returns every column of `relation` plus `dedup_row_number` (always 1). Dispatched. -#}
    {{ return(adapter.dispatch('deduplicate', 'ecommerce_warehouse')(relation, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__deduplicate(relation, partition_by, order_by) -%}
    {#- Only the keys that occur more than once are ranked: a window sorts every column of the rows
        it reads, and in a real export almost every key occurs once. The keys with copies come from
        a group by on the key columns alone; every other row passes through as it is. Keys match
        null-safely, so a null key is one group, as in the window. -#}
    {%- set key_list = partition_by | join(', ') %}
    {%- set keys_with_copies = 'select ' ~ key_list ~ ' from ' ~ relation ~ ' group by ' ~ key_list ~ ' having count(*) > 1' %}
    {%- set same_key -%}
        {%- for column in partition_by %}
            {{- ' and ' if not loop.first }}keys_with_copies.{{ column }} is not distinct from rows_read.{{ column }}
        {%- endfor %}
    {%- endset %}
    select *
    from (
        select
            rows_read.*,
            row_number() over (
                partition by {{ key_list }}
                order by {{ order_by | join(', ') }}
            ) as dedup_row_number
        from {{ relation }} as rows_read
        where exists (select 1 from ({{ keys_with_copies }}) as keys_with_copies where {{ same_key }})
    ) as numbered
    where dedup_row_number = 1

    union all

    select
        rows_read.*,
        cast(1 as {{ dbt.type_bigint() }}) as dedup_row_number
    from {{ relation }} as rows_read
    where not exists (select 1 from ({{ keys_with_copies }}) as keys_with_copies where {{ same_key }})
{%- endmacro %}

{% macro bigquery__deduplicate(relation, partition_by, order_by) -%}
    {#- One read of the relation: BigQuery bills every read of a CTE, and spreads a window's
        partitions over its workers. -#}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ partition_by | join(', ') }}
                order by {{ order_by | join(', ') }}
            ) as dedup_row_number
        from {{ relation }}
    ) as numbered
    where dedup_row_number = 1
{%- endmacro %}
