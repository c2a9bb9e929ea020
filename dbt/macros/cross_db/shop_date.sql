{% macro shop_date(timestamp_sql, zone_sql=none) -%}
    {#- The calendar day, in the shop's time zone (var `shop_timezone`, an IANA name), of a UTC
        timestamp: every `*_date` derived from an `*_at` goes through it. DST-correct (the zone
        database of the engine). With the zone `UTC` it is the plain cast. With `zone_sql` (an SQL
        expression of an IANA zone name, e.g. a store's time zone column) the day is the local day
        in that zone, row by row (in the shop's zone where the expression is null). -#}
    {%- set zone = var('shop_timezone', 'UTC') | string -%}
    {%- if not modules.re.fullmatch('[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*', zone) -%}
        {{ exceptions.raise_compiler_error(
            "var shop_timezone must be an IANA time zone name such as Europe/Berlin, got '" ~ zone ~ "'") }}
    {%- endif -%}
    {%- if zone_sql is not none -%}
        {{ return(adapter.dispatch('shop_date', 'ecommerce_warehouse')(
            timestamp_sql, 'coalesce(' ~ zone_sql ~ ", '" ~ zone ~ "')")) }}
    {%- elif zone in ('UTC', 'Etc/UTC') -%}
        cast({{ timestamp_sql }} as date)
    {%- else -%}
        {{ return(adapter.dispatch('shop_date', 'ecommerce_warehouse')(timestamp_sql, "'" ~ zone ~ "'")) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__shop_date(timestamp_sql, zone_sql) -%}
    {#- DuckDB (ICU): the naive UTC timestamp read as UTC, then shown as wall-clock time in the zone. -#}
    cast(timezone({{ zone_sql }}, {{ timestamp_sql }} at time zone 'UTC') as date)
{%- endmacro %}

{% macro bigquery__shop_date(timestamp_sql, zone_sql) -%}
    {#- the cast: a DATETIME (dbt.dateadd's result) is read as UTC, a TIMESTAMP stays itself -#}
    date(cast({{ timestamp_sql }} as timestamp), {{ zone_sql }})
{%- endmacro %}
