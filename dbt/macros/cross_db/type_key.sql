{% macro type_key() -%}
    {#- The SQL type of every `*_id` key column (the contract's `key`): text, whatever the ids
        look like (42, INV-2016-152156, gid://shopify/Order/450789469): VARCHAR on DuckDB,
        STRING on BigQuery. -#}
    {{ return(adapter.dispatch('type_key', 'ecommerce_warehouse')()) }}
{%- endmacro %}

{% macro default__type_key() -%}
    varchar
{%- endmacro %}

{% macro bigquery__type_key() -%}
    string
{%- endmacro %}
