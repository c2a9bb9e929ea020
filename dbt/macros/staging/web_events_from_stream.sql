{#- Clickstream events that reached BigQuery through the Pub/Sub BigQuery subscription
    (raw.events_stream: Pub/Sub's write-metadata columns, the event as JSON text in `data`),
    as rows shaped like raw.events, to union under the file-landed events in staging. -#}
{% macro web_events_from_stream() %}
    {{ return(adapter.dispatch('web_events_from_stream', 'ecommerce_warehouse')()) }}
{% endmacro %}

{% macro default__web_events_from_stream() %}
    {#- Only BigQuery has a Pub/Sub subscription table; elsewhere events land as files. -#}
{% endmacro %}

{% macro bigquery__web_events_from_stream() %}
    {%- if var('web_events_stream_enabled', true) %}
    union all
    select
        json_value(data, '$.event_id') as event_id,
        json_value(data, '$.event_name') as event_name,
        safe_cast(json_value(data, '$.event_timestamp') as timestamp) as event_timestamp,
        json_value(data, '$.session_id') as session_id,
        json_value(data, '$.anonymous_id') as anonymous_id,
        nullif(trim(json_value(data, '$.customer_id')), '') as customer_id,
        nullif(trim(json_value(data, '$.product_id')), '') as product_id,
        nullif(trim(json_value(data, '$.order_id')), '') as order_id,
        json_value(data, '$.page_url') as page_url,
        json_value(data, '$.referrer') as referrer,
        json_value(data, '$.utm_source') as utm_source,
        json_value(data, '$.utm_medium') as utm_medium,
        json_value(data, '$.utm_campaign') as utm_campaign,
        json_value(data, '$.device_type') as device_type,
        json_value(data, '$.country_code') as country_code,
        concat('pubsub://', subscription_name, '/', message_id) as _source_file,
        cast(null as int64) as _source_line,
        publish_time as _loaded_at
    from {{ source('web_stream', 'events_stream') }}
    {%- endif %}
{% endmacro %}
