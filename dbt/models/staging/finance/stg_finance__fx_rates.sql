with

source as {{ inline_cte() }} (

    select * from {{ source('finance', 'fx_rates') }}

),

deduplicated as (

    {#- Providers restate a day's rate: a later landing of the same day x currency x quote currency wins. -#}
    {{ deduplicate(
        'source',
        partition_by=['rate_date', 'currency', 'quote_currency'],
        order_by=['_loaded_at desc', '_source_file desc', '_source_line desc'],
    ) }}

),

renamed as (

    select
        upper(trim(currency)) as currency,
        upper(trim(quote_currency)) as quote_currency,
        lower(trim(source)) as rate_source,
        cast(rate as {{ type_fx_rate() }}) as fx_rate,
        cast(rate_date as date) as rate_date,
        _source_file,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at

    from deduplicated

)

select * from renamed
