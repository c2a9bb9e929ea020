{#- Assigns every tracked event to a session.
    Rule (Google Analytics' session definition, https://support.google.com/analytics/answer/2731565):
    an event carrying the tracker's session_id belongs to that session; events without one
    are grouped per visitor (anonymous_id) and a new session starts after more than
    `web_session_timeout_minutes` (default 30) of inactivity. A derived session's id is a hash of
    the visitor and the session's first event time (ISO 8601 text, the same on every engine),
    so it does not change when more history
    is processed (an incremental run only has to re-read one timeout window before its start).
    Tracked and untracked events are handled in two branches and unioned (no join back). -#}
with

events as (

    select * from {{ ref('stg_web__events') }}

),

tracked as (

    select
        event_id,
        tracker_session_id as session_id,
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
        false as is_session_id_derived,
        min(event_at) over (partition by tracker_session_id) as session_started_at,
        event_at

    from events
    where tracker_session_id is not null

),

untracked as (

    select
        *,
        lag(event_at) over (
            partition by anonymous_id order by event_at, event_id
        ) as previous_event_at

    from events
    where tracker_session_id is null

),

gaps_flagged as (

    select
        *,
        case
            when previous_event_at is null then event_at
            when
                {{ dbt.datediff('previous_event_at', 'event_at', 'second') }}
                > {{ var('web_session_timeout_minutes') }} * 60
                then event_at
        end as new_session_started_at

    from untracked

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
        session_started_at,
        event_at

    from derived

),

final as (

    select * from tracked
    union all
    select * from derived_sessions

)

select * from final
