{% macro type_fx_rate() -%}
    {#- The SQL type of exchange rates (the contract's `rate`): exact decimal with 9 places,
        DECIMAL(18,9) on DuckDB, NUMERIC(18,9) on BigQuery (NUMERIC's largest scale). -#}
    {{ return(adapter.dispatch('type_fx_rate', 'ecommerce_warehouse')()) }}
{%- endmacro %}

{% macro default__type_fx_rate() -%}
    decimal(18, 9)
{%- endmacro %}

{% macro bigquery__type_fx_rate() -%}
    numeric(18, 9)
{%- endmacro %}

{% macro to_reporting_amount(amount_sql, rate_sql) -%}
    {#- An amount in the reporting currency: amount x rate rounded to cents (half away from zero
        on both engines), as money; null when the rate is missing (never a silent zero). -#}
    cast(round(({{ amount_sql }}) * ({{ rate_sql }}), 2) as {{ type_money() }})
{%- endmacro %}
