{#- Assigns every tracked event to a session.
    Rule (Google Analytics' session definition, https://support.google.com/analytics/answer/2731565):
    an event carrying the tracker's session_id belongs to that session; events without one
    are grouped per visitor (anonymous_id) and a new session starts after more than
    `web_session_timeout_minutes` (default 30) of inactivity. A derived session's id is a hash of
    the visitor and the session's first event time (ISO 8601 text, the same on every engine), so
    it does not change when more history is processed. Tracked and untracked events are handled in two branches and unioned.
    Incremental runs recompute the event days from the window start W on. An event's session
    depends only on the events before it, so the state carried over from before W is:
    for a derived session, the visitor's events stored within one timeout before W (an older
    event cannot continue into W); for a tracker session, its start stored before W. -#}
{{ config(**incremental_from_day('event_date', cluster_by=['anonymous_id'])) }}
{%- set timeout_seconds = var('web_session_timeout_minutes') * 60 %}
{%- set events_where = '' %}
{%- if is_incremental() %}
    {%- set window_start = incremental_window_from() %}
    {%- set events_where = ' where event_date >= ' ~ window_start %}
{%- endif %}
{#- The events to sessionize, read where each branch needs them rather than through one shared CTE:
    an engine materializes a CTE read twice, a copy of every event row. -#}
{%- set events = '(select * from ' ~ ref('stg_web__events') ~ events_where ~ ')' %}
with

{%- if is_incremental() %}

carried_derived_events as (

    select
        event_id,
        anonymous_id,
        event_at,
        event_date,
        session_started_at

    from {{ this }}
    where
        is_session_id_derived
        and event_date >= {{ dbt.dateadd('day', -(timeout_seconds // 86400 + 1), window_start) }}
        and event_date < {{ window_start }}
        and {{ shop_date(dbt.dateadd('second', timeout_seconds, 'event_at')) }} >= {{ window_start }}

),

{%- endif %}

carried_tracker_sessions as (

    {#- empty on a full build: there are no earlier sessions -#}
    select
        tracker_session_id as session_id,
        event_at as session_started_at

    from {{ events }} as events
    where false
    {%- if is_incremental() %}

    union all

    select
        session_id,
        min(session_started_at) as session_started_at

    from {{ this }}
    where
        not is_session_id_derived
        and event_date < {{ window_start }}
        and session_id in (select events.tracker_session_id from {{ events }} as events)
    group by session_id
    {%- endif %}

),

tracked_sessions as (

    {#- a session's start as an aggregate joined back: a window over the whole event rows sorts every column #}
    select
        events.tracker_session_id,
        min(events.event_at) as first_event_at

    from {{ events }} as events
    where events.tracker_session_id is not null
    group by events.tracker_session_id

),

tracked as (

    select
        tracked_events.event_id,
        tracked_events.tracker_session_id as session_id,
        tracked_events.anonymous_id,
        tracked_events.customer_id,
        tracked_events.product_id,
        tracked_events.order_id,
        tracked_events.event_name,
        tracked_events.page_url,
        tracked_events.referrer,
        tracked_events.utm_source,
        tracked_events.utm_medium,
        tracked_events.utm_campaign,
        tracked_events.device_type,
        tracked_events.country_code,
        false as is_session_id_derived,
        tracked_events.event_date,
        coalesce(carried_tracker_sessions.session_started_at, tracked_sessions.first_event_at) as session_started_at,
        tracked_events.event_at

    from {{ events }} as tracked_events
    inner join tracked_sessions
        on tracked_events.tracker_session_id = tracked_sessions.tracker_session_id
    left join carried_tracker_sessions
        on tracked_events.tracker_session_id = carried_tracker_sessions.session_id
    where tracked_events.tracker_session_id is not null

),

untracked as (

    select
        event_id,
        anonymous_id,
        customer_id,
        product_id,
        order_id,
        event_name,
        page_url,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device_type,
        country_code,
        event_date,
        event_at,
        cast(null as {{ dbt.type_timestamp() }}) as carried_session_started_at

    from {{ events }} as events
    where tracker_session_id is null
    {%- if is_incremental() %}

    union all

    select
        event_id,
        anonymous_id,
        cast(null as {{ type_key() }}) as customer_id,
        cast(null as {{ type_key() }}) as product_id,
        cast(null as {{ type_key() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as event_name,
        cast(null as {{ dbt.type_string() }}) as page_url,
        cast(null as {{ dbt.type_string() }}) as referrer,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as utm_campaign,
        cast(null as {{ dbt.type_string() }}) as device_type,
        cast(null as {{ dbt.type_string() }}) as country_code,
        event_date,
        event_at,
        session_started_at as carried_session_started_at

    from carried_derived_events
    where anonymous_id in (
        select events.anonymous_id from {{ events }} as events
        where events.tracker_session_id is null
    )
    {%- endif %}

),

sequenced as (

    select
        *,
        lag(event_at) over (
            partition by anonymous_id order by event_at, event_id
        ) as previous_event_at

    from untracked

),

gaps_flagged as (

    select
        *,
        case
            when carried_session_started_at is not null then carried_session_started_at
            when previous_event_at is null then event_at
            when
                {{ dbt.datediff('previous_event_at', 'event_at', 'second') }}
                > {{ timeout_seconds }}
                then event_at
        end as new_session_started_at

    from sequenced

),

derived as (

    select
        *,
        max(new_session_started_at) over (
            partition by anonymous_id
            order by event_at, event_id
            rows between unbounded preceding and current row
        ) as session_started_at

    from gaps_flagged

),

derived_sessions as (

    select
        event_id,
        {{ dbt.hash(dbt.concat([
            "anonymous_id", "'|'", format_timestamp_iso("session_started_at"),
        ])) }} as session_id,
        anonymous_id,
        customer_id,
        product_id,
        order_id,
        event_name,
        page_url,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device_type,
        country_code,
        true as is_session_id_derived,
        event_date,
        session_started_at,
        event_at

    from derived
    where carried_session_started_at is null

),

final as (

    select * from tracked
    union all
    select * from derived_sessions

)

select * from final
{{ incremental_backfill_filter() }}
