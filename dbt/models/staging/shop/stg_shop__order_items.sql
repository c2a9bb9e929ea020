with

source as {{ inline_cte() }} (

    select * from {{ source('shop', 'order_items') }}

),

deduplicated as (

    {{ deduplicate(
        'source',
        partition_by=['order_item_id'],
        order_by=['updated_at desc', '_loaded_at desc', '_source_file desc', '_source_line desc'],
    ) }}

),

renamed as (

    select
        cast(order_item_id as {{ type_key() }}) as order_item_id,
        cast(order_id as {{ type_key() }}) as order_id,
        cast(product_id as {{ type_key() }}) as product_id,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        cast(unit_price as {{ type_unit_price() }}) as unit_price_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        _source_file,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at

    from deduplicated

)

select * from renamed
