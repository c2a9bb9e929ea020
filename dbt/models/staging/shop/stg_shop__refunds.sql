with

source as {{ inline_cte() }} (

    select * from {{ source('shop', 'refunds') }}

),

deduplicated as (

    {{ deduplicate(
        'source',
        partition_by=['refund_line_id'],
        order_by=['updated_at desc', '_loaded_at desc', '_source_file desc', '_source_line desc'],
    ) }}

),

renamed as (

    select
        cast(refund_line_id as {{ type_key() }}) as refund_line_id,
        cast(refund_id as {{ type_key() }}) as refund_id,
        cast(order_id as {{ type_key() }}) as order_id,
        cast(order_item_id as {{ type_key() }}) as order_item_id,
        upper(trim(currency)) as currency,
        reason,
        cast(coalesce(quantity, 0) as {{ dbt.type_bigint() }}) as quantity,
        cast(amount as {{ type_money() }}) as amount,
        cast(coalesce(shipping_amount, 0) as {{ type_money() }}) as shipping_amount,
        cast(coalesce(tax_amount, 0) as {{ type_money() }}) as tax_amount,
        coalesce(is_restocked, false) as is_restocked,
        order_item_id is null as is_order_adjustment,
        cast(refunded_at as {{ dbt.type_timestamp() }}) as refunded_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        _source_file,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at

    from deduplicated

)

select * from renamed
