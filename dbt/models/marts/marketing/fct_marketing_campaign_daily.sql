{#- Campaign-day performance: ad platform delivery and spend beside the sessions the campaign's
    tagged links brought (utm_campaign = campaign_name, same day) and the valid orders and net
    sales attributed to it (last non-direct click and first touch, dated on the order date): the
    spend rows of int_marketing_activities_aggregated_daily beside their campaign-day sums. Spend
    (at its spend day's rate) and attributed net sales (at each order day's rate) also in the
    reporting currency; ROAS is computed on those, so orders in several currencies and spend in
    another are one comparable ratio (DECISIONLOG.md "Rankings, ROAS and CLV in the reporting currency"). -#}
with

activities as (

    select * from {{ ref('int_marketing_activities_aggregated_daily') }}

),

ad_spend as (

    select * from activities
    where activity_kind = 'ad_spend'

),

campaign_activities as (

    select
        campaign_name,
        activity_date,
        sum(session_count) as session_count,
        sum(purchase_session_count) as purchase_session_count,
        sum(last_non_direct_order_count) as last_non_direct_order_count,
        sum(last_non_direct_new_customer_count) as last_non_direct_new_customer_count,
        sum(first_touch_order_count) as first_touch_order_count,
        sum(last_non_direct_net_sales_amount) as last_non_direct_net_sales_amount,
        sum(first_touch_net_sales_amount) as first_touch_net_sales_amount,
        {{ sum_if_complete('last_non_direct_net_sales_reporting_amount') }}
            as last_non_direct_net_sales_reporting_amount,
        {{ sum_if_complete('first_touch_net_sales_reporting_amount') }} as first_touch_net_sales_reporting_amount

    from activities
    where campaign_name is not null
    group by campaign_name, activity_date

),

joined as (

    select
        ad_spend.platform,
        ad_spend.campaign_id,
        ad_spend.campaign_name,
        ad_spend.channel_group,
        ad_spend.currency,
        ad_spend.impressions,
        ad_spend.clicks,
        ad_spend.spend_amount,
        coalesce(campaign_activities.session_count, 0) as session_count,
        coalesce(campaign_activities.purchase_session_count, 0) as purchase_session_count,
        coalesce(campaign_activities.last_non_direct_order_count, 0) as last_non_direct_order_count,
        coalesce(campaign_activities.last_non_direct_new_customer_count, 0) as last_non_direct_new_customer_count,
        coalesce(campaign_activities.last_non_direct_net_sales_amount, 0) as last_non_direct_net_sales_amount,
        coalesce(campaign_activities.first_touch_order_count, 0) as first_touch_order_count,
        coalesce(campaign_activities.first_touch_net_sales_amount, 0) as first_touch_net_sales_amount,
        ad_spend.reporting_currency,
        ad_spend.spend_reporting_amount,
        case
            when campaign_activities.campaign_name is null then 0
            else campaign_activities.last_non_direct_net_sales_reporting_amount
        end as last_non_direct_net_sales_reporting_amount,
        case
            when campaign_activities.campaign_name is null then 0
            else campaign_activities.first_touch_net_sales_reporting_amount
        end as first_touch_net_sales_reporting_amount,
        ad_spend.activity_date as spend_date

    from ad_spend
    left join campaign_activities
        on
            ad_spend.campaign_name = campaign_activities.campaign_name
            and ad_spend.activity_date = campaign_activities.activity_date

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
        reporting_currency,
        cast(spend_reporting_amount as {{ type_money() }}) as spend_reporting_amount,
        cast(
            last_non_direct_net_sales_reporting_amount as {{ type_money() }}
        ) as last_non_direct_net_sales_reporting_amount,
        cast(first_touch_net_sales_reporting_amount as {{ type_money() }}) as first_touch_net_sales_reporting_amount,
        {{ cost_per_click('spend_amount', 'clicks') }} as cost_per_click_amount,
        {{ cost_per_acquisition('spend_amount', 'last_non_direct_order_count') }} as cost_per_acquisition_amount,
        {{ cost_per_acquisition('spend_reporting_amount', 'last_non_direct_order_count') }}
            as cost_per_acquisition_reporting_amount,
        cast(clicks as {{ type_double() }}) / nullif(impressions, 0) as click_through_rate,
        {{ return_on_ad_spend('last_non_direct_net_sales_reporting_amount', 'spend_reporting_amount') }}
            as return_on_ad_spend,
        spend_date

    from joined

)

select * from final
