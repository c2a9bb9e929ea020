{% macro deduplicate(relation, partition_by, order_by) -%}
    {#- Keep one row per key: the first row of each `partition_by` group in `order_by` order.
        Args: relation (a CTE or relation name), partition_by (list of key columns),
        order_by (list of "<column> desc" expressions; put the project's dedup rule here:
        latest updated_at, then latest _loaded_at, then last file, then highest _source_line).
        Returns every column of `relation` plus `dedup_row_number` (always 1). -#}
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
