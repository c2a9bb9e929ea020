{#- Channel-day performance across paid and unpaid channels: ad spend (platform -> channel by
    seed ad_platform_channels), sessions, and valid orders, new customers and net sales
    attributed by last non-direct click (and first touch), with ROAS, CPA and CAC. -#}
with

ad_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

ad_platform_channels as (

    select * from {{ ref('ad_platform_channels') }}

),

sessions as (

    select * from {{ ref('int_web_sessions_aggregated') }}

),

attributions as (

    select * from {{ ref('int_attributions_aggregated_daily') }}

),

channel_spend as (

    select
        coalesce(ad_platform_channels.channel_group, 'Unassigned') as channel_group,
        ad_spend.spend_date as activity_date,
        sum(ad_spend.impressions) as impressions,
        sum(ad_spend.clicks) as clicks,
        sum(ad_spend.spend_amount) as spend_amount

    from ad_spend
    left join ad_platform_channels
        on ad_spend.platform = ad_platform_channels.platform
    group by coalesce(ad_platform_channels.channel_group, 'Unassigned'), ad_spend.spend_date

),

channel_sessions as (

    select
        channel_group,
        session_date as activity_date,
        count(*) as session_count,
        sum(case when has_purchase then 1 else 0 end) as purchase_session_count

    from sessions
    group by channel_group, session_date

),

channel_orders as (

    select
        channel_group,
        order_date as activity_date,
        sum(last_non_direct_order_count) as last_non_direct_order_count,
        sum(last_non_direct_new_customer_count) as last_non_direct_new_customer_count,
        sum(first_touch_order_count) as first_touch_order_count,
        sum(first_touch_new_customer_count) as first_touch_new_customer_count,
        sum(last_non_direct_net_sales_amount) as last_non_direct_net_sales_amount,
        sum(first_touch_net_sales_amount) as first_touch_net_sales_amount

    from attributions
    group by channel_group, order_date

),

channel_days as (

    select
        channel_group,
        activity_date
    from channel_spend

    union distinct

    select
        channel_group,
        activity_date
    from channel_sessions

    union distinct

    select
        channel_group,
        activity_date
    from channel_orders

),

joined as (

    select
        channel_days.channel_group,
        coalesce(channel_spend.impressions, 0) as impressions,
        coalesce(channel_spend.clicks, 0) as clicks,
        coalesce(channel_sessions.session_count, 0) as session_count,
        coalesce(channel_sessions.purchase_session_count, 0) as purchase_session_count,
        coalesce(channel_orders.last_non_direct_order_count, 0) as last_non_direct_order_count,
        coalesce(channel_orders.last_non_direct_new_customer_count, 0) as last_non_direct_new_customer_count,
        coalesce(channel_orders.first_touch_order_count, 0) as first_touch_order_count,
        coalesce(channel_orders.first_touch_new_customer_count, 0) as first_touch_new_customer_count,
        coalesce(channel_spend.spend_amount, 0) as spend_amount,
        coalesce(channel_orders.last_non_direct_net_sales_amount, 0) as last_non_direct_net_sales_amount,
        coalesce(channel_orders.first_touch_net_sales_amount, 0) as first_touch_net_sales_amount,
        channel_days.activity_date

    from channel_days
    left join channel_spend
        on
            channel_days.channel_group = channel_spend.channel_group
            and channel_days.activity_date = channel_spend.activity_date
    left join channel_sessions
        on
            channel_days.channel_group = channel_sessions.channel_group
            and channel_days.activity_date = channel_sessions.activity_date
    left join channel_orders
        on
            channel_days.channel_group = channel_orders.channel_group
            and channel_days.activity_date = channel_orders.activity_date

),

final as (

    select
        channel_group,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(session_count as {{ dbt.type_bigint() }}) as session_count,
        cast(purchase_session_count as {{ dbt.type_bigint() }}) as purchase_session_count,
        cast(last_non_direct_order_count as {{ dbt.type_bigint() }}) as last_non_direct_order_count,
        cast(last_non_direct_new_customer_count as {{ dbt.type_bigint() }}) as last_non_direct_new_customer_count,
        cast(first_touch_order_count as {{ dbt.type_bigint() }}) as first_touch_order_count,
        cast(first_touch_new_customer_count as {{ dbt.type_bigint() }}) as first_touch_new_customer_count,
        cast(spend_amount as {{ type_money() }}) as spend_amount,
        cast(last_non_direct_net_sales_amount as {{ type_money() }}) as last_non_direct_net_sales_amount,
        cast(first_touch_net_sales_amount as {{ type_money() }}) as first_touch_net_sales_amount,
        {{ cost_per_acquisition('spend_amount', 'last_non_direct_order_count') }} as cost_per_acquisition_amount,
        {{ customer_acquisition_cost('spend_amount', 'last_non_direct_new_customer_count') }}
            as customer_acquisition_cost_amount,
        {{ return_on_ad_spend('last_non_direct_net_sales_amount', 'spend_amount') }} as return_on_ad_spend,
        activity_date

    from joined

)

select * from final
