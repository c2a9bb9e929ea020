{% macro type_double() -%}
    {#- 64-bit floating point, for rates, ratios and scores (never money): DOUBLE on DuckDB,
        FLOAT64 on BigQuery. dbt.type_float() is FLOAT, a 32-bit REAL on DuckDB. -#}
    {{ return(adapter.dispatch('type_double', 'ecommerce_warehouse')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}
