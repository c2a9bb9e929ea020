{#- Order-level roll-up of int_order_items_priced plus the header amounts that live only on
    the order (shipping, tax, total). Orders without lines keep zero line amounts. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

order_items as (

    select * from {{ ref('int_order_items_priced') }}

),

order_items_summed as (

    select
        order_id,
        count(*) as order_item_count,
        sum(quantity) as quantity,
        sum(net_quantity) as net_quantity,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(cancellation_amount) as cancellation_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount

    from order_items
    group by order_id

),

joined as (

    select
        orders.order_id,
        orders.customer_id,
        orders.order_status,
        orders.currency,
        orders.channel,
        orders.shipping_country_code,
        orders.utm_source,
        orders.utm_medium,
        orders.utm_campaign,
        orders.discount_code,
        cast(coalesce(order_items_summed.order_item_count, 0) as {{ dbt.type_bigint() }}) as order_item_count,
        cast(coalesce(order_items_summed.quantity, 0) as {{ dbt.type_bigint() }}) as quantity,
        cast(coalesce(order_items_summed.net_quantity, 0) as {{ dbt.type_bigint() }}) as net_quantity,
        cast(coalesce(order_items_summed.gross_sales_amount, 0) as {{ type_money() }}) as gross_sales_amount,
        cast(coalesce(order_items_summed.discount_amount, 0) as {{ type_money() }}) as discount_amount,
        cast(coalesce(order_items_summed.cancellation_amount, 0) as {{ type_money() }}) as cancellation_amount,
        cast(coalesce(order_items_summed.return_amount, 0) as {{ type_money() }}) as return_amount,
        cast(coalesce(order_items_summed.net_sales_amount, 0) as {{ type_money() }}) as net_sales_amount,
        orders.shipping_amount,
        orders.tax_amount,
        orders.total_amount,
        orders.order_status = 'cancelled' as is_cancelled,
        orders.order_status = 'returned' as is_returned,
        orders.customer_id is null as is_guest_checkout,
        orders.ordered_at,
        orders.cancelled_at,
        orders.returned_at,
        orders.updated_at

    from orders
    left join order_items_summed
        on orders.order_id = order_items_summed.order_id

)

select * from joined
