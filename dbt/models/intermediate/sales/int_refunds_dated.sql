{#- Refund lines of the refunds feed with the order they refund and the day their returns are
    booked on: the refund's day (var returns_dated_on = 'refund', Shopify's rule) or the order's
    day ('order'), a local day in the order's store's time zone. Refunds of orders missing from the orders feed are left out (and flagged by the
    staging relationships test). DECISIONLOG.md "Finance terms". -#}
{%- set dated_on = var('returns_dated_on', 'refund') -%}
{%- if dated_on not in ['refund', 'order'] -%}
    {{ exceptions.raise_compiler_error("var returns_dated_on must be 'refund' or 'order', got '" ~ dated_on ~ "'") }}
{%- endif %}
with

refunds as (

    select * from {{ ref('stg_shop__refunds') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

stores as (

    select * from {{ ref('int_stores_resolved') }}

),

final as (

    select
        refunds.refund_line_id,
        refunds.refund_id,
        refunds.order_id,
        refunds.order_item_id,
        orders.store_id,
        orders.currency,
        refunds.reason,
        refunds.quantity as returned_quantity,
        refunds.amount as return_amount,
        refunds.shipping_amount as shipping_refund_amount,
        refunds.tax_amount as tax_refund_amount,
        refunds.is_restocked,
        refunds.is_order_adjustment,
        orders.order_status = 'cancelled' as is_cancelled_order,
        {{ shop_date('orders.ordered_at' if dated_on == 'order' else 'refunds.refunded_at', 'stores.timezone') }}
            as return_date,
        refunds.refunded_at,
        orders.ordered_at

    from refunds
    inner join orders
        on refunds.order_id = orders.order_id
    left join stores
        on orders.store_id = stores.store_id

)

select * from final
