{% macro incremental_test_window(relation) -%}
    {#- Predicate that limits a data test of an incremental model to its recomputed window:
        `<day column> >= latest day in the table - the model's lookback`, so a daily run tests the
        new days, not all history. None (test everything) on --full-refresh, with the var
        `test_full_history: true` (the scheduled full test run), and for any other relation. -#}
    {%- if flags.FULL_REFRESH or var('test_full_history', false) | as_bool -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set node = tested_model_node(relation) -%}
    {%- if node is none or not node.config.get('incremental_partition_column') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set column = node.config.get('incremental_partition_column') -%}
    {%- set lookback = node.config.get('incremental_lookback_days', var('incremental_lookback_days')) | int -%}
    {{ return(adapter.dispatch('incremental_test_window', 'ecommerce_warehouse')(relation, column, lookback)) }}
{%- endmacro %}


{% macro default__incremental_test_window(relation, column, lookback) -%}
    {#- DuckDB: at run time the first day is read first and inlined as a literal, so the filter is
        pushed into the scan (row groups outside the window are skipped, and the tested columns are
        read for the window's rows only); a scalar subquery is evaluated after a scan of every row.
        When parsing or compiling without a warehouse, the subquery. -#}
    {%- set start_sql = 'select ' ~ dbt.dateadd('day', -lookback, 'max(' ~ column ~ ')') ~ ' from ' ~ relation -%}
    {%- if execute -%}
        {%- set day = run_query(start_sql).columns[0].values()[0] -%}
        {%- if day is none -%}
            {{ return(none) }}
        {%- endif -%}
        {{ return(column ~ " >= cast('" ~ day ~ "' as date)") }}
    {%- endif -%}
    {{ return(column ~ ' >= (' ~ start_sql ~ ')') }}
{%- endmacro %}


{% macro bigquery__incremental_test_window(relation, column, lookback) -%}
    {#- BigQuery: a scalar subquery (one query per test); the always-true filter on the day column
        keeps require_partition_filter satisfied. -#}
    {{ return(column ~ ' >= (select ' ~ dbt.dateadd('day', -lookback, 'max(' ~ column ~ ')') ~ ' from ' ~ relation
        ~ ' where ' ~ column ~ ' is null or ' ~ column ~ ' is not null)') }}
{%- endmacro %}


{% macro tested_model_node(relation) -%}
    {#- The manifest node (model, snapshot or seed) built into `relation`, or none. -#}
    {%- set found = namespace(node=none) -%}
    {%- for node in (graph.get('nodes') or {}).values() if node.resource_type in ('model', 'snapshot', 'seed') -%}
        {%- if (node.alias or node.name) | lower == (relation.identifier or '') | lower
              and (node.schema or '') | lower == (relation.schema or '') | lower -%}
            {%- set found.node = node -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found.node) }}
{%- endmacro %}


{% macro tested_relation_with_filters(relation, filters) -%}
    {#- `relation`, or a subquery of it restricted by the test's `where` config and `filters`. -#}
    {%- set filters = filters | list -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do filters.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if not filters -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ filters | join(' and ') }}) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}


{% macro default__get_where_subquery(relation) -%}
    {#- dbt's relation wrapper for data tests: the test's `where` config, plus the incremental
        window of the tested model on incremental runs (incremental_test_window). -#}
    {%- set window = incremental_test_window(relation) -%}
    {{ return(tested_relation_with_filters(relation, ['(' ~ window ~ ')'] if window else [])) }}
{%- endmacro %}


{% macro bigquery__get_where_subquery(relation) -%}
    {#- As default__get_where_subquery; besides, on a table created with require_partition_filter,
        BigQuery refuses a query without a filter on the partition column, so such a table gets
        the always-true `(<col> is null or <col> is not null)` (the predicate dbt-bigquery itself
        uses in its MERGE statements for such tables). -#}
    {%- set filters = [] -%}
    {%- set node = tested_model_node(relation) -%}
    {%- if node is not none and node.config.get('require_partition_filter') and node.config.get('partition_by') -%}
        {%- set field = node.config.get('partition_by').get('field') -%}
        {%- do filters.append('(' ~ adapter.quote(field) ~ ' is null or ' ~ adapter.quote(field) ~ ' is not null)') -%}
    {%- endif -%}
    {%- set window = incremental_test_window(relation) -%}
    {%- if window -%}
        {%- do filters.append('(' ~ window ~ ')') -%}
    {%- endif -%}
    {{ return(tested_relation_with_filters(relation, filters)) }}
{%- endmacro %}
