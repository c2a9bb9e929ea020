{#- The one place the revenue components of a sale are defined (Shopify's terms); every mart
    sums these columns instead of re-deriving them. See DECISIONLOG.md "Revenue". -#}
with

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_daily') }}

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
    left join fx_rates
        on
            orders.currency = fx_rates.currency
            and {{ shop_date('orders.ordered_at') }} = fx_rates.date_day

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
