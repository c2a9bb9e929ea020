{#- One row per visitor (anonymous_id) that was ever logged in: the customer it belongs to.
    Identity stitching rule: the customer id on the visitor's most recent identified event
    (a shared device that changes hands follows its latest user).
    Incremental runs recompute only the visitors with an identified event from the window start
    on: their stored latest identified event competes with the new ones (events are immutable,
    so the latest of all history is the later of the two). -#}
{{ config(**incremental_by_key('anonymous_id', shop_date('identified_at'))) }}

with

events as (

    select * from {{ ref('stg_web__events') }}
    {%- if is_incremental() %}
    where event_date >= {{ incremental_window_from() }}
    {%- endif %}

),

identified_events as (

    select
        event_id,
        anonymous_id,
        customer_id,
        event_at

    from events
    where customer_id is not null
    {%- if is_incremental() %}

    union all

    select
        identified_event_id as event_id,
        anonymous_id,
        customer_id,
        identified_at as event_at

    from {{ this }}
    where anonymous_id in (select events.anonymous_id from events where events.customer_id is not null)
    {%- endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by anonymous_id order by event_at desc, event_id desc
        ) as recency_rank

    from identified_events

),

final as (

    select
        anonymous_id,
        customer_id,
        event_id as identified_event_id,
        event_at as identified_at

    from ranked
    where recency_rank = 1

)

select * from final
