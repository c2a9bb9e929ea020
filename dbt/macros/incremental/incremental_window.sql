{% macro incremental_window_filter(column=none, also_days=none) -%}
    {#- `where <day column> <in the window>` on incremental runs, nothing otherwise. Put it after
        the model's final select, so every recomputed day is computed exactly as a full refresh
        computes it. The window: the days named in the var `incremental_partitions` (backfill),
        else the latest day already in the table minus the model's lookback, onwards, plus the
        days `also_days` (a query returning days) names: older days that late data changed. -#}
    {%- if is_incremental() -%}
        {%- set column = column or config.get('incremental_partition_column') -%}
        {%- set backfill = incremental_backfill_predicate(column) -%}
        {%- if backfill -%}
            where {{ backfill }}
        {%- elif also_days -%}
            where ({{ column }} >= {{ incremental_window_start(column) }} or {{ column }} in ({{ also_days }}))
        {%- else -%}
            where {{ column }} >= {{ incremental_window_start(column) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro incremental_window_start(column, lookback_days=none) -%}
    {#- First day an incremental run recomputes: latest day in {{ this }} minus the lookback (days). -#}
    {%- set lookback = lookback_days if lookback_days is not none
        else config.get('incremental_lookback_days', var('incremental_lookback_days')) -%}
    {{ return(adapter.dispatch('incremental_window_start', 'ecommerce_warehouse')(column, lookback | int)) }}
{%- endmacro %}


{% macro default__incremental_window_start(column, lookback_days) -%}
    {#- An empty table (max is null) recomputes everything. At run time the day is read first and
        inlined as a literal, so DuckDB prunes row groups by their min/max on every read of the
        window (a scalar subquery is not pushed into the scans); when parsing, the subquery. -#}
    {%- set start_sql -%}
        select coalesce(cast({{ dbt.dateadd('day', -lookback_days, 'max(' ~ column ~ ')') }} as date), cast('1900-01-01' as date))
        from {{ this }}
    {%- endset -%}
    {%- if execute -%}
        {#- A table built by an earlier version of the model may lack the day column: say so. -#}
        {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- set names = modules.re.findall('[a-z_][a-z0-9_]*', modules.re.sub("'[^']*'", '', column | lower)) -%}
        {%- for name in names if name not in ('cast', 'as', 'date', 'timezone', 'at', 'time', 'zone') -%}
            {%- if existing and name not in existing -%}
                {{ exceptions.raise_compiler_error(
                    this ~ " has no column " ~ name ~ " (built by an earlier version of " ~ model.name
                    ~ "): rebuild it once with dbt build --full-refresh --select " ~ model.name ~ "+") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set day = run_query(start_sql).columns[0].values()[0] -%}
        {{ return("cast('" ~ day ~ "' as date)") }}
    {%- endif -%}
    ({{ start_sql }})
{%- endmacro %}


{% macro bigquery__incremental_window_start(column, lookback_days) -%}
    {#- _dbt_max_partition: a script variable dbt-bigquery declares as the table's latest partition
        (a constant, so the read of the upstream and the MERGE both prune to the window).
        Tables not partitioned (one row per key) read their latest day in a scalar subquery. -#}
    {%- if not config.get('partition_by') -%}
        (
            select coalesce(date_sub(max({{ column }}), interval {{ lookback_days }} day), date '1900-01-01')
            from {{ this }}
        )
    {%- else -%}
    coalesce(date_sub(_dbt_max_partition, interval {{ lookback_days }} day), date '1900-01-01')
    {%- endif -%}
{%- endmacro %}
