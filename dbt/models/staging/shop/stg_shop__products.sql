with

source as {{ inline_cte() }} (

    select * from {{ source('shop', 'products') }}

),

deduplicated as (

    {{ deduplicate(
        'source',
        partition_by=['product_id'],
        order_by=['updated_at desc', '_loaded_at desc', '_source_file desc', '_source_line desc'],
    ) }}

),

renamed as (

    select
        cast(product_id as {{ type_key() }}) as product_id,
        trim(sku) as sku,
        trim(title) as product_title,
        trim(category) as category,
        trim(subcategory) as subcategory,
        trim(brand) as brand,
        upper(trim(currency)) as currency,
        cast(price as {{ type_unit_price() }}) as list_price_amount,
        cast(cost as {{ type_unit_price() }}) as unit_cost_amount,
        cast(is_active as {{ dbt.type_boolean() }}) as is_active,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        _source_file,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at

    from deduplicated

)

select * from renamed
