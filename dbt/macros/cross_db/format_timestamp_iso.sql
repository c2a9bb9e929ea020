{% macro format_timestamp_iso(timestamp_sql) -%}
    {#- A UTC timestamp as fixed-width ISO 8601 text, 'YYYY-MM-DDTHH:MM:SS.ffffffZ', identical on
        every engine: the form every hashed key uses for a timestamp (never cast(... as string),
        whose text differs between engines). -#}
    {{ return(adapter.dispatch('format_timestamp_iso', 'ecommerce_warehouse')(timestamp_sql)) }}
{%- endmacro %}

{% macro default__format_timestamp_iso(timestamp_sql) -%}
    {#- DuckDB: timestamps are naive and hold UTC; %f is microseconds (6 digits). -#}
    strftime(cast({{ timestamp_sql }} as timestamp), '%Y-%m-%dT%H:%M:%S.%fZ')
{%- endmacro %}

{% macro bigquery__format_timestamp_iso(timestamp_sql) -%}
    format_timestamp('%Y-%m-%dT%H:%M:%E6SZ', {{ timestamp_sql }}, 'UTC')
{%- endmacro %}
