{#- The one place the revenue components of a sale are defined (Shopify's terms); every mart
    sums these columns instead of re-deriving them. See DECISIONLOG.md "Revenue". -#}
with

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

joined as (

    select
        order_items.order_item_id,
        order_items.order_id,
        order_items.product_id,
        orders.customer_id,
        orders.order_status,
        orders.currency,
        order_items.quantity,
        order_items.unit_price_amount,
        -- the line amount: quantity x unit price (up to 4 decimals), rounded once, here, half away
        -- from zero to 2 decimals by the cast (DECISIONLOG.md "Money: scale and rounding")
        cast(
            order_items.quantity * order_items.unit_price_amount as {{ type_money() }}
        ) as gross_sales_amount,
        order_items.discount_amount,
        orders.order_status = 'cancelled' as is_cancelled,
        orders.order_status = 'returned' as is_returned,
        orders.ordered_at

    from order_items
    inner join orders
        on order_items.order_id = orders.order_id

),

priced as (

    select
        order_item_id,
        order_id,
        product_id,
        customer_id,
        order_status,
        currency,
        quantity,
        case when is_cancelled or is_returned then 0 else quantity end as net_quantity,
        unit_price_amount,
        gross_sales_amount,
        discount_amount,
        cast(
            case when is_cancelled then gross_sales_amount - discount_amount else 0 end
            as {{ type_money() }}
        ) as cancellation_amount,
        cast(
            case when is_returned then gross_sales_amount - discount_amount else 0 end
            as {{ type_money() }}
        ) as return_amount,
        cast(
            case
                when is_cancelled or is_returned then 0
                else gross_sales_amount - discount_amount
            end as {{ type_money() }}
        ) as net_sales_amount,
        is_cancelled,
        is_returned,
        ordered_at

    from joined

)

select * from priced
