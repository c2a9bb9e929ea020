{#- Attribution of every order to the web sessions that led to it.
    Candidate sessions: sessions of the same person (the order's customer logged in, a visitor
    stitched to that customer, or the visitor that fired the order's purchase event) that
    started at most `attribution_lookback_days` before the order and not after it.
    Last non-direct click (Google Analytics): the latest candidate whose channel group is not
    Direct, else the latest Direct one. First touch: the earliest candidate. Sessions that
    start at the same time are ordered by visitor id, then session id (business values, not
    hashes).
    Without any candidate session, both models fall back to the UTM source/medium/campaign the
    shop captured at checkout (classified with the same channel rules); without those either,
    the order is Unattributed.
    Incremental runs recompute whole order days: from the window start W on (the order lookback:
    orders change up to 45 days after they are placed), the days of orders that are new, late,
    moved or changed since they were built however old, and the order days of the customers
    that a visitor logged in from the last `incremental_lookback_days` on was identified as
    (its latest login before those days and every login since) when they are not all one
    customer, or when the visitor had no earlier login but earlier events, from the visitor's
    first event on (identity stitching changed their candidate sessions, however old the order). Sessions and
    purchase events are read from `attribution_lookback_days` before the first recomputed day. -#}
{{
    config(
        post_hook="{{ incremental_delete_moved_rows('int_orders_enriched', ['order_id'], 'current_rows.order_date') }}",
        **incremental_from_day('order_date', lookback_days=var('order_incremental_lookback_days'))
    )
}}
-- depends_on: {{ ref('stg_web__events') }}
{%- if is_incremental() %}
    {#- The window's first day is a shop- or store-local day, which starts in UTC up to 14 hours
        before that day's UTC midnight: the UTC event window opens one day earlier, so it holds
        every event of the local window in any zone (a wider window only recomputes more). -#}
    {%- set event_window_start = dbt.dateadd('day', -1, 'cast(' ~ incremental_window_start(
        'order_date', var('incremental_lookback_days')) ~ ' as ' ~ dbt.type_timestamp() ~ ')') %}
{%- endif %}

with

all_orders as (

    select * from {{ ref('int_orders_enriched') }}

),

{%- if is_incremental() %}

window_visitors as (

    {#- visitors whose latest login is in the event window -#}
    select visitors.anonymous_id
    from {{ ref('int_web_visitors_identified') }} as visitors
    where visitors.identified_at >= {{ event_window_start }}

),

window_visitor_events as (

    select
        event_id,
        anonymous_id,
        customer_id,
        event_at,
        event_at >= {{ event_window_start }} as is_in_window

    from {{ ref('stg_web__events') }}
    where anonymous_id in (select window_visitors.anonymous_id from window_visitors)

),

window_visitor_logins as (

    {#- their latest login before the window, and every login from the window on -#}
    select
        *,
        row_number() over (
            partition by anonymous_id, is_in_window
            order by event_at desc, event_id desc
        ) as recency_rank

    from window_visitor_events
    where customer_id is not null

),

window_visitor_customers as (

    select * from window_visitor_logins
    where is_in_window or recency_rank = 1

),

visitor_first_events as (

    select
        anonymous_id,
        min(event_at) as first_event_at

    from window_visitor_events
    group by anonymous_id

),

restitched_visitors as (

    {#- a visitor whose customer may have changed since the last run and that has sessions before
        the window: more than one customer among its latest login before the window and its
        logins since, or a first login (a visitor first seen in the window only has sessions
        from the window on, whose orders are recomputed anyway) -#}
    select anonymous_id
    from window_visitor_customers
    group by anonymous_id
    having
        count(distinct customer_id) > 1
        or (
            sum(case when is_in_window then 0 else 1 end) = 0
            and anonymous_id in (
                select visitor_first_events.anonymous_id
                from visitor_first_events
                where visitor_first_events.first_event_at < {{ event_window_start }}
            )
        )

),

stitched_customers as (

    {#- the customers such a visitor was and is identified as: the candidate sessions of their
        orders placed after the visitor's first event changed -#}
    select
        window_visitor_customers.customer_id,
        min(visitor_first_events.first_event_at) as first_event_at

    from window_visitor_customers
    inner join visitor_first_events
        on window_visitor_customers.anonymous_id = visitor_first_events.anonymous_id
    where window_visitor_customers.anonymous_id in (select restitched_visitors.anonymous_id from restitched_visitors)
    group by window_visitor_customers.customer_id

),

changed_order_days as (

    {#- days of the orders that are new, late, moved or changed since they were built, however old
        (the order columns this model carries, compared with the built rows) -#}
    select changed_orders.order_date
    from (
        select
            order_id, customer_id, currency, net_sales_amount, is_cancelled, is_new_customer_order, order_date,
            ordered_at
        from all_orders
        except distinct
        select
            order_id, customer_id, currency, net_sales_amount, is_cancelled, is_new_customer_order, order_date,
            ordered_at
        from {{ this }}
    ) as changed_orders

),

recomputed_days as (

    select all_orders.order_date
    from all_orders
    where
        all_orders.order_date >= {{ incremental_window_from() }}
        or all_orders.order_date in (select changed_order_days.order_date from changed_order_days)

    union distinct

    select all_orders.order_date
    from all_orders
    inner join stitched_customers
        on all_orders.customer_id = stitched_customers.customer_id
    where all_orders.ordered_at >= stitched_customers.first_event_at

),

reads_start as (

    select
        {{ dbt.dateadd('day', -(var('attribution_lookback_days') + 1), 'min(recomputed_days.order_date)') }}
            as first_day

    from recomputed_days

),

{%- endif %}

orders as (

    select * from all_orders
    {%- if is_incremental() %}
    where all_orders.order_date in (select recomputed_days.order_date from recomputed_days)
    {%- endif %}

),

sessions as (

    select * from {{ ref('int_web_sessions_aggregated') }}
    {%- if is_incremental() %}
    where session_date >= (select reads_start.first_day from reads_start)
    {%- endif %}

),

visitors as (

    select * from {{ ref('int_web_visitors_identified') }}

),

events as (

    select * from {{ ref('int_web_events_sessionized') }}
    {%- if is_incremental() %}
    where event_date >= (select reads_start.first_day from reads_start)
    {%- endif %}

),

order_visitors as (

    select distinct
        order_id,
        anonymous_id

    from events
    where
        event_name = 'purchase'
        and order_id is not null

    union distinct

    select
        orders.order_id,
        visitors.anonymous_id

    from orders
    inner join visitors
        on orders.customer_id = visitors.customer_id

),

{#- the attribution window, applied to each way of finding a person's sessions before their union:
    without it, the pairs are every session of the person, however old -#}
{%- set in_attribution_window -%}
    sessions.session_started_at <= orders.ordered_at
    and {{ dbt.datediff('sessions.session_started_at', 'orders.ordered_at', 'second') }}
    <= {{ var('attribution_lookback_days') }} * 86400
{%- endset %}

candidate_pairs as (

    select
        order_visitors.order_id,
        sessions.session_id

    from order_visitors
    inner join orders
        on order_visitors.order_id = orders.order_id
    inner join sessions
        on order_visitors.anonymous_id = sessions.anonymous_id
    where {{ in_attribution_window }}

    union distinct

    select
        orders.order_id,
        sessions.session_id

    from orders
    inner join sessions
        on orders.customer_id = sessions.customer_id
    where {{ in_attribution_window }}

),

candidates as (

    select
        orders.order_id,
        sessions.session_id,
        sessions.channel_group,
        sessions.traffic_source,
        sessions.traffic_medium,
        sessions.utm_campaign,
        sessions.anonymous_id,
        sessions.session_started_at

    from candidate_pairs
    inner join orders
        on candidate_pairs.order_id = orders.order_id
    inner join sessions
        on candidate_pairs.session_id = sessions.session_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by order_id
            order by
                case when channel_group = 'Direct' then 1 else 0 end,
                session_started_at desc,
                anonymous_id desc,
                session_id desc
        ) as last_non_direct_rank,
        row_number() over (
            partition by order_id
            order by session_started_at asc, anonymous_id asc, session_id asc
        ) as first_touch_rank,
        count(*) over (partition by order_id) as candidate_session_count

    from candidates

),

last_non_direct as (

    select * from ranked
    where last_non_direct_rank = 1

),

first_touch as (

    select * from ranked
    where first_touch_rank = 1

),

order_utms as (

    select
        order_id,
        utm_source as traffic_source,
        coalesce(utm_medium, '(not set)') as traffic_medium,
        utm_campaign

    from orders
    where utm_source is not null

),

order_utm_channels as (

    {{ channel_groups('order_utms') }}

),

order_utms_grouped as (

    select
        order_utms.order_id,
        order_utms.traffic_source,
        order_utms.traffic_medium,
        order_utms.utm_campaign,
        order_utm_channels.channel_group

    from order_utms
    inner join order_utm_channels
        on
            order_utms.traffic_source = order_utm_channels.traffic_source
            and order_utms.traffic_medium = order_utm_channels.traffic_medium

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.currency,
        last_non_direct.session_id as last_non_direct_session_id,
        coalesce(last_non_direct.channel_group, order_utms_grouped.channel_group, 'Unattributed')
            as last_non_direct_channel_group,
        coalesce(last_non_direct.traffic_source, order_utms_grouped.traffic_source) as last_non_direct_source,
        coalesce(last_non_direct.traffic_medium, order_utms_grouped.traffic_medium) as last_non_direct_medium,
        case
            when last_non_direct.session_id is not null then last_non_direct.utm_campaign
            else order_utms_grouped.utm_campaign
        end as last_non_direct_campaign,
        first_touch.session_id as first_touch_session_id,
        coalesce(first_touch.channel_group, order_utms_grouped.channel_group, 'Unattributed')
            as first_touch_channel_group,
        coalesce(first_touch.traffic_source, order_utms_grouped.traffic_source) as first_touch_source,
        coalesce(first_touch.traffic_medium, order_utms_grouped.traffic_medium) as first_touch_medium,
        case
            when first_touch.session_id is not null then first_touch.utm_campaign
            else order_utms_grouped.utm_campaign
        end as first_touch_campaign,
        case
            when last_non_direct.session_id is not null then 'session'
            when order_utms_grouped.order_id is not null then 'order_utm'
            else 'none'
        end as attribution_basis,
        cast(coalesce(last_non_direct.candidate_session_count, 0) as {{ dbt.type_bigint() }})
            as candidate_session_count,
        orders.net_sales_amount,
        orders.is_cancelled,
        orders.is_new_customer_order,
        orders.order_date,
        orders.ordered_at

    from orders
    left join last_non_direct
        on orders.order_id = last_non_direct.order_id
    left join first_touch
        on orders.order_id = first_touch.order_id
    left join order_utms_grouped
        on orders.order_id = order_utms_grouped.order_id

)

select * from final
{{ incremental_backfill_filter() }}
