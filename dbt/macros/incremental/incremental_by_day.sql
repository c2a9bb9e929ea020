{% macro incremental_by_day(partition_column, cluster_by=none, lookback_days=none, require_partition_filter=false) -%}
    {#- Config of a fact that grows by day: `{{ config(**incremental_by_day('order_date', ...)) }}`.
        One meaning on both targets: every run recomputes the days from (latest day already
        built - lookback) onwards and replaces those days whole (see dbt/README_BIGQUERY.md).
        BigQuery: insert_overwrite into day partitions of `partition_column`, clustered by
        `cluster_by`; DuckDB: delete+insert keyed on the day column. -#}
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
            'require_partition_filter': require_partition_filter,
        }) -%}
        {%- set days = incremental_partitions_var() -%}
        {%- if days -%}
            {#- Backfill of named days: static partitions, no partition discovery query. -#}
            {%- do cfg.update({'partitions': incremental_static_partitions(days)}) -%}
        {%- endif -%}
    {%- else -%}
        {%- do cfg.update({'incremental_strategy': 'delete+insert', 'unique_key': partition_column}) -%}
    {%- endif -%}
    {{ return(cfg) }}
{%- endmacro %}


{% macro incremental_partitions_var() -%}
    {#- The var `incremental_partitions`: a list of ISO dates to rebuild instead of the
        lookback window (a targeted backfill), or an empty list. -#}
    {%- set days = var('incremental_partitions', []) or [] -%}
    {%- if days is string -%}
        {%- set days = days.split(',') | map('trim') | reject('equalto', '') | list -%}
    {%- endif -%}
    {%- for day in days -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', day | string) -%}
            {{ exceptions.raise_compiler_error("incremental_partitions: '" ~ day ~ "' is not an ISO date YYYY-MM-DD") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(days | map('string') | list) }}
{%- endmacro %}


{% macro incremental_static_partitions(days) -%}
    {#- BigQuery `partitions` config for a list of ISO dates: date literals. -#}
    {%- set out = [] -%}
    {%- for day in days -%}
        {%- do out.append("date '" ~ day ~ "'") -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}
