{#- fct_sales_daily's reporting-currency amounts booked on the order day (gross sales and
    discounts) add up to fct_orders' per order day: the daily mart sums the orders' rounded
    conversions, so the totals agree to the cent. Returns are booked on the refund day (var
    returns_dated_on) and are reconciled in the order currency by horizontal_integrity_discount_marts_orders.
    Fails with each day and amount that disagrees. -#}
with

orders as (

    select
        order_date,
        sum(gross_sales_reporting_amount) as gross_sales_reporting_amount,
        sum(discount_reporting_amount) as discount_reporting_amount

    from {{ ref('fct_orders') }}
    where order_date >= cast('1900-01-01' as date)
    group by order_date

),

daily as (

    select
        order_date,
        sum(gross_sales_reporting_amount) as gross_sales_reporting_amount,
        sum(discount_reporting_amount) as discount_reporting_amount

    from {{ ref('fct_sales_daily') }}
    where order_date >= cast('1900-01-01' as date)
    group by order_date
    having sum(order_count) > 0

)

select
    coalesce(orders.order_date, daily.order_date) as order_date,
    orders.gross_sales_reporting_amount as orders_gross_sales_reporting_amount,
    daily.gross_sales_reporting_amount as daily_gross_sales_reporting_amount,
    orders.discount_reporting_amount as orders_discount_reporting_amount,
    daily.discount_reporting_amount as daily_discount_reporting_amount

from orders
full outer join daily
    on orders.order_date = daily.order_date
where
    orders.order_date is null
    or daily.order_date is null
    or coalesce(orders.gross_sales_reporting_amount, -1) != coalesce(daily.gross_sales_reporting_amount, -1)
    or coalesce(orders.discount_reporting_amount, -1) != coalesce(daily.discount_reporting_amount, -1)
