{% macro incremental_from_day(partition_column, cluster_by=none, lookback_days=none) -%}
    {#- Config of a model whose rows belong to days and whose recomputed days run from a start
        day onwards: `{{ config(**incremental_from_day('session_date', cluster_by=[...])) }}`.
        Every run recomputes the days from `incremental_window_from()` onwards (plus any older
        days the model itself selects, e.g. the start day of a session that reached into the
        window) and replaces exactly those days, including days that no longer have rows.
        BigQuery: insert_overwrite into day partitions (dynamic partitions; static ones from the
        earliest backfilled day on when the var `incremental_partitions` names days); DuckDB: the
        `days_onwards` strategy (get_incremental_days_onwards_sql). -#}
    {%- set lookback = lookback_days if lookback_days is not none else var('incremental_lookback_days') -%}
    {%- set cfg = {
        'materialized': 'incremental',
        'on_schema_change': 'fail',
        'incremental_lookback_days': lookback,
        'incremental_partition_column': partition_column,
    } -%}
    {%- if target.type == 'bigquery' -%}
        {%- do cfg.update({
            'incremental_strategy': 'insert_overwrite',
            'partition_by': {'field': partition_column, 'data_type': 'date', 'granularity': 'day'},
            'cluster_by': cluster_by or none,
        }) -%}
        {%- set days = incremental_partitions_var() -%}
        {%- if days -%}
            {#- Backfill: every day from the earliest named one on is recomputed, so every partition
                from that day to a year after today is replaced (static partitions, no discovery). -#}
            {%- set first = modules.datetime.date.fromisoformat(days | sort | first) -%}
            {%- set last = modules.datetime.date.today() + modules.datetime.timedelta(days=366) -%}
            {%- set all_days = [] -%}
            {%- for offset in range((last - first).days + 1) -%}
                {%- do all_days.append((first + modules.datetime.timedelta(days=offset)).isoformat()) -%}
            {%- endfor -%}
            {%- do cfg.update({'partitions': incremental_static_partitions(all_days)}) -%}
        {%- endif -%}
    {%- else -%}
        {%- do cfg.update({'incremental_strategy': 'days_onwards'}) -%}
    {%- endif -%}
    {{ return(cfg) }}
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
        and the older days present in the new rows, then insert the new rows. Unlike delete+insert
        keyed on the day, a recomputed day that no longer has any row is emptied too. The window
        start is read from the target before the delete, as the model's own SQL read it. -#}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set column = config.get('incremental_partition_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where
        {{ column }} >= {{ incremental_window_from(column) }}
        or {{ column }} in (select distinct {{ column }} from {{ source }});

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
