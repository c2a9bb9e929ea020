{#- The stores' days add up to the group's: fct_sales_daily_by_store summed over stores equals
    fct_sales_daily per day and currency, for order counts, gross, returns, net and total sales,
    in the order currency and in the reporting currency. Fails with each day, currency and
    measure pair that disagrees (or a day only one side has). -#}
with

by_store as (

    select
        order_date,
        currency,
        sum(order_count) as order_count,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount,
        sum(total_sales_amount) as total_sales_amount,
        sum(net_sales_reporting_amount) as net_sales_reporting_amount,
        sum(total_sales_reporting_amount) as total_sales_reporting_amount

    from {{ ref('fct_sales_daily_by_store') }}
    group by order_date, currency

),

daily as (

    select
        order_date,
        currency,
        order_count,
        gross_sales_amount,
        return_amount,
        net_sales_amount,
        total_sales_amount,
        net_sales_reporting_amount,
        total_sales_reporting_amount

    from {{ ref('fct_sales_daily') }}
    where order_date >= cast('1900-01-01' as date)

)

select
    coalesce(by_store.order_date, daily.order_date) as order_date,
    coalesce(by_store.currency, daily.currency) as currency,
    by_store.order_count as store_order_count,
    daily.order_count as daily_order_count,
    by_store.net_sales_amount as store_net_sales_amount,
    daily.net_sales_amount as daily_net_sales_amount,
    by_store.net_sales_reporting_amount as store_net_sales_reporting_amount,
    daily.net_sales_reporting_amount as daily_net_sales_reporting_amount

from by_store
full outer join daily
    on
        by_store.order_date = daily.order_date
        and by_store.currency = daily.currency
where
    by_store.order_date is null
    or daily.order_date is null
    or by_store.order_count != daily.order_count
    or by_store.gross_sales_amount != daily.gross_sales_amount
    or by_store.return_amount != daily.return_amount
    or by_store.net_sales_amount != daily.net_sales_amount
    or by_store.total_sales_amount != daily.total_sales_amount
    or by_store.net_sales_reporting_amount != daily.net_sales_reporting_amount
    or by_store.total_sales_reporting_amount != daily.total_sales_reporting_amount
