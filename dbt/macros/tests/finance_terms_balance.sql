{% test net_sales_balances(model, cancellation_column='cancellation_amount', amount_suffix='_amount', cents_tolerance=none) %}
    {#- Fails with every row whose net sales differ from gross sales - discounts - cancellations -
        returns (Shopify's net sales; DECISIONLOG.md "Finance terms"). cancellation_column: none
        on a model without cancellations. amount_suffix: `_reporting_amount` checks the
        reporting-currency twins; cents_tolerance: SQL of the number of cents the two sides may
        differ by (reporting amounts are rounded per order and component, one cent per order). -#}
    {%- set s = amount_suffix %}
    {%- set components = 'gross_sales' ~ s ~ ' - discount' ~ s
        ~ (' - ' ~ cancellation_column if cancellation_column else '') ~ ' - return' ~ s %}
    select *
    from {{ model }}
    where not coalesce(
        {%- if cents_tolerance %}
        abs(net_sales{{ s }} - ({{ components }})) <= 0.01 * ({{ cents_tolerance }}),
        {%- else %}
        net_sales{{ s }} = {{ components }},
        {%- endif %}
        false
    )
{% endtest %}

{% test total_sales_balances(model, shipping_column='shipping_amount', tax_column='tax_amount', where_expression='true', amount_suffix='_amount') %}
    {#- Fails with every row (among those where `where_expression` holds) whose total sales differ
        from net sales + shipping + taxes (Shopify's total sales, shipping and tax net of refunds).
        amount_suffix: `_reporting_amount` checks the reporting-currency twins. -#}
    select *
    from {{ model }}
    where
        {{ where_expression }}
        and not coalesce(
            total_sales{{ amount_suffix }} = net_sales{{ amount_suffix }} + {{ shipping_column }} + {{ tax_column }},
            false
        )
{% endtest %}

{% test order_total_balances(model) %}
    {#- Fails with every order whose total charged differs from the sum of its lines - discounts +
        shipping + tax (gross_sales_amount is the sum of the lines at list price). -#}
    select *
    from {{ model }}
    where not coalesce(total_amount = gross_sales_amount - discount_amount + shipping_amount + tax_amount, false)
{% endtest %}
