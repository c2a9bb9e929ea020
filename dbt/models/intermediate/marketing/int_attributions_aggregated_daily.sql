{#- Valid orders (not cancelled) credited by each attribution model, summed per order date,
    currency, channel group and campaign: every order counts once under last non-direct click
    (at its last non-direct channel group and campaign) and once under first touch (at its
    first-touch ones). Net sales also in the reporting currency (each order at its order day's
    rate, from int_orders_enriched; null for a group with an order lacking its rate).
    int_marketing_activities_aggregated_daily sets them beside spend and sessions. -#}
with

attributed as (

    select * from {{ ref('int_orders_attributed') }}

),

orders_converted as (

    select * from {{ ref('int_orders_enriched') }}

),

attributed_converted as (

    select
        attributed.*,
        orders_converted.net_sales_reporting_amount

    from attributed
    left join orders_converted
        on attributed.order_id = orders_converted.order_id

),

credits as (

    select
        {{ shop_date('ordered_at') }} as order_date,
        currency,
        last_non_direct_channel_group as channel_group,
        last_non_direct_campaign as campaign_name,
        1 as last_non_direct_order_count,
        case when is_new_customer_order then 1 else 0 end as last_non_direct_new_customer_count,
        net_sales_amount as last_non_direct_net_sales_amount,
        net_sales_reporting_amount as last_non_direct_net_sales_reporting_amount,
        0 as first_touch_order_count,
        0 as first_touch_new_customer_count,
        cast(0 as {{ type_money() }}) as first_touch_net_sales_amount,
        cast(0 as {{ type_money() }}) as first_touch_net_sales_reporting_amount

    from attributed_converted
    where not is_cancelled

    union all

    select
        {{ shop_date('ordered_at') }} as order_date,
        currency,
        first_touch_channel_group as channel_group,
        first_touch_campaign as campaign_name,
        0 as last_non_direct_order_count,
        0 as last_non_direct_new_customer_count,
        cast(0 as {{ type_money() }}) as last_non_direct_net_sales_amount,
        cast(0 as {{ type_money() }}) as last_non_direct_net_sales_reporting_amount,
        1 as first_touch_order_count,
        case when is_new_customer_order then 1 else 0 end as first_touch_new_customer_count,
        net_sales_amount as first_touch_net_sales_amount,
        net_sales_reporting_amount as first_touch_net_sales_reporting_amount

    from attributed_converted
    where not is_cancelled

),

final as (

    select
        order_date,
        currency,
        channel_group,
        campaign_name,
        cast(sum(last_non_direct_order_count) as {{ dbt.type_bigint() }}) as last_non_direct_order_count,
        cast(
            sum(last_non_direct_new_customer_count) as {{ dbt.type_bigint() }}
        ) as last_non_direct_new_customer_count,
        cast(sum(first_touch_order_count) as {{ dbt.type_bigint() }}) as first_touch_order_count,
        cast(sum(first_touch_new_customer_count) as {{ dbt.type_bigint() }}) as first_touch_new_customer_count,
        cast(sum(last_non_direct_net_sales_amount) as {{ type_money() }}) as last_non_direct_net_sales_amount,
        cast(sum(first_touch_net_sales_amount) as {{ type_money() }}) as first_touch_net_sales_amount,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        cast(
            {{ sum_if_complete('last_non_direct_net_sales_reporting_amount') }} as {{ type_money() }}
        ) as last_non_direct_net_sales_reporting_amount,
        cast(
            {{ sum_if_complete('first_touch_net_sales_reporting_amount') }} as {{ type_money() }}
        ) as first_touch_net_sales_reporting_amount

    from credits
    group by order_date, currency, channel_group, campaign_name

)

select * from final
