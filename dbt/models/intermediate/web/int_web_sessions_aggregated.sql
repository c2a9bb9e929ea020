{#- One row per web session: its landing event, traffic source and channel group, counts per
    event name and the e-commerce funnel reached.
    Traffic source (GA4 session source/medium): the landing event's UTM source/medium; without
    UTMs, a known search/social referrer (seed `referrer_sources`) or else the referring host
    with medium `referral`; with neither, `(direct)` / `(none)`.
    Channel group: the `channel_groupings` seed rule of lowest priority matching source/medium.
    Incremental runs recompute whole session days: the days from the window start W on, and the
    start day of every session with an event from W on (a session that crossed midnight into
    the window, or received a late event), reading all the events of those days' sessions. -#}
{{ config(**incremental_from_day('session_date', cluster_by=['channel_group'])) }}
{#- The events of the sessions to aggregate, read where each step needs them rather than through
    one shared CTE: an engine materializes a CTE read twice, a copy of every event row. -#}
{%- set events_where = '' %}
{%- if is_incremental() %}
    {%- set events_where = ' where event_date >= (select min(changed_session_days.session_date) from changed_session_days)'
        ~ ' and ' ~ shop_date('session_started_at')
        ~ ' in (select changed_session_days.session_date from changed_session_days)' %}
{%- endif %}
{%- set events = '(select * from ' ~ ref('int_web_events_sessionized') ~ events_where ~ ')' %}

with

{%- if is_incremental() %}

changed_session_days as (

    select distinct {{ shop_date('session_started_at') }} as session_date
    from {{ ref('int_web_events_sessionized') }}
    where event_date >= {{ incremental_window_from() }}

),

{%- endif %}

referrer_sources as (

    select * from {{ ref('referrer_sources') }}

),

landing_event_ids as (

    {#- the landing event (first by time, then id) found on the keys alone, then its columns joined:
        a window over the whole event rows sorts every column #}
    select
        session_id,
        event_id

    from (
        select
            events.session_id,
            events.event_id,
            row_number() over (partition by events.session_id order by events.event_at, events.event_id) as event_rank

        from {{ events }} as events
    ) as ranked_events
    where event_rank = 1

),

landing_events as (

    select
        events.session_id,
        events.anonymous_id,
        events.page_url as landing_page_url,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.device_type,
        events.country_code,
        nullif(trim(events.referrer), '') as referrer,
        lower(
            {{ dbt.split_part(
                dbt.split_part(
                    "replace(replace(lower(trim(events.referrer)), 'https://', ''), 'http://', '')", "'/'", 1
                ), "':'", 1
            ) }}
        ) as referrer_host_raw

    from {{ events }} as events
    inner join landing_event_ids
        on
            events.session_id = landing_event_ids.session_id
            and events.event_id = landing_event_ids.event_id

),

landing_hosts as (

    select
        *,
        case
            when referrer_host_raw like 'www.%' then substr(referrer_host_raw, 5)
            else nullif(referrer_host_raw, '')
        end as referrer_host

    from landing_events

),

traffic_sources as (

    select
        landing_hosts.session_id,
        landing_hosts.anonymous_id,
        landing_hosts.landing_page_url,
        landing_hosts.referrer_host,
        landing_hosts.utm_campaign,
        landing_hosts.device_type,
        landing_hosts.country_code,
        case
            when landing_hosts.utm_source is not null then landing_hosts.utm_source
            when landing_hosts.referrer_host is null then '(direct)'
            else coalesce(referrer_sources.utm_source, landing_hosts.referrer_host)
        end as traffic_source,
        case
            when landing_hosts.utm_source is not null then coalesce(landing_hosts.utm_medium, '(not set)')
            when landing_hosts.referrer_host is null then '(none)'
            else coalesce(referrer_sources.utm_medium, 'referral')
        end as traffic_medium

    from landing_hosts
    left join referrer_sources
        on landing_hosts.referrer_host = referrer_sources.referrer_host

),

channel_groups as (

    {{ channel_groups('traffic_sources') }}

),

session_activity as (

    select
        session_id,
        max(customer_id) as customer_id,
        count(*) as event_count,
        sum(case when event_name = 'page_view' then 1 else 0 end) as page_view_count,
        sum(case when event_name = 'view_item' then 1 else 0 end) as item_view_count,
        sum(case when event_name = 'add_to_cart' then 1 else 0 end) as add_to_cart_count,
        sum(case when event_name = 'begin_checkout' then 1 else 0 end) as checkout_count,
        {{ dbt.bool_or("event_name = 'view_item'") }} as has_view_item,
        {{ dbt.bool_or("event_name = 'add_to_cart'") }} as has_add_to_cart,
        {{ dbt.bool_or("event_name = 'begin_checkout'") }} as has_begin_checkout,
        {{ dbt.bool_or("event_name = 'purchase'") }} as has_purchase,
        {{ dbt.bool_or("is_session_id_derived") }} as is_session_id_derived,
        min(event_at) as session_started_at,
        max(event_at) as session_ended_at

    from {{ events }} as events
    group by session_id

),

purchased_orders as (

    {#- a distinct count of its own, over the purchase events alone: a distinct aggregate beside the
        others makes the engine store every event row for a second pass #}
    select
        events.session_id,
        count(distinct events.order_id) as purchased_order_count

    from {{ events }} as events
    where events.event_name = 'purchase'
    group by events.session_id

),

final as (

    select
        traffic_sources.session_id,
        traffic_sources.anonymous_id,
        session_activity.customer_id,
        traffic_sources.landing_page_url,
        traffic_sources.referrer_host,
        traffic_sources.traffic_source,
        traffic_sources.traffic_medium,
        traffic_sources.utm_campaign,
        coalesce(channel_groups.channel_group, 'Unassigned') as channel_group,
        traffic_sources.device_type,
        traffic_sources.country_code,
        session_activity.event_count,
        session_activity.page_view_count,
        session_activity.item_view_count,
        session_activity.add_to_cart_count,
        session_activity.checkout_count,
        coalesce(purchased_orders.purchased_order_count, 0) as purchased_order_count,
        {{ dbt.datediff('session_activity.session_started_at', 'session_activity.session_ended_at', 'second') }}
            as session_duration_seconds,
        case
            when not session_activity.has_view_item then 0
            when not session_activity.has_add_to_cart then 1
            when not session_activity.has_begin_checkout then 2
            when not session_activity.has_purchase then 3
            else 4
        end as funnel_depth,
        session_activity.has_view_item,
        session_activity.has_add_to_cart,
        session_activity.has_begin_checkout,
        session_activity.has_purchase,
        session_activity.is_session_id_derived,
        {{ shop_date('session_activity.session_started_at') }} as session_date,
        session_activity.session_started_at,
        session_activity.session_ended_at

    from traffic_sources
    inner join session_activity
        on traffic_sources.session_id = session_activity.session_id
    left join purchased_orders
        on traffic_sources.session_id = purchased_orders.session_id
    left join channel_groups
        on
            traffic_sources.traffic_source = channel_groups.traffic_source
            and traffic_sources.traffic_medium = channel_groups.traffic_medium

)

select * from final
{{ incremental_backfill_filter() }}
