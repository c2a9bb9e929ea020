{% macro iso_day_of_week(date_sql) -%}
    {#- ISO 8601 day of week of a date: 1 = Monday ... 7 = Sunday (integer). -#}
    {{ return(adapter.dispatch('iso_day_of_week', 'ecommerce_warehouse')(date_sql)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_sql) -%}
    cast(extract(isodow from {{ date_sql }}) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro bigquery__iso_day_of_week(date_sql) -%}
    {#- BigQuery's dayofweek is 1 = Sunday ... 7 = Saturday. -#}
    mod(extract(dayofweek from {{ date_sql }}) + 5, 7) + 1
{%- endmacro %}
