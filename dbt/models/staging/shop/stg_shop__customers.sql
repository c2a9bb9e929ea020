with

source as {{ inline_cte() }} (

    select * from {{ source('shop', 'customers') }}

),

deduplicated as (

    {{ deduplicate(
        'source',
        partition_by=['customer_id'],
        order_by=['updated_at desc', '_loaded_at desc', '_source_file desc', '_source_line desc'],
    ) }}

),

renamed as (

    select
        cast(customer_id as {{ type_key() }}) as customer_id,
        {{ hash_pii('email') }} as email_hash,
        nullif(lower(trim({{ dbt.split_part('email', "'@'", 2) }})), '') as email_domain,
        {{ hash_pii('first_name') }} as first_name_hash,
        {{ hash_pii('last_name') }} as last_name_hash,
        {{ hash_pii('phone') }} as phone_hash,
        upper(trim(country_code)) as country_code,
        trim(city) as city,
        cast(accepts_marketing as {{ dbt.type_boolean() }}) as has_accepted_marketing,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        _source_file,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at

    from deduplicated

)

select * from renamed
