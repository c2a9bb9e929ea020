{% macro create_prediction_tables_if_missing() -%}
    {#- on-run-start: when a `dbt run`/`dbt build` selects a prediction mart, create the tables of
        the `predictions` source that do not exist yet, empty, with the columns and types declared
        in _predictions__sources.yml (the hook's SQL, executed outside a transaction).
        `python -m predictions` replaces them with the fitted rows;
        until it has run (a fresh warehouse, a whole-project build in a test), the prediction marts
        build empty instead of failing on a missing relation. Runs once per invocation, before any
        node, so parallel threads never race to create the schema. -#}
    {%- if execute and flags.WHICH in ('run', 'build') -%}
        {%- set selected = [] -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.original_file_path.startswith('models/marts/predictions/') and node.unique_id in selected_resources -%}
                {%- do selected.append(node.unique_id) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if selected -%}
            {%- for node in graph.sources.values() if node.source_name == 'predictions' -%}
                {%- set relation = source('predictions', node.name) -%}
                {%- if loop.first -%}
                    {%- do adapter.create_schema(api.Relation.create(database=relation.database, schema=relation.schema)) -%}
                {%- endif %}
            create table if not exists {{ relation }} (
                {%- for column in node.columns.values() %}
                {{ column.name }} {{ column.data_type }}{{ ',' if not loop.last }}
                {%- endfor %}
            );
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
