{% macro iso_week_start(date_expr) -%}
    {#- The Monday that starts the ISO 8601 week of a date, as a date. -#}
    {{ return(adapter.dispatch('iso_week_start')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_week_start(date_expr) -%}
    cast(date_trunc('week', {{ date_expr }}) as date)
{%- endmacro %}

{% macro bigquery__iso_week_start(date_expr) -%}
    date_trunc(cast({{ date_expr }} as date), isoweek)
{%- endmacro %}


{% macro iso_year(date_expr) -%}
    {#- The ISO 8601 week-numbering year of a date (integer). -#}
    {{ return(adapter.dispatch('iso_year')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_year(date_expr) -%}
    cast(extract(isoyear from {{ date_expr }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro bigquery__iso_year(date_expr) -%}
    extract(isoyear from cast({{ date_expr }} as date))
{%- endmacro %}


{% macro iso_week_number(date_expr) -%}
    {#- The ISO 8601 week number (1-53) of a date (integer). -#}
    {{ return(adapter.dispatch('iso_week_number')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_week_number(date_expr) -%}
    cast(extract(week from {{ date_expr }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro bigquery__iso_week_number(date_expr) -%}
    extract(isoweek from cast({{ date_expr }} as date))
{%- endmacro %}
