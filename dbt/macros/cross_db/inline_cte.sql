{% macro inline_cte() -%}
    {#- Placed between a CTE's `as` and its parenthesis (`source as {{ inline_cte() }} (`):
        the CTE is planned where it is read rather than stored once. DuckDB stores a CTE read
        more than once, a copy of every row; reading a table again costs it a scan of only the
        columns each reader needs. Dispatched: `not materialized` on DuckDB, nothing elsewhere
        (BigQuery always plans a CTE where it is read). -#}
    {{ return(adapter.dispatch('inline_cte', 'ecommerce_warehouse')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    not materialized
{%- endmacro %}
