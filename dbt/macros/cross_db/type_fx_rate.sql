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
        on both engines), as money; null when the rate is missing (never a silent zero). The rate is
        widened to DECIMAL(38,9) (NUMERIC(38,9) on BigQuery) first, so the product of a large amount
        and a 9-decimal rate cannot overflow an 18-digit decimal. -#}
    cast(round(({{ amount_sql }}) * cast(({{ rate_sql }}) as decimal(38, 9)), 2) as {{ type_money() }})
{%- endmacro %}
