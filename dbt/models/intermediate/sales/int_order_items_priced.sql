{#- The one place the revenue components of a sale are defined per order line (Shopify's terms),
    in the line's current state over its whole life; every mart sums these columns instead of
    re-deriving them. Returns come from the refunds feed for every order it covers (any refund
    line of the order) and from the `returned` status (the whole line) for the others; lines of
    cancelled orders count in cancellations, never in returns. See DECISIONLOG.md "Revenue" and
    "Finance terms". -#}
with

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

refunds as (

    select * from {{ ref('int_refunds_dated') }}

),

refunded_orders as (

    select distinct order_id
    from refunds

),

refunded_lines as (

    select
        order_item_id,
        sum(returned_quantity) as returned_quantity,
        sum(return_amount) as return_amount

    from refunds
    where order_item_id is not null
    group by order_item_id

),

fx_rates as (

    select * from {{ ref('int_fx_rates_daily') }}

),

stores as (

    select * from {{ ref('int_stores_resolved') }}

),

joined as (

    select
        order_items.order_item_id,
        order_items.order_id,
        order_items.product_id,
        orders.customer_id,
        orders.order_status,
        orders.currency,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        fx_rates.fx_rate,
        order_items.quantity,
        order_items.unit_price_amount,
        -- the line amount: quantity x unit price (up to 4 decimals), rounded once, here, half away
        -- from zero to 2 decimals by the cast (DECISIONLOG.md "Money: scale and rounding")
        cast(
            order_items.quantity * order_items.unit_price_amount as {{ type_money() }}
        ) as gross_sales_amount,
        order_items.discount_amount,
        coalesce(refunded_lines.returned_quantity, 0) as refunded_quantity,
        coalesce(refunded_lines.return_amount, 0) as refunded_amount,
        orders.order_status = 'cancelled' as is_cancelled,
        orders.order_status = 'returned' as is_returned,
        refunded_orders.order_id is not null as has_refunds_feed,
        orders.ordered_at

    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    left join refunded_orders
        on order_items.order_id = refunded_orders.order_id
    left join refunded_lines
        on order_items.order_item_id = refunded_lines.order_item_id
    left join stores
        on orders.store_id = stores.store_id
    left join fx_rates
        on
            orders.currency = fx_rates.currency
            and {{ shop_date('orders.ordered_at', 'stores.timezone') }} = fx_rates.date_day

),

returned as (

    select
        *,
        case
            when is_cancelled then 0
            when has_refunds_feed then refunded_quantity
            when is_returned then quantity
            else 0
        end as returned_quantity,
        cast(
            case
                when is_cancelled then 0
                when has_refunds_feed then refunded_amount
                when is_returned then gross_sales_amount - discount_amount
                else 0
            end as {{ type_money() }}
        ) as return_amount

    from joined

),

priced as (

    select
        order_item_id,
        order_id,
        product_id,
        customer_id,
        order_status,
        currency,
        reporting_currency,
        fx_rate,
        quantity,
        cast(returned_quantity as {{ dbt.type_bigint() }}) as returned_quantity,
        cast(
            case when is_cancelled then 0 else quantity - returned_quantity end as {{ dbt.type_bigint() }}
        ) as net_quantity,
        unit_price_amount,
        gross_sales_amount,
        discount_amount,
        cast(
            case when is_cancelled then gross_sales_amount - discount_amount else 0 end
            as {{ type_money() }}
        ) as cancellation_amount,
        return_amount,
        cast(
            case
                when is_cancelled then 0
                else gross_sales_amount - discount_amount - return_amount
            end as {{ type_money() }}
        ) as net_sales_amount,
        is_cancelled,
        is_returned,
        has_refunds_feed,
        ordered_at

    from returned

),

converted as (

    select
        *,
        {{ to_reporting_amount('gross_sales_amount', 'fx_rate') }} as gross_sales_reporting_amount,
        {{ to_reporting_amount('discount_amount', 'fx_rate') }} as discount_reporting_amount,
        {{ to_reporting_amount('cancellation_amount', 'fx_rate') }} as cancellation_reporting_amount,
        {{ to_reporting_amount('return_amount', 'fx_rate') }} as return_reporting_amount,
        {{ to_reporting_amount('net_sales_amount', 'fx_rate') }} as net_sales_reporting_amount

    from priced

)

select * from converted
