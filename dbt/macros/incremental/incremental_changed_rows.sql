{% macro incremental_changed_days(cte='final') -%}
    {#- A query of the days on which the recomputed rows (CTE `cte`) differ from the built table:
        pass it as `also_days` so an incremental run also rebuilds older days that late or
        corrected data changed. Compared by name over the contract's columns; the filter on the
        built table keeps every day and is a partition filter (require_partition_filter). Empty
        (the lookback window only) when the var incremental_compare_built_rows is false. -#}
    {%- if not var('incremental_compare_built_rows', true) | as_bool -%}
        {{ return('') }}
    {%- endif -%}
    {%- set day_column = config.get('incremental_partition_column') -%}
    {%- set compared = (model.columns.keys() | list | join(', ')) or '*' -%}
    select {{ day_column }}
    from (
        select {{ compared }} from {{ cte }}
        except distinct
        select {{ compared }} from {{ this }} where {{ day_column }} >= cast('1900-01-01' as date)
    ) as changed_rows
{%- endmacro %}

{% macro incremental_delete_moved_rows(upstream, key_columns, upstream_day) -%}
    {#- Post-hook SQL: deletes built rows whose key no longer exists upstream on the same day (an
        order moved to another day, a day left without orders). Whole-day replacement cannot do
        it: it only replaces the days the recomputed rows fall on. -#}
    {%- set day_column = config.get('incremental_partition_column') -%}
    delete from {{ this }} as built
    where
        built.{{ day_column }} >= cast('1900-01-01' as date)
        and not exists (
            select 1
            from {{ ref(upstream) }} as current_rows
            where
                {% for key in key_columns -%}
                    current_rows.{{ key }} = built.{{ key }} and
                {% endfor -%}
                {{ upstream_day }} = built.{{ day_column }}
        )
{%- endmacro %}
