{#- Channel-day performance across paid and unpaid channels: ad spend (platform -> channel by
    seed ad_platform_channels), sessions, and valid orders, new customers and net sales
    attributed by last non-direct click (and first touch), with ROAS, CPA and CAC: the rows of
    int_marketing_activities_aggregated_daily summed per channel group and day. Spend (at its
    spend day's rate) and attributed net sales (at each order day's rate) also in the reporting
    currency; ROAS and the *_reporting_amount CPA and CAC are computed on those, comparable across
    currencies (DECISIONLOG.md "Rankings, ROAS and CLV in the reporting currency"). -#}
with

activities as (

    select * from {{ ref('int_marketing_activities_aggregated_daily') }}

),

channel_days as (

    select
        channel_group,
        activity_date,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(session_count) as session_count,
        sum(purchase_session_count) as purchase_session_count,
        sum(last_non_direct_order_count) as last_non_direct_order_count,
        sum(last_non_direct_new_customer_count) as last_non_direct_new_customer_count,
        sum(first_touch_order_count) as first_touch_order_count,
        sum(first_touch_new_customer_count) as first_touch_new_customer_count,
        sum(spend_amount) as spend_amount,
        sum(last_non_direct_net_sales_amount) as last_non_direct_net_sales_amount,
        sum(first_touch_net_sales_amount) as first_touch_net_sales_amount,
        {{ sum_if_complete('spend_reporting_amount') }} as spend_reporting_amount,
        {{ sum_if_complete('last_non_direct_net_sales_reporting_amount') }}
            as last_non_direct_net_sales_reporting_amount,
        {{ sum_if_complete('first_touch_net_sales_reporting_amount') }} as first_touch_net_sales_reporting_amount

    from activities
    group by channel_group, activity_date

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
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        cast(spend_reporting_amount as {{ type_money() }}) as spend_reporting_amount,
        cast(
            last_non_direct_net_sales_reporting_amount as {{ type_money() }}
        ) as last_non_direct_net_sales_reporting_amount,
        cast(first_touch_net_sales_reporting_amount as {{ type_money() }}) as first_touch_net_sales_reporting_amount,
        {{ cost_per_acquisition('spend_reporting_amount', 'last_non_direct_order_count') }}
            as cost_per_acquisition_reporting_amount,
        {{ customer_acquisition_cost('spend_reporting_amount', 'last_non_direct_new_customer_count') }}
            as customer_acquisition_cost_reporting_amount,
        {{ return_on_ad_spend('last_non_direct_net_sales_reporting_amount', 'spend_reporting_amount') }}
            as return_on_ad_spend,
        activity_date

    from channel_days

)

select * from final
