{#- Stored once (an incremental table): every run reads only the raw events from the window
    start on (latest event day already staged - `incremental_lookback_days`, so events up to
    that many days late are taken in) and replaces those days. An event_id's copies share its
    event_timestamp (events are immutable), so deduplicating within the window equals
    deduplicating all history. -#}
{#- Tagged clickstream: the micro-batch DAG refreshes this table before the models that read it. -#}
{{ config(tags=['clickstream'], **incremental_from_day('event_date', cluster_by=['anonymous_id'])) }}

with

source as {{ inline_cte() }} (

    select
        event_id,
        event_name,
        event_timestamp,
        session_id,
        anonymous_id,
        customer_id,
        product_id,
        order_id,
        page_url,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device_type,
        country_code,
        _source_file,
        _source_line,
        _loaded_at
    from {{ source('web', 'events') }}
    {#- On BigQuery, plus the events the Pub/Sub subscription streamed into raw.events_stream. #}
    {{ web_events_from_stream() }}

),

windowed as {{ inline_cte() }} (

    select * from source
    {%- if is_incremental() %}
    {#- a day early: the window's first shop-local day can start the UTC day before; `final` trims it #}
    where event_timestamp >= cast({{ dbt.dateadd('day', -1, incremental_window_from()) }} as {{ dbt.type_timestamp() }})
    {%- endif %}

),

deduplicated as (

    {#- Events are immutable: a re-sent event_id is the same event; keep the latest landing. -#}
    {{ deduplicate(
        'windowed',
        partition_by=['event_id'],
        order_by=['_loaded_at desc', '_source_file desc', '_source_line desc'],
    ) }}

),

renamed as (

    select
        cast(event_id as {{ type_key() }}) as event_id,
        cast(session_id as {{ type_key() }}) as tracker_session_id,
        cast(anonymous_id as {{ type_key() }}) as anonymous_id,
        cast(customer_id as {{ type_key() }}) as customer_id,
        cast(product_id as {{ type_key() }}) as product_id,
        cast(order_id as {{ type_key() }}) as order_id,
        lower(trim(event_name)) as event_name,
        page_url,
        referrer,
        lower(trim(utm_source)) as utm_source,
        lower(trim(utm_medium)) as utm_medium,
        trim(utm_campaign) as utm_campaign,
        lower(trim(device_type)) as device_type,
        upper(trim(country_code)) as country_code,
        {{ shop_date('cast(event_timestamp as ' ~ dbt.type_timestamp() ~ ')') }} as event_date,
        cast(event_timestamp as {{ dbt.type_timestamp() }}) as event_at,
        _source_file,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at

    from deduplicated

),

final as (

    select * from renamed
    {%- if is_incremental() %}
    where event_date >= {{ incremental_window_from() }}
    {%- endif %}

)

select * from final
{{ incremental_backfill_filter() }}
