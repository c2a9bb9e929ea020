{#- Products of the catalogue feed, plus "inferred members" for product ids that order lines
    reference but the feed lacks (absent optional feed, late catalogue export), so every
    fact row joins to a dimension row. Their descriptive attributes read 'Unknown' (a visible
    group in every product and category report); they resolve on the first build after the
    catalogue delivers the product. -#}
with

products as (

    select * from {{ ref('stg_shop__products') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

inferred_products as (

    select distinct order_items.product_id
    from order_items
    left join products
        on order_items.product_id = products.product_id
    where products.product_id is null

),

catalogue as (

    select
        product_id,
        sku,
        product_title,
        category,
        subcategory,
        brand,
        currency,
        list_price_amount,
        unit_cost_amount,
        is_active,
        true as is_in_product_feed,
        created_at,
        updated_at

    from products

    union all

    select
        product_id,
        cast(null as {{ dbt.type_string() }}) as sku,
        'Unknown' as product_title,
        'Unknown' as category,
        'Unknown' as subcategory,
        'Unknown' as brand,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ type_unit_price() }}) as list_price_amount,
        cast(null as {{ type_unit_price() }}) as unit_cost_amount,
        cast(null as {{ dbt.type_boolean() }}) as is_active,
        false as is_in_product_feed,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        cast(null as {{ dbt.type_timestamp() }}) as updated_at

    from inferred_products

),

final as (

    select
        product_id,
        sku,
        product_title,
        category,
        subcategory,
        brand,
        currency,
        list_price_amount,
        unit_cost_amount,
        is_active,
        is_in_product_feed,
        created_at,
        updated_at

    from catalogue

)

select * from final
