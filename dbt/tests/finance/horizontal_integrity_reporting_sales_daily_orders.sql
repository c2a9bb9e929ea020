{#- fct_sales_daily's reporting-currency amounts add up to fct_orders' per order day: the daily
    mart sums the orders' rounded conversions, so the totals agree to the cent. Fails with each
    day and amount that disagrees. -#}
with

orders as (

    select
        order_date,
        sum(gross_sales_reporting_amount) as gross_sales_reporting_amount,
        sum(net_sales_reporting_amount) as net_sales_reporting_amount

    from {{ ref('fct_orders') }}
    where order_date >= cast('1900-01-01' as date)
    group by order_date

),

daily as (

    select
        order_date,
        sum(gross_sales_reporting_amount) as gross_sales_reporting_amount,
        sum(net_sales_reporting_amount) as net_sales_reporting_amount

    from {{ ref('fct_sales_daily') }}
    where order_date >= cast('1900-01-01' as date)
    group by order_date

)

select
    coalesce(orders.order_date, daily.order_date) as order_date,
    orders.gross_sales_reporting_amount as orders_gross_sales_reporting_amount,
    daily.gross_sales_reporting_amount as daily_gross_sales_reporting_amount,
    orders.net_sales_reporting_amount as orders_net_sales_reporting_amount,
    daily.net_sales_reporting_amount as daily_net_sales_reporting_amount

from orders
full outer join daily
    on orders.order_date = daily.order_date
where
    orders.order_date is null
    or daily.order_date is null
    or coalesce(orders.gross_sales_reporting_amount, -1) != coalesce(daily.gross_sales_reporting_amount, -1)
    or coalesce(orders.net_sales_reporting_amount, -1) != coalesce(daily.net_sales_reporting_amount, -1)
