{#- The customer 360: one row per customer joining lifetime value and scores (dim_customer_lifetime),
    web activity (fct_web_sessions, customers matched by login or visitor stitching), marketing
    touch (attribution of the first and the latest valid order) and support history. -#}
with

customers as (

    select * from {{ ref('dim_customer_lifetime') }}

),

sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

attribution as (

    select * from {{ ref('fct_order_attribution') }}

),

tickets as (

    select * from {{ ref('fct_support_tickets') }}

),

web_activity as (

    select
        customer_id,
        count(*) as session_count,
        sum(case when has_purchase then 1 else 0 end) as purchase_session_count,
        sum(item_view_count) as item_view_count,
        min(session_started_at) as first_session_started_at,
        max(session_started_at) as last_session_started_at

    from sessions
    where customer_id is not null
    group by customer_id

),

ranked_orders as (

    select
        customer_id,
        last_non_direct_channel_group,
        first_touch_channel_group,
        last_non_direct_campaign,
        row_number() over (partition by customer_id order by ordered_at asc, order_id asc) as first_rank,
        row_number() over (partition by customer_id order by ordered_at desc, order_id desc) as latest_rank

    from attribution
    where
        customer_id is not null
        and not is_cancelled

),

marketing_touch as (

    select
        customer_id,
        max(case when first_rank = 1 then last_non_direct_channel_group end) as acquisition_channel_group,
        max(case when first_rank = 1 then first_touch_channel_group end) as acquisition_first_touch_channel_group,
        max(case when first_rank = 1 then last_non_direct_campaign end) as acquisition_campaign,
        max(case when latest_rank = 1 then last_non_direct_channel_group end) as latest_order_channel_group

    from ranked_orders
    group by customer_id

),

support_history as (

    select
        customer_id,
        count(*) as ticket_count,
        sum(case when is_solved then 0 else 1 end) as open_ticket_count,
        sum(case when is_rated then 1 else 0 end) as rated_ticket_count,
        sum(case when is_satisfied then 1 else 0 end) as satisfied_ticket_count,
        max(created_at) as last_ticket_created_at

    from tickets
    where customer_id is not null
    group by customer_id

),

final as (

    select
        customers.customer_id,
        customers.currency,
        customers.country_code,
        customers.region,
        customers.customer_segment,
        customers.customer_health,
        customers.rfm_cell,
        marketing_touch.acquisition_channel_group,
        marketing_touch.acquisition_first_touch_channel_group,
        marketing_touch.acquisition_campaign,
        marketing_touch.latest_order_channel_group,
        customers.order_count,
        cast(coalesce(web_activity.session_count, 0) as {{ dbt.type_bigint() }}) as session_count,
        cast(coalesce(web_activity.purchase_session_count, 0) as {{ dbt.type_bigint() }}) as purchase_session_count,
        cast(coalesce(web_activity.item_view_count, 0) as {{ dbt.type_bigint() }}) as item_view_count,
        cast(coalesce(support_history.ticket_count, 0) as {{ dbt.type_bigint() }}) as ticket_count,
        cast(coalesce(support_history.open_ticket_count, 0) as {{ dbt.type_bigint() }}) as open_ticket_count,
        cast(
            coalesce(support_history.satisfied_ticket_count, 0) as {{ type_double() }}
        ) / nullif(support_history.rated_ticket_count, 0) as csat_rate,
        customers.net_sales_amount,
        customers.average_order_value_amount,
        customers.days_since_last_order,
        customers.is_churn_risk,
        customers.first_order_date,
        customers.last_order_date,
        web_activity.first_session_started_at,
        web_activity.last_session_started_at,
        support_history.last_ticket_created_at

    from customers
    left join web_activity
        on customers.customer_id = web_activity.customer_id
    left join marketing_touch
        on customers.customer_id = marketing_touch.customer_id
    left join support_history
        on customers.customer_id = support_history.customer_id

)

select * from final
