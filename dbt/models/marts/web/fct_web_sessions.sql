{{
    config(**incremental_by_day(
        'session_date',
        cluster_by=['channel_group', 'customer_id'],
    ))
}}

with

sessions as (

    select * from {{ ref('int_web_sessions_aggregated') }}

),

visitors as (

    select * from {{ ref('int_web_visitors_identified') }}

),

final as (

    select
        sessions.session_id,
        sessions.anonymous_id,
        coalesce(sessions.customer_id, visitors.customer_id) as customer_id,
        sessions.landing_page_url,
        sessions.referrer_host,
        sessions.traffic_source,
        sessions.traffic_medium,
        sessions.utm_campaign,
        sessions.channel_group,
        sessions.device_type,
        sessions.country_code,
        cast(sessions.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(sessions.page_view_count as {{ dbt.type_bigint() }}) as page_view_count,
        cast(sessions.item_view_count as {{ dbt.type_bigint() }}) as item_view_count,
        cast(sessions.add_to_cart_count as {{ dbt.type_bigint() }}) as add_to_cart_count,
        cast(sessions.checkout_count as {{ dbt.type_bigint() }}) as checkout_count,
        cast(sessions.purchased_order_count as {{ dbt.type_bigint() }}) as purchased_order_count,
        cast(sessions.session_duration_seconds as {{ dbt.type_bigint() }}) as session_duration_seconds,
        cast(sessions.funnel_depth as {{ dbt.type_bigint() }}) as funnel_depth,
        sessions.has_view_item,
        sessions.has_add_to_cart,
        sessions.has_begin_checkout,
        sessions.has_purchase,
        sessions.is_session_id_derived,
        sessions.session_date,
        sessions.session_started_at,
        sessions.session_ended_at

    from sessions
    left join visitors
        on sessions.anonymous_id = visitors.anonymous_id

)

{# Identity stitching is retroactive: a visitor who logs in within the window gets that customer
   on all their earlier sessions too, so the days of those sessions are recomputed as well. #}
select * from final
{{ incremental_window_filter(also_days="
    select sessions.session_date
    from sessions
    where sessions.anonymous_id in (
        select identified.anonymous_id
        from sessions as identified
        where identified.customer_id is not null
            and cast(identified.session_ended_at as date) >= " ~ incremental_window_start('session_date') ~ "
    )") }}
