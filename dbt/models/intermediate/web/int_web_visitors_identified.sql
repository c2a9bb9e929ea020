{#- One row per visitor (anonymous_id) that was ever logged in: the customer it belongs to.
    Identity stitching rule: the customer id on the visitor's most recent identified event
    (a shared device that changes hands follows its latest user). -#}
with

events as (

    select * from {{ ref('stg_web__events') }}

),

identified_events as (

    select
        anonymous_id,
        customer_id,
        row_number() over (
            partition by anonymous_id order by event_at desc, event_id desc
        ) as recency_rank

    from events
    where customer_id is not null

),

final as (

    select
        anonymous_id,
        customer_id

    from identified_events
    where recency_rank = 1

)

select * from final
