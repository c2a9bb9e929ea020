{#- The paid-marketing ratios, each defined once; every argument is a SQL expression over the
    caller's columns. Money ratios are cast to the money type; null when the denominator is 0. -#}

{% macro cost_per_click(spend_amount, clicks) -%}
    {#- CPC: spend / clicks. -#}
    cast({{ spend_amount }} / nullif({{ clicks }}, 0) as {{ type_money() }})
{%- endmacro %}

{% macro cost_per_acquisition(spend_amount, order_count) -%}
    {#- CPA: spend / attributed valid orders. -#}
    cast({{ spend_amount }} / nullif({{ order_count }}, 0) as {{ type_money() }})
{%- endmacro %}

{% macro customer_acquisition_cost(spend_amount, new_customer_count) -%}
    {#- CAC: spend / new customers acquired (attributed first valid orders). -#}
    cast({{ spend_amount }} / nullif({{ new_customer_count }}, 0) as {{ type_money() }})
{%- endmacro %}

{% macro return_on_ad_spend(net_sales_amount, spend_amount) -%}
    {#- ROAS: attributed net sales / spend, a 64-bit float. -#}
    cast({{ net_sales_amount }} as {{ type_double() }})
    / nullif(cast({{ spend_amount }} as {{ type_double() }}), 0)
{%- endmacro %}
