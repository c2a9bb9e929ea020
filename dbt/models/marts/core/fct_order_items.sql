{{
    config(**incremental_by_day(
        'order_date',
        cluster_by=['product_id', 'customer_id'],
        lookback_days=var('order_incremental_lookback_days'),
        require_partition_filter=true,
    ))
}}

with

order_items as (

    select * from {{ ref('int_order_items_priced') }}

),

final as (

    select
        order_item_id,
        order_id,
        product_id,
        customer_id,
        order_status,
        currency,
        quantity,
        net_quantity,
        unit_price_amount,
        gross_sales_amount,
        discount_amount,
        cancellation_amount,
        return_amount,
        net_sales_amount,
        is_cancelled,
        is_returned,
        cast(ordered_at as date) as order_date,
        ordered_at

    from order_items

)

select * from final
{{ incremental_window_filter() }}
