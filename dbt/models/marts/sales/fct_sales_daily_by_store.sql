{#- Daily sales per store and currency: the finance terms of int_orders_aggregated_daily summed
    over channels and countries, each store on its own local days (its time zone), in the order
    currency and in the reporting currency. The stores' rows add up to fct_sales_daily. -#}
with

sales as (

    select * from {{ ref('int_orders_aggregated_daily') }}

),

daily as (

    select
        order_date,
        store_id,
        currency,
        max(reporting_currency) as reporting_currency,
        sum(order_count) as order_count,
        sum(cancelled_order_count) as cancelled_order_count,
        sum(returned_order_count) as returned_order_count,
        sum(net_order_count) as net_order_count,
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
        sum(gross_sales_reporting_amount) as gross_sales_reporting_amount,
        sum(discount_reporting_amount) as discount_reporting_amount,
        sum(cancellation_reporting_amount) as cancellation_reporting_amount,
        sum(return_reporting_amount) as return_reporting_amount,
        sum(net_sales_reporting_amount) as net_sales_reporting_amount,
        sum(shipping_reporting_amount) as shipping_reporting_amount,
        sum(tax_reporting_amount) as tax_reporting_amount

    from sales
    group by order_date, store_id, currency

),

final as (

    select
        store_id,
        currency,
        reporting_currency,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(cancelled_order_count as {{ dbt.type_bigint() }}) as cancelled_order_count,
        cast(returned_order_count as {{ dbt.type_bigint() }}) as returned_order_count,
        cast(net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
        cast(new_customer_count as {{ dbt.type_bigint() }}) as new_customer_count,
        cast(gross_units as {{ dbt.type_bigint() }}) as gross_units,
        cast(net_units as {{ dbt.type_bigint() }}) as net_units,
        cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(cancellation_amount as {{ type_money() }}) as cancellation_amount,
        cast(return_amount as {{ type_money() }}) as return_amount,
        cast(net_sales_amount as {{ type_money() }}) as net_sales_amount,
        cast(shipping_amount as {{ type_money() }}) as shipping_amount,
        cast(tax_amount as {{ type_money() }}) as tax_amount,
        cast(total_sales_amount as {{ type_money() }}) as total_sales_amount,
        {{ divide_money('net_sales_amount', 'net_order_count') }} as average_order_value_amount,
        cast(gross_sales_reporting_amount as {{ type_money() }}) as gross_sales_reporting_amount,
        cast(discount_reporting_amount as {{ type_money() }}) as discount_reporting_amount,
        cast(cancellation_reporting_amount as {{ type_money() }}) as cancellation_reporting_amount,
        cast(return_reporting_amount as {{ type_money() }}) as return_reporting_amount,
        cast(net_sales_reporting_amount as {{ type_money() }}) as net_sales_reporting_amount,
        cast(shipping_reporting_amount as {{ type_money() }}) as shipping_reporting_amount,
        cast(tax_reporting_amount as {{ type_money() }}) as tax_reporting_amount,
        cast(
            net_sales_reporting_amount + shipping_reporting_amount + tax_reporting_amount as {{ type_money() }}
        ) as total_sales_reporting_amount,
        order_date

    from daily

)

select * from final
