with

source as {{ inline_cte() }} (

    select * from {{ source('shop', 'stores') }}

),

deduplicated as (

    {{ deduplicate(
        'source',
        partition_by=['store_id'],
        order_by=['updated_at desc', '_loaded_at desc', '_source_file desc', '_source_line desc'],
    ) }}

),

renamed as (

    select
        cast(store_id as {{ type_key() }}) as store_id,
        nullif(trim(store_name), '') as store_name,
        nullif(upper(trim(currency)), '') as currency,
        nullif(trim(timezone), '') as timezone,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        _source_file,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at

    from deduplicated

)

select * from renamed
