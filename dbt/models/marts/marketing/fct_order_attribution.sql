with

attributed as (

    select * from {{ ref('int_orders_attributed') }}

),

final as (

    select
        order_id,
        customer_id,
        currency,
        last_non_direct_session_id,
        last_non_direct_channel_group,
        last_non_direct_source,
        last_non_direct_medium,
        last_non_direct_campaign,
        first_touch_session_id,
        first_touch_channel_group,
        first_touch_source,
        first_touch_medium,
        first_touch_campaign,
        attribution_basis,
        candidate_session_count,
        net_sales_amount,
        is_cancelled,
        is_new_customer_order,
        {{ shop_date('ordered_at') }} as order_date,
        ordered_at

    from attributed

)

select * from final
