{% macro type_money() -%}
    {#- The SQL type of every *_amount column: exact decimal with 2 places (the contract's
        `decimal`: DECIMAL(18,2) on DuckDB, NUMERIC on BigQuery). -#}
    {{ return(adapter.dispatch('type_money', 'ecommerce_warehouse')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    decimal(18, 2)
{%- endmacro %}

{% macro bigquery__type_money() -%}
    numeric
{%- endmacro %}
