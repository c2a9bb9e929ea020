with

source as {{ inline_cte() }} (

    select * from {{ source('support', 'tickets') }}

),

deduplicated as (

    {{ deduplicate(
        'source',
        partition_by=['ticket_id'],
        order_by=['updated_at desc', '_loaded_at desc', '_source_file desc', '_source_line desc'],
    ) }}

),

renamed as (

    {#- `subject` is free text that may contain names, e-mails or phone numbers: it does
        not leave staging (only whether one was given). -#}
    select
        cast(ticket_id as {{ type_key() }}) as ticket_id,
        cast(customer_id as {{ type_key() }}) as customer_id,
        cast(order_id as {{ type_key() }}) as order_id,
        lower(trim(status)) as ticket_status,
        lower(trim(priority)) as priority,
        lower(trim(channel)) as channel,
        cast(satisfaction_score as {{ dbt.type_bigint() }}) as satisfaction_score,
        coalesce(nullif(trim(subject), '') is not null, false) as has_subject,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(first_responded_at as {{ dbt.type_timestamp() }}) as first_responded_at,
        cast(solved_at as {{ dbt.type_timestamp() }}) as solved_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        _source_file,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at

    from deduplicated

)

select * from renamed
