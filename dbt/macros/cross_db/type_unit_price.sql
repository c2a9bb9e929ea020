{% macro type_unit_price() -%}
    {#- The SQL type of unit prices and unit costs (the contract's `decimal4`): exact decimal with
        4 places, DECIMAL(18,4) on DuckDB, NUMERIC(18,4) on BigQuery. Amounts stay type_money(). -#}
    {{ return(adapter.dispatch('type_unit_price', 'ecommerce_warehouse')()) }}
{%- endmacro %}

{% macro default__type_unit_price() -%}
    decimal(18, 4)
{%- endmacro %}

{% macro bigquery__type_unit_price() -%}
    numeric(18, 4)
{%- endmacro %}
