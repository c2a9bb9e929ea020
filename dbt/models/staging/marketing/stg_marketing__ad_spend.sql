with

source as {{ inline_cte() }} (

    select * from {{ source('marketing', 'ad_spend') }}

),

deduplicated as (

    {#- Platforms restate recent days: a later export of the same platform x campaign x day wins. -#}
    {{ deduplicate(
        'source',
        partition_by=['platform', 'campaign_id', 'spend_date'],
        order_by=['_loaded_at desc', '_source_file desc', '_source_line desc'],
    ) }}

),

renamed as (

    select
        {{ dbt.hash(dbt.concat([
            "lower(trim(platform))", "'|'", "trim(campaign_id)", "'|'",
            dbt.cast("spend_date", dbt.type_string()),
        ])) }} as ad_spend_id,
        cast(trim(campaign_id) as {{ type_key() }}) as campaign_id,
        lower(trim(platform)) as platform,
        trim(campaign_name) as campaign_name,
        upper(trim(currency)) as currency,
        cast(impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(spend as {{ type_money() }}) as spend_amount,
        cast(spend_date as date) as spend_date,
        _source_file,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at

    from deduplicated

)

select * from renamed
