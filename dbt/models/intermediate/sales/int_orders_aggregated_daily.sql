{#- The sales measures, defined once, per day, store, currency, sales channel and shipping country, as
    Shopify's sales reports book them: an order's gross sales, discounts, cancellations, units,
    shipping and tax on its order date; its returns (units, merchandise, shipping and tax
    refunded) on the day of the refund (var returns_dated_on = 'refund') or on the order date
    ('order'). Returns of orders the refunds feed covers come from its refund lines; returns of
    other `returned` orders (the whole order) are dated on returned_at (the order date when
    missing). Days are local days of the order's store (its time zone). Every daily, weekly, monthly and sliced sales mart rolls these sums up instead of
    re-deriving them (DECISIONLOG.md "Revenue", "Finance terms", "New vs returning customers"). -#}
{%- set dated_on = var('returns_dated_on', 'refund') -%}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

refunds as (

    select * from {{ ref('int_refunds_dated') }}

),

ordered as (

    select
        order_date as sales_date,
        store_id,
        currency,
        fx_rate,
        coalesce(channel, 'unknown') as sales_channel,
        coalesce(shipping_country_code, 'ZZ') as country_code,
        1 as order_count,
        case when is_cancelled then 1 else 0 end as cancelled_order_count,
        case when is_returned then 1 else 0 end as returned_order_count,
        case when is_net_order then 1 else 0 end as net_order_count,
        case when is_guest_checkout and not is_cancelled then 1 else 0 end as guest_order_count,
        case when is_new_customer_order then 1 else 0 end as new_customer_count,
        quantity as gross_units,
        case when is_cancelled then 0 else quantity end as sold_units,
        0 as returned_units,
        gross_sales_amount,
        discount_amount,
        cancellation_amount,
        0 as return_amount,
        case when is_cancelled then 0 else shipping_amount end as shipping_charged_amount,
        0 as shipping_refund_amount,
        case when is_cancelled then 0 else tax_amount end as tax_charged_amount,
        0 as tax_refund_amount

    from orders

),

refunded_from_feed as (

    select
        refunds.return_date as sales_date,
        orders.store_id,
        orders.currency,
        orders.fx_rate,
        coalesce(orders.channel, 'unknown') as sales_channel,
        coalesce(orders.shipping_country_code, 'ZZ') as country_code,
        refunds.returned_quantity,
        refunds.return_amount,
        refunds.shipping_refund_amount,
        refunds.tax_refund_amount

    from refunds
    inner join orders
        on refunds.order_id = orders.order_id
    where not orders.is_cancelled

),

returned_by_status as (

    select
        {{ 'order_date' if dated_on == 'order' else shop_date('coalesce(returned_at, ordered_at)', 'store_timezone') }}
            as sales_date,
        store_id,
        currency,
        fx_rate,
        coalesce(channel, 'unknown') as sales_channel,
        coalesce(shipping_country_code, 'ZZ') as country_code,
        returned_quantity,
        return_amount,
        shipping_refund_amount,
        tax_refund_amount

    from orders
    where is_returned and not is_cancelled and not has_refunds_feed

),

return_rows as (

    select * from refunded_from_feed

    union all

    select * from returned_by_status

),

returned as (

    select
        sales_date,
        store_id,
        currency,
        fx_rate,
        sales_channel,
        country_code,
        0 as order_count,
        0 as cancelled_order_count,
        0 as returned_order_count,
        0 as net_order_count,
        0 as guest_order_count,
        0 as new_customer_count,
        0 as gross_units,
        0 as sold_units,
        returned_quantity as returned_units,
        0 as gross_sales_amount,
        0 as discount_amount,
        0 as cancellation_amount,
        return_amount,
        0 as shipping_charged_amount,
        shipping_refund_amount,
        0 as tax_charged_amount,
        tax_refund_amount

    from return_rows

),

booked as (

    select * from ordered

    union all

    select * from returned

),

summed as (

    select
        sales_date,
        store_id,
        currency,
        sales_channel,
        country_code,
        sum(order_count) as order_count,
        sum(cancelled_order_count) as cancelled_order_count,
        sum(returned_order_count) as returned_order_count,
        sum(net_order_count) as net_order_count,
        sum(guest_order_count) as guest_order_count,
        sum(new_customer_count) as new_customer_count,
        sum(gross_units) as gross_units,
        sum(sold_units) - sum(returned_units) as net_units,
        sum(returned_units) as returned_units,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(cancellation_amount) as cancellation_amount,
        sum(return_amount) as return_amount,
        sum(shipping_charged_amount) - sum(shipping_refund_amount) as shipping_amount,
        sum(tax_charged_amount) - sum(tax_refund_amount) as tax_amount,
        sum({{ to_reporting_amount('gross_sales_amount', 'fx_rate') }}) as gross_sales_reporting_amount,
        sum({{ to_reporting_amount('discount_amount', 'fx_rate') }}) as discount_reporting_amount,
        sum({{ to_reporting_amount('cancellation_amount', 'fx_rate') }}) as cancellation_reporting_amount,
        sum({{ to_reporting_amount('return_amount', 'fx_rate') }}) as return_reporting_amount,
        sum({{ to_reporting_amount('shipping_charged_amount', 'fx_rate') }})
        - sum({{ to_reporting_amount('shipping_refund_amount', 'fx_rate') }}) as shipping_reporting_amount,
        sum({{ to_reporting_amount('tax_charged_amount', 'fx_rate') }})
        - sum({{ to_reporting_amount('tax_refund_amount', 'fx_rate') }}) as tax_reporting_amount,
        {#- net and total sales are converted per booked row from the row's own net, so a cancelled or
            wholly returned order nets to exactly zero in the reporting currency too -#}
        sum({{ to_reporting_amount(
            'gross_sales_amount - discount_amount - cancellation_amount - return_amount', 'fx_rate'
        ) }}) as net_sales_reporting_amount,
        sum({{ to_reporting_amount(
            'gross_sales_amount - discount_amount - cancellation_amount - return_amount'
            ~ ' + shipping_charged_amount - shipping_refund_amount + tax_charged_amount - tax_refund_amount',
            'fx_rate'
        ) }}) as total_sales_reporting_amount

    from booked
    group by
        sales_date,
        store_id,
        currency,
        sales_channel,
        country_code

),

final as (

    select
        sales_date as order_date,
        store_id,
        currency,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
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
        cast(returned_units as {{ dbt.type_bigint() }}) as returned_units,
        cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(cancellation_amount as {{ type_money() }}) as cancellation_amount,
        cast(return_amount as {{ type_money() }}) as return_amount,
        cast(
            gross_sales_amount - discount_amount - cancellation_amount - return_amount as {{ type_money() }}
        ) as net_sales_amount,
        cast(shipping_amount as {{ type_money() }}) as shipping_amount,
        cast(tax_amount as {{ type_money() }}) as tax_amount,
        cast(
            gross_sales_amount - discount_amount - cancellation_amount - return_amount + shipping_amount + tax_amount
            as {{ type_money() }}
        ) as total_sales_amount,
        cast(gross_sales_reporting_amount as {{ type_money() }}) as gross_sales_reporting_amount,
        cast(discount_reporting_amount as {{ type_money() }}) as discount_reporting_amount,
        cast(cancellation_reporting_amount as {{ type_money() }}) as cancellation_reporting_amount,
        cast(return_reporting_amount as {{ type_money() }}) as return_reporting_amount,
        cast(net_sales_reporting_amount as {{ type_money() }}) as net_sales_reporting_amount,
        cast(shipping_reporting_amount as {{ type_money() }}) as shipping_reporting_amount,
        cast(tax_reporting_amount as {{ type_money() }}) as tax_reporting_amount,
        cast(total_sales_reporting_amount as {{ type_money() }}) as total_sales_reporting_amount

    from summed

)

select * from final
