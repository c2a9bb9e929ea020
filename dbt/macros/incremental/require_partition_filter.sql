{% macro bigquery__get_where_subquery(relation) -%}
    {#- dbt's data tests select from the tested relation; on a BigQuery table created with
        require_partition_filter, BigQuery refuses a query without a filter on the partition
        column. Add the always-true `(<col> is null or <col> is not null)` (the predicate
        dbt-bigquery itself uses in its MERGE statements for such tables), then apply the
        test's own `where` config as dbt does. -#}
    {%- set where = config.get('where', '') -%}
    {%- set found = namespace(field=none) -%}
    {%- for node in (graph.get('nodes') or {}).values() if node.resource_type in ('model', 'snapshot', 'seed') -%}
        {%- if node.config.get('require_partition_filter') and node.config.get('partition_by')
              and (node.alias or node.name) | lower == (relation.identifier or '') | lower
              and (node.schema or '') | lower == (relation.schema or '') | lower -%}
            {%- set found.field = node.config.get('partition_by').get('field') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set field = found.field -%}
    {%- if field is none -%}
        {{ return(dbt.default__get_where_subquery(relation)) }}
    {%- endif -%}
    {%- set filters = ['(' ~ adapter.quote(field) ~ ' is null or ' ~ adapter.quote(field) ~ ' is not null)'] -%}
    {%- if where -%}
        {%- do filters.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ filters | join(' and ') }}) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}
