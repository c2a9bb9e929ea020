{#- Marketing activity per day, channel group and campaign, from its three sources side by side:
    one row per ad spend row (platform -> channel group by seed ad_platform_channels, else
    'Unassigned'), one per session day, channel group and utm_campaign, and one per row of
    int_attributions_aggregated_daily (orders credited by last non-direct click and first touch).
    Each row carries its own figures and zeros for the others; the campaign and channel marts
    roll them up by their own keys. Spend, and the attributed net sales, also in the reporting
    currency: spend at its spend day's rate (int_fx_rates_daily on spend_date; null when missing,
    the test fx_rate_missing_for_spend_day names it), net sales at each order day's rate. -#}
with

ad_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_daily') }}

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

spend_rows as (

    select
        ad_spend.campaign_id,
        'ad_spend' as activity_kind,
        ad_spend.platform,
        ad_spend.campaign_name,
        coalesce(ad_platform_channels.channel_group, 'Unassigned') as channel_group,
        ad_spend.currency,
        ad_spend.impressions,
        ad_spend.clicks,
        0 as session_count,
        0 as purchase_session_count,
        0 as last_non_direct_order_count,
        0 as last_non_direct_new_customer_count,
        0 as first_touch_order_count,
        0 as first_touch_new_customer_count,
        ad_spend.spend_amount,
        cast(0 as {{ type_money() }}) as last_non_direct_net_sales_amount,
        cast(0 as {{ type_money() }}) as first_touch_net_sales_amount,
        {{ to_reporting_amount('ad_spend.spend_amount', 'fx_rates.fx_rate') }} as spend_reporting_amount,
        cast(0 as {{ type_money() }}) as last_non_direct_net_sales_reporting_amount,
        cast(0 as {{ type_money() }}) as first_touch_net_sales_reporting_amount,
        ad_spend.spend_date as activity_date

    from ad_spend
    left join ad_platform_channels
        on ad_spend.platform = ad_platform_channels.platform
    left join fx_rates
        on
            ad_spend.currency = fx_rates.currency
            and ad_spend.spend_date = fx_rates.date_day

),

session_rows as (

    select
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        'session' as activity_kind,
        cast(null as {{ dbt.type_string() }}) as platform,
        utm_campaign as campaign_name,
        channel_group,
        cast(null as {{ dbt.type_string() }}) as currency,
        0 as impressions,
        0 as clicks,
        count(*) as session_count,
        sum(case when has_purchase then 1 else 0 end) as purchase_session_count,
        0 as last_non_direct_order_count,
        0 as last_non_direct_new_customer_count,
        0 as first_touch_order_count,
        0 as first_touch_new_customer_count,
        cast(0 as {{ type_money() }}) as spend_amount,
        cast(0 as {{ type_money() }}) as last_non_direct_net_sales_amount,
        cast(0 as {{ type_money() }}) as first_touch_net_sales_amount,
        cast(0 as {{ type_money() }}) as spend_reporting_amount,
        cast(0 as {{ type_money() }}) as last_non_direct_net_sales_reporting_amount,
        cast(0 as {{ type_money() }}) as first_touch_net_sales_reporting_amount,
        session_date as activity_date

    from sessions
    group by utm_campaign, channel_group, session_date

),

order_rows as (

    select
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        'order' as activity_kind,
        cast(null as {{ dbt.type_string() }}) as platform,
        campaign_name,
        channel_group,
        currency,
        0 as impressions,
        0 as clicks,
        0 as session_count,
        0 as purchase_session_count,
        last_non_direct_order_count,
        last_non_direct_new_customer_count,
        first_touch_order_count,
        first_touch_new_customer_count,
        cast(0 as {{ type_money() }}) as spend_amount,
        last_non_direct_net_sales_amount,
        first_touch_net_sales_amount,
        cast(0 as {{ type_money() }}) as spend_reporting_amount,
        last_non_direct_net_sales_reporting_amount,
        first_touch_net_sales_reporting_amount,
        order_date as activity_date

    from attributions

),

activities as (

    select * from spend_rows
    union all
    select * from session_rows
    union all
    select * from order_rows

),

final as (

    select
        campaign_id,
        activity_kind,
        platform,
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
        cast(first_touch_new_customer_count as {{ dbt.type_bigint() }}) as first_touch_new_customer_count,
        cast(spend_amount as {{ type_money() }}) as spend_amount,
        cast(last_non_direct_net_sales_amount as {{ type_money() }}) as last_non_direct_net_sales_amount,
        cast(first_touch_net_sales_amount as {{ type_money() }}) as first_touch_net_sales_amount,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        cast(spend_reporting_amount as {{ type_money() }}) as spend_reporting_amount,
        cast(
            last_non_direct_net_sales_reporting_amount as {{ type_money() }}
        ) as last_non_direct_net_sales_reporting_amount,
        cast(first_touch_net_sales_reporting_amount as {{ type_money() }}) as first_touch_net_sales_reporting_amount,
        activity_date

    from activities

)

select * from final
