{#- Every store of the group: those the orders name and those the stores feed lists, with the
    currency and time zone its books close in (int_stores_resolved). -#}
with

stores as (

    select * from {{ ref('int_stores_resolved') }}

),

final as (

    select
        store_id,
        store_name,
        currency,
        timezone,
        order_count,
        is_in_stores_feed

    from stores

)

select * from final
