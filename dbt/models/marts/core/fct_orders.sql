{{
    config(**incremental_by_day(
        'order_date',
        cluster_by=['customer_id'],
        lookback_days=var('order_incremental_lookback_days'),
    ))
}}

with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

final as (

    select
        order_id,
        customer_id,
        order_status,
        currency,
        channel,
        shipping_country_code,
        utm_source,
        utm_medium,
        utm_campaign,
        discount_code,
        customer_order_number,
        order_item_count,
        quantity,
        net_quantity,
        gross_sales_amount,
        discount_amount,
        cancellation_amount,
        return_amount,
        net_sales_amount,
        shipping_amount,
        tax_amount,
        total_amount,
        is_cancelled,
        is_returned,
        is_guest_checkout,
        is_new_customer_order,
        is_returning_customer_order,
        order_date,
        ordered_at,
        cancelled_at,
        returned_at,
        updated_at

    from orders

)

select * from final
{{ incremental_window_filter() }}
