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

attributions as (

    select * from {{ ref('int_attributions_aggregated_daily') }}

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

campaign_orders as (

    select
        campaign_name,
        order_date,
        sum(last_non_direct_order_count) as last_non_direct_order_count,
        sum(last_non_direct_new_customer_count) as last_non_direct_new_customer_count,
        sum(first_touch_order_count) as first_touch_order_count,
        sum(last_non_direct_net_sales_amount) as last_non_direct_net_sales_amount,
        sum(first_touch_net_sales_amount) as first_touch_net_sales_amount

    from attributions
    where campaign_name is not null
    group by campaign_name, order_date

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
        coalesce(campaign_orders.last_non_direct_order_count, 0) as last_non_direct_order_count,
        coalesce(campaign_orders.last_non_direct_new_customer_count, 0) as last_non_direct_new_customer_count,
        coalesce(campaign_orders.last_non_direct_net_sales_amount, 0) as last_non_direct_net_sales_amount,
        coalesce(campaign_orders.first_touch_order_count, 0) as first_touch_order_count,
        coalesce(campaign_orders.first_touch_net_sales_amount, 0) as first_touch_net_sales_amount,
        ad_spend.spend_date

    from ad_spend
    left join ad_platform_channels
        on ad_spend.platform = ad_platform_channels.platform
    left join campaign_sessions
        on
            ad_spend.campaign_name = campaign_sessions.campaign_name
            and ad_spend.spend_date = campaign_sessions.session_date
    left join campaign_orders
        on
            ad_spend.campaign_name = campaign_orders.campaign_name
            and ad_spend.spend_date = campaign_orders.order_date

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
        cast(last_non_direct_order_count as {{ dbt.type_bigint() }}) as last_non_direct_order_count,
        cast(last_non_direct_new_customer_count as {{ dbt.type_bigint() }}) as last_non_direct_new_customer_count,
        cast(first_touch_order_count as {{ dbt.type_bigint() }}) as first_touch_order_count,
        cast(spend_amount as {{ type_money() }}) as spend_amount,
        cast(last_non_direct_net_sales_amount as {{ type_money() }}) as last_non_direct_net_sales_amount,
        cast(first_touch_net_sales_amount as {{ type_money() }}) as first_touch_net_sales_amount,
        {{ cost_per_click('spend_amount', 'clicks') }} as cost_per_click_amount,
        {{ cost_per_acquisition('spend_amount', 'last_non_direct_order_count') }} as cost_per_acquisition_amount,
        cast(clicks as {{ type_double() }}) / nullif(impressions, 0) as click_through_rate,
        {{ return_on_ad_spend('last_non_direct_net_sales_amount', 'spend_amount') }} as return_on_ad_spend,
        spend_date

    from joined

)

select * from final
