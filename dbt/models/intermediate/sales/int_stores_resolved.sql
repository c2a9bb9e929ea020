{#- Every store: those the orders name and those the stores feed lists, with the feed's name,
    currency and time zone, else the store id, the var reporting_currency and the var
    shop_timezone. The store's time zone is the one its order and refund days close in. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

stores as (

    select * from {{ ref('stg_shop__stores') }}

),

ordering_stores as (

    select
        store_id,
        count(*) as order_count

    from orders
    group by store_id

),

store_ids as (

    select store_id from ordering_stores

    union distinct

    select store_id from stores

),

final as (

    select
        store_ids.store_id,
        coalesce(stores.store_name, store_ids.store_id) as store_name,
        coalesce(stores.currency, cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}))
            as currency,
        coalesce(stores.timezone, cast('{{ var("shop_timezone", "UTC") }}' as {{ dbt.type_string() }})) as timezone,
        cast(coalesce(ordering_stores.order_count, 0) as {{ dbt.type_bigint() }}) as order_count,
        stores.store_id is not null as is_in_stores_feed

    from store_ids
    left join stores
        on store_ids.store_id = stores.store_id
    left join ordering_stores
        on store_ids.store_id = ordering_stores.store_id

)

select * from final
