{#- Order ids are keys of the whole group: two stores that reuse an order number would collapse into
    one order in staging (deduplication keeps the latest), so the raw orders must never carry one
    order id under two stores. Fails with each such order id and its stores; the fix is a mapping
    that prefixes the store's ids (DECISIONLOG.md, stores). -#}
select
    order_id,
    count(distinct coalesce(store_id, '{{ var("default_store_id") }}')) as store_count,
    min(coalesce(store_id, '{{ var("default_store_id") }}')) as first_store_id,
    max(coalesce(store_id, '{{ var("default_store_id") }}')) as last_store_id

from {{ source('shop', 'orders') }}
group by order_id
having count(distinct coalesce(store_id, '{{ var("default_store_id") }}')) > 1
