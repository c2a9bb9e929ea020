{#- Campaign-day performance: ad platform delivery and spend beside the sessions the campaign's
    tagged links brought (utm_campaign = campaign_name, same day) and the valid orders and net
    sales attributed to it (last non-direct click and first touch, dated on the order date). -#}
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

attributed as (

    select * from {{ ref('int_orders_attributed') }}

),

campaign_sessions as (

    select
        utm_campaign as campaign_name,
        session_date,
        count(*) as session_count,
        sum(case when has_purchase then 1 else 0 end) as purchase_session_count

    from sessions
    where utm_campaign is not null
    group by utm_campaign, session_date

),

last_non_direct_orders as (

    select
        last_non_direct_campaign as campaign_name,
        cast(ordered_at as date) as order_date,
        count(*) as order_count,
        sum(case when is_new_customer_order then 1 else 0 end) as new_customer_count,
        sum(net_sales_amount) as net_sales_amount

    from attributed
    where
        not is_cancelled
        and last_non_direct_campaign is not null
    group by last_non_direct_campaign, cast(ordered_at as date)

),

first_touch_orders as (

    select
        first_touch_campaign as campaign_name,
        cast(ordered_at as date) as order_date,
        count(*) as order_count,
        sum(net_sales_amount) as net_sales_amount

    from attributed
    where
        not is_cancelled
        and first_touch_campaign is not null
    group by first_touch_campaign, cast(ordered_at as date)

),

joined as (

    select
        ad_spend.platform,
        ad_spend.campaign_id,
        ad_spend.campaign_name,
        coalesce(ad_platform_channels.channel_group, 'Unassigned') as channel_group,
        ad_spend.currency,
        ad_spend.impressions,
        ad_spend.clicks,
        ad_spend.spend_amount,
        coalesce(campaign_sessions.session_count, 0) as session_count,
        coalesce(campaign_sessions.purchase_session_count, 0) as purchase_session_count,
        coalesce(last_non_direct_orders.order_count, 0) as attributed_order_count,
        coalesce(last_non_direct_orders.new_customer_count, 0) as attributed_new_customer_count,
        coalesce(last_non_direct_orders.net_sales_amount, 0) as attributed_net_sales_amount,
        coalesce(first_touch_orders.order_count, 0) as first_touch_order_count,
        coalesce(first_touch_orders.net_sales_amount, 0) as first_touch_net_sales_amount,
        ad_spend.spend_date

    from ad_spend
    left join ad_platform_channels
        on ad_spend.platform = ad_platform_channels.platform
    left join campaign_sessions
        on
            ad_spend.campaign_name = campaign_sessions.campaign_name
            and ad_spend.spend_date = campaign_sessions.session_date
    left join last_non_direct_orders
        on
            ad_spend.campaign_name = last_non_direct_orders.campaign_name
            and ad_spend.spend_date = last_non_direct_orders.order_date
    left join first_touch_orders
        on
            ad_spend.campaign_name = first_touch_orders.campaign_name
            and ad_spend.spend_date = first_touch_orders.order_date

),

final as (

    select
        platform,
        campaign_id,
        campaign_name,
        channel_group,
        currency,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(session_count as {{ dbt.type_bigint() }}) as session_count,
        cast(purchase_session_count as {{ dbt.type_bigint() }}) as purchase_session_count,
        cast(attributed_order_count as {{ dbt.type_bigint() }}) as attributed_order_count,
        cast(attributed_new_customer_count as {{ dbt.type_bigint() }}) as attributed_new_customer_count,
        cast(first_touch_order_count as {{ dbt.type_bigint() }}) as first_touch_order_count,
        cast(spend_amount as {{ type_money() }}) as spend_amount,
        cast(attributed_net_sales_amount as {{ type_money() }}) as attributed_net_sales_amount,
        cast(first_touch_net_sales_amount as {{ type_money() }}) as first_touch_net_sales_amount,
        cast(spend_amount / nullif(clicks, 0) as {{ type_money() }}) as cost_per_click_amount,
        cast(spend_amount / nullif(attributed_order_count, 0) as {{ type_money() }}) as cost_per_acquisition_amount,
        cast(clicks as {{ type_double() }}) / nullif(impressions, 0) as click_through_rate,
        cast(attributed_net_sales_amount as {{ type_double() }})
        / nullif(cast(spend_amount as {{ type_double() }}), 0) as return_on_ad_spend,
        spend_date

    from joined

)

select * from final
