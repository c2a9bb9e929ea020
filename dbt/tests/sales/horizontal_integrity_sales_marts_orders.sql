{#- Every sales mart adds up to the order fact: per currency, the orders, net orders, gross sales,
    returns, net sales and total sales summed over each daily, sliced, weekly and monthly mart
    equal those of fct_orders (returns are booked on other days than the order's, never lost or
    counted twice). Fails with one row per mart and currency that disagrees. -#}
{%- set sales_marts = [
    'fct_sales_daily', 'fct_sales_daily_by_channel', 'fct_sales_daily_by_country', 'fct_sales_weekly', 'fct_sales_monthly'
] -%}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

order_totals as (

    select
        currency,
        count(*) as order_count,
        sum(case when not is_cancelled and not is_returned then 1 else 0 end) as net_order_count,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount,
        sum(total_sales_amount) as total_sales_amount

    from orders
    group by currency

),

mart_totals as (

    {% for mart in sales_marts %}
        select
            '{{ mart }}' as mart_name,
            currency,
            sum(order_count) as order_count,
            sum(net_order_count) as net_order_count,
            sum(gross_sales_amount) as gross_sales_amount,
            sum(return_amount) as return_amount,
            sum(net_sales_amount) as net_sales_amount,
            sum(total_sales_amount) as total_sales_amount

        from {{ ref(mart) }}
        group by currency
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

compared as (

    select
        mart_totals.mart_name,
        coalesce(mart_totals.currency, order_totals.currency) as currency,
        coalesce(mart_totals.order_count, 0) as mart_order_count,
        coalesce(order_totals.order_count, 0) as order_count,
        coalesce(mart_totals.net_order_count, 0) as mart_net_order_count,
        coalesce(order_totals.net_order_count, 0) as net_order_count,
        coalesce(mart_totals.gross_sales_amount, 0) as mart_gross_sales_amount,
        coalesce(order_totals.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(mart_totals.return_amount, 0) as mart_return_amount,
        coalesce(order_totals.return_amount, 0) as return_amount,
        coalesce(mart_totals.net_sales_amount, 0) as mart_net_sales_amount,
        coalesce(order_totals.net_sales_amount, 0) as net_sales_amount,
        coalesce(mart_totals.total_sales_amount, 0) as mart_total_sales_amount,
        coalesce(order_totals.total_sales_amount, 0) as total_sales_amount

    from mart_totals
    full outer join order_totals
        on mart_totals.currency = order_totals.currency

)

select * from compared
where
    mart_order_count != order_count
    or mart_net_order_count != net_order_count
    or mart_gross_sales_amount != gross_sales_amount
    or mart_return_amount != return_amount
    or mart_net_sales_amount != net_sales_amount
    or mart_total_sales_amount != total_sales_amount
