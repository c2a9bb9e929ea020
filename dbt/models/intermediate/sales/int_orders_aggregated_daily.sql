{#- The sales measures, defined once: orders of int_orders_enriched summed per order date,
    currency, sales channel and shipping country. Every daily, weekly, monthly and sliced sales
    mart rolls these sums up instead of re-deriving them (definitions: DECISIONLOG.md "Revenue",
    "New vs returning customers"). -#}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

summed as (

    select
        order_date,
        currency,
        max(reporting_currency) as reporting_currency,
        coalesce(channel, 'unknown') as sales_channel,
        coalesce(shipping_country_code, 'ZZ') as country_code,
        count(*) as order_count,
        sum(case when is_cancelled then 1 else 0 end) as cancelled_order_count,
        sum(case when is_returned then 1 else 0 end) as returned_order_count,
        sum(case when is_net_order then 1 else 0 end) as net_order_count,
        sum(case when is_guest_checkout and not is_cancelled then 1 else 0 end) as guest_order_count,
        sum(case when is_new_customer_order then 1 else 0 end) as new_customer_count,
        sum(quantity) as gross_units,
        sum(net_quantity) as net_units,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(cancellation_amount) as cancellation_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount,
        sum(case when is_net_order then shipping_amount else 0 end) as shipping_amount,
        sum(case when is_net_order then tax_amount else 0 end) as tax_amount,
        sum(gross_sales_reporting_amount) as gross_sales_reporting_amount,
        sum(discount_reporting_amount) as discount_reporting_amount,
        sum(cancellation_reporting_amount) as cancellation_reporting_amount,
        sum(return_reporting_amount) as return_reporting_amount,
        sum(net_sales_reporting_amount) as net_sales_reporting_amount,
        sum(case when is_net_order then shipping_reporting_amount else 0 end) as shipping_reporting_amount,
        sum(case when is_net_order then tax_reporting_amount else 0 end) as tax_reporting_amount

    from orders
    group by
        order_date,
        currency,
        coalesce(channel, 'unknown'),
        coalesce(shipping_country_code, 'ZZ')

),

final as (

    select
        order_date,
        currency,
        reporting_currency,
        sales_channel,
        country_code,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(cancelled_order_count as {{ dbt.type_bigint() }}) as cancelled_order_count,
        cast(returned_order_count as {{ dbt.type_bigint() }}) as returned_order_count,
        cast(net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
        cast(guest_order_count as {{ dbt.type_bigint() }}) as guest_order_count,
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
        cast(gross_sales_reporting_amount as {{ type_money() }}) as gross_sales_reporting_amount,
        cast(discount_reporting_amount as {{ type_money() }}) as discount_reporting_amount,
        cast(cancellation_reporting_amount as {{ type_money() }}) as cancellation_reporting_amount,
        cast(return_reporting_amount as {{ type_money() }}) as return_reporting_amount,
        cast(net_sales_reporting_amount as {{ type_money() }}) as net_sales_reporting_amount,
        cast(shipping_reporting_amount as {{ type_money() }}) as shipping_reporting_amount,
        cast(tax_reporting_amount as {{ type_money() }}) as tax_reporting_amount

    from summed

)

select * from final
