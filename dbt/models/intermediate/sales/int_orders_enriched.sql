{#- Every order (every status) with its revenue components and its place in the customer's
    sequence of valid orders: the one join of int_orders_priced with int_orders_sequenced that
    order-level marts, sales roll-ups and attribution read. Orders outside the sequence (guest
    checkouts, cancelled orders) are neither new nor returning. An order's date is its local day
    in its store's time zone. -#}
with

orders as (

    select * from {{ ref('int_orders_priced') }}

),

orders_sequenced as (

    select * from {{ ref('int_orders_sequenced') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_daily') }}

),

stores as (

    select * from {{ ref('int_stores_resolved') }}

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.store_id,
        orders.order_status,
        orders.currency,
        orders.channel,
        orders.shipping_country_code,
        orders.utm_source,
        orders.utm_medium,
        orders.utm_campaign,
        orders.discount_code,
        stores.timezone as store_timezone,
        orders_sequenced.customer_order_number,
        orders.order_item_count,
        orders.refund_count,
        orders.quantity,
        orders.returned_quantity,
        orders.net_quantity,
        orders.gross_sales_amount,
        orders.discount_amount,
        orders.cancellation_amount,
        orders.return_amount,
        orders.net_sales_amount,
        orders.shipping_amount,
        orders.tax_amount,
        orders.total_amount,
        orders.shipping_refund_amount,
        orders.tax_refund_amount,
        orders.net_shipping_amount,
        orders.net_tax_amount,
        orders.total_sales_amount,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        fx_rates.fx_rate,
        {{ to_reporting_amount('orders.gross_sales_amount', 'fx_rates.fx_rate') }} as gross_sales_reporting_amount,
        {{ to_reporting_amount('orders.discount_amount', 'fx_rates.fx_rate') }} as discount_reporting_amount,
        {{ to_reporting_amount('orders.cancellation_amount', 'fx_rates.fx_rate') }} as cancellation_reporting_amount,
        {{ to_reporting_amount('orders.return_amount', 'fx_rates.fx_rate') }} as return_reporting_amount,
        {{ to_reporting_amount('orders.net_sales_amount', 'fx_rates.fx_rate') }} as net_sales_reporting_amount,
        {{ to_reporting_amount('orders.shipping_amount', 'fx_rates.fx_rate') }} as shipping_reporting_amount,
        {{ to_reporting_amount('orders.tax_amount', 'fx_rates.fx_rate') }} as tax_reporting_amount,
        {{ to_reporting_amount('orders.total_amount', 'fx_rates.fx_rate') }} as total_reporting_amount,
        orders.is_cancelled,
        orders.is_returned,
        orders.has_refunds_feed,
        orders.is_guest_checkout,
        not orders.is_cancelled and not orders.is_returned as is_net_order,
        coalesce(orders_sequenced.is_new_customer_order, false) as is_new_customer_order,
        coalesce(orders_sequenced.is_returning_customer_order, false) as is_returning_customer_order,
        {{ shop_date('orders.ordered_at', 'stores.timezone') }} as order_date,
        orders.ordered_at,
        orders.cancelled_at,
        orders.returned_at,
        orders.updated_at

    from orders
    left join orders_sequenced
        on orders.order_id = orders_sequenced.order_id
    left join stores
        on orders.store_id = stores.store_id
    left join fx_rates
        on
            orders.currency = fx_rates.currency
            and {{ shop_date('orders.ordered_at', 'stores.timezone') }} = fx_rates.date_day

)

select * from final
