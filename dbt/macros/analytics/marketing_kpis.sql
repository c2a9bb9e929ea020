{#- The paid-marketing ratios, each defined once; every argument is a SQL expression over the
    caller's columns. Money per click/order/customer goes through divide_money (exact, half away
    from zero, 2 decimals); null when the denominator is 0. -#}

{% macro cost_per_click(spend_amount, clicks) -%}
    {#- CPC: spend / clicks. -#}
    {{ divide_money(spend_amount, clicks) }}
{%- endmacro %}

{% macro cost_per_acquisition(spend_amount, order_count) -%}
    {#- CPA: spend / attributed valid orders. -#}
    {{ divide_money(spend_amount, order_count) }}
{%- endmacro %}

{% macro customer_acquisition_cost(spend_amount, new_customer_count) -%}
    {#- CAC: spend / new customers acquired (attributed first valid orders). -#}
    {{ divide_money(spend_amount, new_customer_count) }}
{%- endmacro %}

{% macro return_on_ad_spend(net_sales_amount, spend_amount) -%}
    {#- ROAS: attributed net sales / spend, a 64-bit float. -#}
    cast({{ net_sales_amount }} as {{ type_double() }})
    / nullif(cast({{ spend_amount }} as {{ type_double() }}), 0)
{%- endmacro %}
