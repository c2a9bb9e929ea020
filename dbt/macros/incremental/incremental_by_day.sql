{% macro incremental_by_day(partition_column, cluster_by=none, lookback_days=none, require_partition_filter=false, days_onwards=false) -%}
    {#- Config of a model whose rows belong to days: `{{ config(**incremental_by_day('order_date', ...)) }}`.
        One meaning on both targets: every run recomputes whole days and replaces exactly those
        days (see dbt/README_BIGQUERY.md). `days_onwards` false (the order facts): the days from
        (latest day already built - lookback) on, filtered after the final select
        (`incremental_window_filter`). `days_onwards` true (`incremental_from_day`): the days
        from `incremental_window_from()` on, plus older days the model itself selects.
        A backfill (the var `incremental_partitions`) replaces exactly the days of
        `incremental_backfill_days(days_onwards)`, and the model keeps only those rows.
        BigQuery: insert_overwrite into day partitions of `partition_column` (dynamic; static for
        a backfill), clustered by `cluster_by`; DuckDB: delete+insert keyed on the day column, or
        the `days_onwards` strategy (get_incremental_days_onwards_sql). -#}
    {%- set lookback = lookback_days if lookback_days is not none else var('incremental_lookback_days') -%}
    {%- set cfg = {
        'materialized': 'incremental',
        'on_schema_change': 'fail',
        'incremental_lookback_days': lookback,
        'incremental_partition_column': partition_column,
        'incremental_days_onwards': days_onwards,
    } -%}
    {%- if target.type == 'bigquery' -%}
        {%- do cfg.update({
            'incremental_strategy': 'insert_overwrite',
            'partition_by': {'field': partition_column, 'data_type': 'date', 'granularity': 'day'},
            'cluster_by': cluster_by or none,
            'require_partition_filter': require_partition_filter,
        }) -%}
        {%- set days = incremental_backfill_days(days_onwards) -%}
        {%- if days -%}
            {#- Backfill of named days: static partitions, no partition discovery query. -#}
            {%- do cfg.update({'partitions': incremental_static_partitions(days)}) -%}
        {%- endif -%}
    {%- elif days_onwards -%}
        {%- do cfg.update({'incremental_strategy': 'days_onwards'}) -%}
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


{% macro incremental_backfill_days(days_onwards=false) -%}
    {#- The days a backfill replaces (ISO dates, sorted), empty without the var
        `incremental_partitions`: the named days; with `days_onwards`, every day from the earliest
        named one to a year after today (the model recomputes every day from that one on). -#}
    {%- set days = incremental_partitions_var() | unique | sort -%}
    {%- if not days or not days_onwards -%}
        {{ return(days) }}
    {%- endif -%}
    {%- set first = modules.datetime.date.fromisoformat(days | first) -%}
    {%- set last = [
        modules.datetime.date.fromisoformat(days | last),
        modules.datetime.date.today() + modules.datetime.timedelta(days=366),
    ] | max -%}
    {%- set all_days = [] -%}
    {%- for offset in range((last - first).days + 1) -%}
        {%- do all_days.append((first + modules.datetime.timedelta(days=offset)).isoformat()) -%}
    {%- endfor -%}
    {{ return(all_days) }}
{%- endmacro %}


{% macro incremental_backfill_predicate(column=none) -%}
    {#- `<day column> in <the days a backfill replaces>` (SQL), or none outside a backfill. A
        backfill replaces exactly these days (static partitions on BigQuery), so the model keeps
        only their rows: a row of another day would be added beside the stored ones. -#}
    {%- set column = column or config.get('incremental_partition_column') -%}
    {%- set days = incremental_backfill_days(config.get('incremental_days_onwards', false)) -%}
    {%- if not days -%}
        {{ return(none) }}
    {%- elif config.get('incremental_days_onwards', false) -%}
        {{ return(column ~ " between cast('" ~ (days | first) ~ "' as date) and cast('" ~ (days | last) ~ "' as date)") }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for day in days -%}
        {%- do literals.append("cast('" ~ day ~ "' as date)") -%}
    {%- endfor -%}
    {{ return(column ~ ' in (' ~ (literals | join(', ')) ~ ')') }}
{%- endmacro %}


{% macro incremental_backfill_filter(column=none) -%}
    {#- `where <day column> in <the days a backfill replaces>` on incremental runs of a backfill,
        nothing otherwise. Placed after the final select of every `incremental_from_day` model. -#}
    {%- if is_incremental() -%}
        {%- set predicate = incremental_backfill_predicate(column) -%}
        {%- if predicate -%}
            where {{ predicate }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro incremental_static_partitions(days) -%}
    {#- BigQuery `partitions` config for a list of ISO dates: date literals. -#}
    {%- set out = [] -%}
    {%- for day in days -%}
        {%- do out.append("date '" ~ day ~ "'") -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}
