{#- Order-level roll-up of int_order_items_priced plus the amounts that live only on the order:
    shipping, tax and total charged, and the refunds feed's order-level adjustments (in returns)
    and shipping and tax refunds. An order of the `returned` status that the refunds feed does
    not cover gets its whole shipping and tax back; a cancelled order counts no shipping or tax
    (DECISIONLOG.md "Finance terms"). Orders without lines keep zero line amounts. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

order_items as (

    select * from {{ ref('int_order_items_priced') }}

),

refunds as (

    select * from {{ ref('int_refunds_dated') }}

),

refunds_summed as (

    select
        order_id,
        count(distinct refund_id) as refund_count,
        sum(case when order_item_id is null then return_amount else 0 end) as adjustment_amount,
        sum(shipping_refund_amount) as shipping_refund_amount,
        sum(tax_refund_amount) as tax_refund_amount

    from refunds
    group by order_id

),

order_items_summed as (

    select
        order_id,
        count(*) as order_item_count,
        sum(quantity) as quantity,
        sum(returned_quantity) as returned_quantity,
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
        orders.*,
        orders.order_status = 'cancelled' as is_cancelled,
        orders.order_status = 'returned' as is_returned,
        refunds_summed.order_id is not null as has_refunds_feed,
        coalesce(refunds_summed.refund_count, 0) as refund_count,
        coalesce(refunds_summed.adjustment_amount, 0) as adjustment_amount,
        coalesce(refunds_summed.shipping_refund_amount, 0) as feed_shipping_refund_amount,
        coalesce(refunds_summed.tax_refund_amount, 0) as feed_tax_refund_amount,
        coalesce(order_items_summed.order_item_count, 0) as order_item_count,
        coalesce(order_items_summed.quantity, 0) as line_quantity,
        coalesce(order_items_summed.returned_quantity, 0) as returned_quantity,
        coalesce(order_items_summed.net_quantity, 0) as net_quantity,
        coalesce(order_items_summed.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(order_items_summed.discount_amount, 0) as line_discount_amount,
        coalesce(order_items_summed.cancellation_amount, 0) as cancellation_amount,
        coalesce(order_items_summed.return_amount, 0) as line_return_amount

    from orders
    left join order_items_summed
        on orders.order_id = order_items_summed.order_id
    left join refunds_summed
        on orders.order_id = refunds_summed.order_id

),

refunded as (

    select
        *,
        case
            when is_cancelled then 0
            else line_return_amount + case when has_refunds_feed then adjustment_amount else 0 end
        end as order_return_amount,
        case
            when is_cancelled then 0
            when has_refunds_feed then feed_shipping_refund_amount
            when is_returned then shipping_amount
            else 0
        end as order_shipping_refund_amount,
        case
            when is_cancelled then 0
            when has_refunds_feed then feed_tax_refund_amount
            when is_returned then tax_amount
            else 0
        end as order_tax_refund_amount

    from joined

),

final as (

    select
        order_id,
        customer_id,
        store_id,
        order_status,
        currency,
        channel,
        shipping_country_code,
        utm_source,
        utm_medium,
        utm_campaign,
        discount_code,
        cast(order_item_count as {{ dbt.type_bigint() }}) as order_item_count,
        cast(refund_count as {{ dbt.type_bigint() }}) as refund_count,
        cast(line_quantity as {{ dbt.type_bigint() }}) as quantity,
        cast(returned_quantity as {{ dbt.type_bigint() }}) as returned_quantity,
        cast(net_quantity as {{ dbt.type_bigint() }}) as net_quantity,
        cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(line_discount_amount as {{ type_money() }}) as discount_amount,
        cast(cancellation_amount as {{ type_money() }}) as cancellation_amount,
        cast(order_return_amount as {{ type_money() }}) as return_amount,
        cast(
            gross_sales_amount - line_discount_amount - cancellation_amount - order_return_amount
            as {{ type_money() }}
        ) as net_sales_amount,
        shipping_amount,
        tax_amount,
        total_amount,
        cast(order_shipping_refund_amount as {{ type_money() }}) as shipping_refund_amount,
        cast(order_tax_refund_amount as {{ type_money() }}) as tax_refund_amount,
        cast(
            case when is_cancelled then 0 else shipping_amount - order_shipping_refund_amount end
            as {{ type_money() }}
        ) as net_shipping_amount,
        cast(
            case when is_cancelled then 0 else tax_amount - order_tax_refund_amount end
            as {{ type_money() }}
        ) as net_tax_amount,
        cast(
            case
                when is_cancelled then 0
                else
                    gross_sales_amount - line_discount_amount - order_return_amount
                    + shipping_amount - order_shipping_refund_amount
                    + tax_amount - order_tax_refund_amount
            end as {{ type_money() }}
        ) as total_sales_amount,
        is_cancelled,
        is_returned,
        has_refunds_feed,
        customer_id is null as is_guest_checkout,
        ordered_at,
        cancelled_at,
        returned_at,
        updated_at

    from refunded

)

select * from final
