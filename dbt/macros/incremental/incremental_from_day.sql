{% macro incremental_from_day(partition_column, cluster_by=none, lookback_days=none) -%}
    {#- Config of a model whose rows belong to days and whose recomputed days run from a start
        day onwards: `{{ config(**incremental_from_day('session_date', cluster_by=[...])) }}`.
        Every run recomputes the days from `incremental_window_from()` onwards (plus any older
        days the model itself selects, e.g. the start day of a session that reached into the
        window) and replaces exactly those days, including days that no longer have rows; a
        backfill replaces every day from the earliest named one on, and no older day
        (`incremental_backfill_filter()` ends the model). `incremental_by_day` with
        `days_onwards`. -#}
    {{ return(incremental_by_day(partition_column, cluster_by=cluster_by, lookback_days=lookback_days, days_onwards=true)) }}
{%- endmacro %}


{% macro incremental_by_key(unique_key, day_expression, lookback_days=none) -%}
    {#- Config of a model keyed by an entity (one row per key) whose rows change when new days of
        its input arrive: each run recomputes the keys seen in the input window (from
        `incremental_window_from()` on `day_expression`, a DATE expression over the model's own
        columns) and replaces those keys. DuckDB: delete+insert on the key; BigQuery: merge on it. -#}
    {%- set lookback = lookback_days if lookback_days is not none else var('incremental_lookback_days') -%}
    {{ return({
        'materialized': 'incremental',
        'on_schema_change': 'fail',
        'unique_key': unique_key,
        'incremental_strategy': 'merge' if target.type == 'bigquery' else 'delete+insert',
        'incremental_lookback_days': lookback,
        'incremental_partition_column': day_expression,
    }) }}
{%- endmacro %}


{% macro incremental_window_from(column=none) -%}
    {#- First day (a DATE expression) an incremental run recomputes, for models that recompute
        every day from a start day onwards: the earliest day named in the var
        `incremental_partitions` (a backfill), else `incremental_window_start(column)`. -#}
    {%- set column = column or config.get('incremental_partition_column') -%}
    {%- set days = incremental_partitions_var() -%}
    {%- if days -%}
        {{ return("cast('" ~ (days | sort | first) ~ "' as date)") }}
    {%- endif -%}
    {{ return(incremental_window_start(column)) }}
{%- endmacro %}


{% macro get_incremental_days_onwards_sql(arg_dict) -%}
    {#- Incremental strategy `days_onwards` (DuckDB): delete the days from the window start onwards
        and the older days present in the new rows (a backfill: exactly the days it replaces),
        then insert the new rows. Unlike delete+insert
        keyed on the day, a recomputed day that no longer has any row is emptied too. The window
        start is read from the target before the delete, as the model's own SQL read it. -#}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set column = config.get('incremental_partition_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set backfill = incremental_backfill_predicate(column) %}
    delete from {{ target }}
    where
    {%- if backfill %}
        {{ backfill }};
    {%- else %}
        {{ column }} >= {{ incremental_window_from(column) }}
        or {{ column }} in (select distinct {{ column }} from {{ source }});
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
