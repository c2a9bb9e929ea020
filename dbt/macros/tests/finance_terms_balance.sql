{% test net_sales_balances(model, cancellation_column='cancellation_amount') %}
    {#- Fails with every row whose net sales differ from gross sales - discounts - cancellations -
        returns (Shopify's net sales; DECISIONLOG.md "Finance terms"). cancellation_column: none
        on a model without cancellations. -#}
    select *
    from {{ model }}
    where not coalesce(
        net_sales_amount = gross_sales_amount - discount_amount
        {%- if cancellation_column %} - {{ cancellation_column }}{% endif %} - return_amount,
        false
    )
{% endtest %}

{% test total_sales_balances(model, shipping_column='shipping_amount', tax_column='tax_amount', where_expression='true') %}
    {#- Fails with every row (among those where `where_expression` holds) whose total sales differ
        from net sales + shipping + taxes (Shopify's total sales, shipping and tax net of refunds). -#}
    select *
    from {{ model }}
    where
        {{ where_expression }}
        and not coalesce(total_sales_amount = net_sales_amount + {{ shipping_column }} + {{ tax_column }}, false)
{% endtest %}

{% test order_total_balances(model) %}
    {#- Fails with every order whose total charged differs from the sum of its lines - discounts +
        shipping + tax (gross_sales_amount is the sum of the lines at list price). -#}
    select *
    from {{ model }}
    where not coalesce(total_amount = gross_sales_amount - discount_amount + shipping_amount + tax_amount, false)
{% endtest %}
