{#- Assigns every tracked event to a session.
    Rule (Google Analytics' session definition, https://support.google.com/analytics/answer/2731565):
    an event carrying the tracker's session_id belongs to that session; events without one
    are grouped per visitor (anonymous_id) and a new session starts after more than
    `web_session_timeout_minutes` (default 30) of inactivity. A derived session's id is a hash of
    the visitor and the session's first event time, so it does not change when more history
    is processed (an incremental run only has to re-read one timeout window before its start). -#}
with

events as (

    select * from {{ ref('stg_web__events') }}

),

untracked as (

    select
        event_id,
        anonymous_id,
        event_at,
        lag(event_at) over (
            partition by anonymous_id order by event_at, event_id
        ) as previous_event_at

    from events
    where tracker_session_id is null

),

gaps_flagged as (

    select
        event_id,
        anonymous_id,
        event_at,
        case
            when previous_event_at is null then event_at
            when
                {{ dbt.datediff('previous_event_at', 'event_at', 'second') }}
                > {{ var('web_session_timeout_minutes') }} * 60
                then event_at
        end as new_session_started_at

    from untracked

),

derived_sessions as (

    select
        event_id,
        anonymous_id,
        max(new_session_started_at) over (
            partition by anonymous_id
            order by event_at, event_id
            rows between unbounded preceding and current row
        ) as derived_session_started_at

    from gaps_flagged

),

final as (

    select
        events.event_id,
        coalesce(
            events.tracker_session_id,
            {{ dbt.hash(dbt.concat([
                "events.anonymous_id", "'|'",
                dbt.cast("derived_sessions.derived_session_started_at", dbt.type_string()),
            ])) }}
        ) as session_id,
        events.anonymous_id,
        events.customer_id,
        events.product_id,
        events.order_id,
        events.event_name,
        events.page_url,
        events.referrer,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.device_type,
        events.country_code,
        events.tracker_session_id is null as is_session_id_derived,
        coalesce(
            derived_sessions.derived_session_started_at,
            min(events.event_at) over (partition by events.tracker_session_id)
        ) as session_started_at,
        events.event_at

    from events
    left join derived_sessions
        on events.event_id = derived_sessions.event_id

)

select * from final
