{{
    config(**incremental_by_day(
        'order_date',
        cluster_by=['currency'],
        lookback_days=var('order_incremental_lookback_days'),
    ))
}}

{#- Daily KPIs by order date and currency, summed from the shared revenue and customer-sequence
    intermediate models (definitions: DECISIONLOG.md). -#}
with

orders as (

    select * from {{ ref('int_orders_priced') }}

),

orders_sequenced as (

    select * from {{ ref('int_orders_sequenced') }}

),

orders_joined as (

    select
        orders.order_id,
        orders.customer_id,
        orders.currency,
        orders.quantity,
        orders.net_quantity,
        orders.gross_sales_amount,
        orders.discount_amount,
        orders.cancellation_amount,
        orders.return_amount,
        orders.net_sales_amount,
        orders.shipping_amount,
        orders.tax_amount,
        orders.is_cancelled,
        orders.is_returned,
        orders.is_guest_checkout,
        not orders.is_cancelled and not orders.is_returned as is_net_order,
        coalesce(orders_sequenced.is_new_customer_order, false) as is_new_customer_order,
        cast(orders.ordered_at as date) as order_date

    from orders
    left join orders_sequenced
        on orders.order_id = orders_sequenced.order_id

),

daily as (

    select
        order_date,
        currency,
        count(*) as order_count,
        sum(case when is_cancelled then 1 else 0 end) as cancelled_order_count,
        sum(case when is_returned then 1 else 0 end) as returned_order_count,
        sum(case when is_net_order then 1 else 0 end) as net_order_count,
        sum(case when is_guest_checkout and not is_cancelled then 1 else 0 end) as guest_order_count,
        count(distinct case when not is_cancelled then customer_id end) as customer_count,
        count(distinct case when is_new_customer_order then customer_id end) as new_customer_count,
        sum(quantity) as gross_units,
        sum(net_quantity) as net_units,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(cancellation_amount) as cancellation_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount,
        sum(case when is_net_order then shipping_amount else 0 end) as shipping_amount,
        sum(case when is_net_order then tax_amount else 0 end) as tax_amount

    from orders_joined
    group by order_date, currency

),

final as (

    select
        order_date,
        currency,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(cancelled_order_count as {{ dbt.type_bigint() }}) as cancelled_order_count,
        cast(returned_order_count as {{ dbt.type_bigint() }}) as returned_order_count,
        cast(net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
        cast(guest_order_count as {{ dbt.type_bigint() }}) as guest_order_count,
        cast(customer_count as {{ dbt.type_bigint() }}) as customer_count,
        cast(new_customer_count as {{ dbt.type_bigint() }}) as new_customer_count,
        cast(customer_count - new_customer_count as {{ dbt.type_bigint() }}) as returning_customer_count,
        cast(gross_units as {{ dbt.type_bigint() }}) as gross_units,
        cast(net_units as {{ dbt.type_bigint() }}) as net_units,
        cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(cancellation_amount as {{ type_money() }}) as cancellation_amount,
        cast(return_amount as {{ type_money() }}) as return_amount,
        cast(net_sales_amount as {{ type_money() }}) as net_sales_amount,
        cast(shipping_amount as {{ type_money() }}) as shipping_amount,
        cast(tax_amount as {{ type_money() }}) as tax_amount,
        cast(net_sales_amount + shipping_amount + tax_amount as {{ type_money() }}) as total_sales_amount,
        cast(
            case when net_order_count > 0 then net_sales_amount / net_order_count end
            as {{ type_money() }}
        ) as average_order_value_amount

    from daily

)

select * from final
{{ incremental_window_filter() }}
