{#- Incremental by order day: each run recomputes the days from (latest day built - lookback)
    onwards, plus every older day where a recomputed row differs from the built one (a late
    order line, a corrected order date or status). The post-hook
    then deletes built rows whose key now lives on another day or no longer exists, so no key
    is ever held twice and the table equals a full refresh (DECISIONLOG "Incremental order facts"). -#}
{{
    config(
        post_hook="{{ incremental_delete_moved_rows('int_order_items_priced', ['order_item_id'], shop_date('current_rows.ordered_at')) }}",
        **incremental_by_day(
            'order_date',
            cluster_by=['product_id', 'customer_id'],
            lookback_days=var('order_incremental_lookback_days'),
            require_partition_filter=true,
        )
    )
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
        reporting_currency,
        quantity,
        returned_quantity,
        net_quantity,
        unit_price_amount,
        gross_sales_amount,
        discount_amount,
        cancellation_amount,
        return_amount,
        net_sales_amount,
        fx_rate,
        gross_sales_reporting_amount,
        discount_reporting_amount,
        cancellation_reporting_amount,
        return_reporting_amount,
        net_sales_reporting_amount,
        is_cancelled,
        is_returned,
        has_refunds_feed,
        {{ shop_date('ordered_at') }} as order_date,
        ordered_at

    from order_items

)

select * from final
{{ incremental_window_filter(also_days=incremental_changed_days()) }}
