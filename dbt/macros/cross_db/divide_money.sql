{% macro divide_money(numerator, denominator, scale=2) -%}
    {#- numerator / denominator computed exactly and rounded half away from zero to `scale`
        decimals (DECISIONLOG.md "Money: scale and rounding"). Both operands are money amounts
        (at most 2 decimals) or integer counts; null when either is null or the denominator is 0. -#}
    {%- if scale is not integer or scale < 0 or scale > 6 -%}
        {{ exceptions.raise_compiler_error("divide_money: scale must be an integer from 0 to 6, got " ~ scale) }}
    {%- endif -%}
    {{ return(adapter.dispatch('divide_money', 'ecommerce_warehouse')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro money_quotient_units(numerator, denominator, scale, integer_divide) -%}
    {#- The rounded quotient as an integer count of 10^-scale units: both operands in hundredths
        (exact integers), then round(|n| * 10^scale / |d|) half up as
        (2 * |n| * 10^scale + |d|) div (2 * |d|), signed. -#}
    {%- set n = "cast((" ~ numerator ~ ") * 100 as " ~ dbt.type_bigint() ~ ")" -%}
    {%- set d = "nullif(cast((" ~ denominator ~ ") * 100 as " ~ dbt.type_bigint() ~ "), 0)" -%}
    sign({{ n }}) * sign({{ d }}) * {{ integer_divide(
        "2 * abs(" ~ n ~ ") * " ~ (10 ** scale) ~ " + abs(" ~ d ~ ")",
        "2 * abs(" ~ d ~ ")",
    ) }}
{%- endmacro %}

{% macro decimal_unit_literal(scale) -%}
    {#- 10^-scale written as a decimal string: '1', '0.1', '0.01', ... -#}
    {%- if scale == 0 -%}1{%- else -%}0.{{ '0' * (scale - 1) }}1{%- endif -%}
{%- endmacro %}

{% macro default__divide_money(numerator, denominator, scale) -%}
    {#- DuckDB divides decimals in double precision, so the division is done on integers (`//`)
        and the result scaled back by a decimal multiplication, which is exact. -#}
    cast(
        cast({{ money_quotient_units(numerator, denominator, scale, default__integer_divide) }} as decimal(38, 0))
        * cast('{{ decimal_unit_literal(scale) }}' as decimal(18, {{ scale }}))
        as {{ type_money() if scale == 2 else 'decimal(18, ' ~ scale ~ ')' }}
    )
{%- endmacro %}

{% macro bigquery__divide_money(numerator, denominator, scale) -%}
    {#- The same integer arithmetic with DIV() (operands parenthesised: some SQL translators
        drop the grouping of a function argument); a NUMERIC literal (a bare 0.01 is FLOAT64). -#}
    cast(
        cast({{ money_quotient_units(numerator, denominator, scale, bigquery__integer_divide) }} as numeric)
        * cast('{{ decimal_unit_literal(scale) }}' as numeric)
        as {{ type_money() if scale == 2 else 'numeric(18, ' ~ scale ~ ')' }}
    )
{%- endmacro %}

{% macro default__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) // ({{ divisor }}))
{%- endmacro %}

{% macro bigquery__integer_divide(dividend, divisor) -%}
    div(({{ dividend }}), ({{ divisor }}))
{%- endmacro %}
