{{
    config(
        post_hook="{{ incremental_delete_moved_rows('int_orders_aggregated_daily', ['currency'], 'current_rows.order_date') }}",
        **incremental_by_day(
            'order_date',
            cluster_by=['currency'],
            lookback_days=var('order_incremental_lookback_days'),
        )
    )
}}

{#- Daily KPIs by day and currency: the finance terms of int_orders_aggregated_daily (returns
    booked on the refund day by default) summed over channels and countries, beside the distinct customers of the day (not additive
    across slices, so counted on the orders). Definitions: DECISIONLOG.md. -#}
with

sales as (

    select * from {{ ref('int_orders_aggregated_daily') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

daily_sales as (

    select
        order_date,
        currency,
        sum(order_count) as order_count,
        sum(cancelled_order_count) as cancelled_order_count,
        sum(returned_order_count) as returned_order_count,
        sum(net_order_count) as net_order_count,
        sum(guest_order_count) as guest_order_count,
        sum(new_customer_count) as new_customer_count,
        sum(gross_units) as gross_units,
        sum(net_units) as net_units,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(cancellation_amount) as cancellation_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount,
        sum(shipping_amount) as shipping_amount,
        sum(tax_amount) as tax_amount,
        sum(total_sales_amount) as total_sales_amount,
        max(reporting_currency) as reporting_currency,
        sum(gross_sales_reporting_amount) as gross_sales_reporting_amount,
        sum(discount_reporting_amount) as discount_reporting_amount,
        sum(cancellation_reporting_amount) as cancellation_reporting_amount,
        sum(return_reporting_amount) as return_reporting_amount,
        sum(net_sales_reporting_amount) as net_sales_reporting_amount,
        sum(shipping_reporting_amount) as shipping_reporting_amount,
        sum(tax_reporting_amount) as tax_reporting_amount,
        sum(total_sales_reporting_amount) as total_sales_reporting_amount

    from sales
    group by order_date, currency

),

daily_customers as (

    select
        order_date,
        currency,
        count(distinct customer_id) as customer_count

    from orders
    where not is_cancelled
    group by order_date, currency

),

final as (

    select
        daily_sales.order_date,
        daily_sales.currency,
        daily_sales.reporting_currency,
        cast(daily_sales.order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(daily_sales.cancelled_order_count as {{ dbt.type_bigint() }}) as cancelled_order_count,
        cast(daily_sales.returned_order_count as {{ dbt.type_bigint() }}) as returned_order_count,
        cast(daily_sales.net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
        cast(daily_sales.guest_order_count as {{ dbt.type_bigint() }}) as guest_order_count,
        cast(coalesce(daily_customers.customer_count, 0) as {{ dbt.type_bigint() }}) as customer_count,
        cast(daily_sales.new_customer_count as {{ dbt.type_bigint() }}) as new_customer_count,
        cast(
            coalesce(daily_customers.customer_count, 0) - daily_sales.new_customer_count as {{ dbt.type_bigint() }}
        ) as returning_customer_count,
        cast(daily_sales.gross_units as {{ dbt.type_bigint() }}) as gross_units,
        cast(daily_sales.net_units as {{ dbt.type_bigint() }}) as net_units,
        cast(daily_sales.gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(daily_sales.discount_amount as {{ type_money() }}) as discount_amount,
        cast(daily_sales.cancellation_amount as {{ type_money() }}) as cancellation_amount,
        cast(daily_sales.return_amount as {{ type_money() }}) as return_amount,
        cast(daily_sales.net_sales_amount as {{ type_money() }}) as net_sales_amount,
        cast(daily_sales.shipping_amount as {{ type_money() }}) as shipping_amount,
        cast(daily_sales.tax_amount as {{ type_money() }}) as tax_amount,
        cast(daily_sales.total_sales_amount as {{ type_money() }}) as total_sales_amount,
        {{ divide_money('daily_sales.net_sales_amount', 'daily_sales.net_order_count') }}
            as average_order_value_amount,
        cast(daily_sales.gross_sales_reporting_amount as {{ type_money() }}) as gross_sales_reporting_amount,
        cast(daily_sales.discount_reporting_amount as {{ type_money() }}) as discount_reporting_amount,
        cast(daily_sales.cancellation_reporting_amount as {{ type_money() }}) as cancellation_reporting_amount,
        cast(daily_sales.return_reporting_amount as {{ type_money() }}) as return_reporting_amount,
        cast(daily_sales.net_sales_reporting_amount as {{ type_money() }}) as net_sales_reporting_amount,
        cast(daily_sales.shipping_reporting_amount as {{ type_money() }}) as shipping_reporting_amount,
        cast(daily_sales.tax_reporting_amount as {{ type_money() }}) as tax_reporting_amount,
        cast(
            daily_sales.net_sales_reporting_amount + daily_sales.shipping_reporting_amount
            + daily_sales.tax_reporting_amount
            as {{ type_money() }}
        ) as total_sales_reporting_amount

    from daily_sales
    left join daily_customers
        on
            daily_sales.order_date = daily_customers.order_date
            and daily_sales.currency = daily_customers.currency

)

select * from final
{{ incremental_window_filter(also_days=incremental_changed_days()) }}
