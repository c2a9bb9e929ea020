{#- The stores' days add up to the group's: fct_sales_daily_by_store summed over stores equals
    fct_sales_daily per day and currency, for order counts, gross, returns, net and total sales,
    in the order currency and in the reporting currency. Fails with each day, currency and
    measure pair that disagrees. The store mart is dense (a store's quiet day is a row of zeros)
    and fct_sales_daily is not: a day fct_sales_daily lacks counts as zeros there, so only a day
    with store activity that the group lacks, or a group day no store has, fails. -#}
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

),

joined as (

    select
        coalesce(by_store.order_date, daily.order_date) as order_date,
        coalesce(by_store.currency, daily.currency) as currency,
        by_store.order_date is null as is_missing_in_stores,
        by_store.order_count as store_order_count,
        by_store.gross_sales_amount as store_gross_sales_amount,
        by_store.return_amount as store_return_amount,
        by_store.net_sales_amount as store_net_sales_amount,
        by_store.total_sales_amount as store_total_sales_amount,
        by_store.net_sales_reporting_amount as store_net_sales_reporting_amount,
        by_store.total_sales_reporting_amount as store_total_sales_reporting_amount,
        case when daily.order_date is null then 0 else daily.order_count end as daily_order_count,
        case when daily.order_date is null then 0 else daily.gross_sales_amount end as daily_gross_sales_amount,
        case when daily.order_date is null then 0 else daily.return_amount end as daily_return_amount,
        case when daily.order_date is null then 0 else daily.net_sales_amount end as daily_net_sales_amount,
        case when daily.order_date is null then 0 else daily.total_sales_amount end as daily_total_sales_amount,
        case when daily.order_date is null then 0 else daily.net_sales_reporting_amount end
            as daily_net_sales_reporting_amount,
        case when daily.order_date is null then 0 else daily.total_sales_reporting_amount end
            as daily_total_sales_reporting_amount

    from by_store
    full outer join daily
        on
            by_store.order_date = daily.order_date
            and by_store.currency = daily.currency

)

select
    order_date,
    currency,
    store_order_count,
    daily_order_count,
    store_net_sales_amount,
    daily_net_sales_amount,
    store_net_sales_reporting_amount,
    daily_net_sales_reporting_amount

from joined
where
    is_missing_in_stores
    or store_order_count != daily_order_count
    or store_gross_sales_amount != daily_gross_sales_amount
    or store_return_amount != daily_return_amount
    or store_net_sales_amount != daily_net_sales_amount
    or store_total_sales_amount != daily_total_sales_amount
    or store_net_sales_reporting_amount != daily_net_sales_reporting_amount
    or store_total_sales_reporting_amount != daily_total_sales_reporting_amount
