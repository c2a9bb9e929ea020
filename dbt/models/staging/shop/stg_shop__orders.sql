with

source as {{ inline_cte() }} (

    select * from {{ source('shop', 'orders') }}

),

deduplicated as (

    {{ deduplicate(
        'source',
        partition_by=['order_id'],
        order_by=['updated_at desc', '_loaded_at desc', '_source_file desc', '_source_line desc'],
    ) }}

),

renamed as (

    select
        cast(order_id as {{ type_key() }}) as order_id,
        cast(customer_id as {{ type_key() }}) as customer_id,
        coalesce(
            cast(store_id as {{ type_key() }}), cast('{{ var("default_store_id") }}' as {{ type_key() }})
        ) as store_id,
        lower(trim(status)) as order_status,
        upper(trim(currency)) as currency,
        upper(trim(country_code)) as shipping_country_code,
        lower(trim(channel)) as channel,
        lower(trim(utm_source)) as utm_source,
        lower(trim(utm_medium)) as utm_medium,
        trim(utm_campaign) as utm_campaign,
        nullif(trim(discount_code), '') as discount_code,
        cast(subtotal_amount as {{ type_money() }}) as subtotal_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(shipping_amount as {{ type_money() }}) as shipping_amount,
        cast(tax_amount as {{ type_money() }}) as tax_amount,
        cast(total_amount as {{ type_money() }}) as total_amount,
        cast(created_at as {{ dbt.type_timestamp() }}) as ordered_at,
        cast(cancelled_at as {{ dbt.type_timestamp() }}) as cancelled_at,
        cast(returned_at as {{ dbt.type_timestamp() }}) as returned_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        _source_file,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at

    from deduplicated

)

select * from renamed
