{{ config(severity='warn') }}

{#- The shop's order header should agree with its lines: subtotal = sum(quantity x unit price)
    and discount = sum(line discounts). Revenue is defined on the lines (DECISIONLOG.md
    "Revenue"); a disagreement means the export is inconsistent, so warn with the orders. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

orders_priced as (

    select * from {{ ref('int_orders_priced') }}

),

compared as (

    select
        orders.order_id,
        orders.subtotal_amount,
        orders_priced.gross_sales_amount,
        orders.discount_amount as header_discount_amount,
        orders_priced.discount_amount as line_discount_amount

    from orders
    inner join orders_priced
        on orders.order_id = orders_priced.order_id
    where
        orders_priced.order_item_count > 0
        and (
            orders.subtotal_amount != orders_priced.gross_sales_amount
            or orders.discount_amount != orders_priced.discount_amount
        )

)

select * from compared
