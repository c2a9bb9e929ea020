{#- Incremental runs recompute whole session days: from the window start W on; the start days of
    sessions that reached into the window (crossed midnight, late events); and, identity
    stitching being retroactive, the days of the stored sessions of a visitor whose latest login
    is from W on and whose stored customer is not that login's (they get that customer on all
    their earlier sessions). -#}
{{
    config(**incremental_from_day(
        'session_date',
        cluster_by=['channel_group', 'customer_id'],
    ))
}}

with

all_sessions as (

    select * from {{ ref('int_web_sessions_aggregated') }}

),

visitors as (

    select * from {{ ref('int_web_visitors_identified') }}

),

{%- if is_incremental() %}

changed_session_days as (

    select all_sessions.session_date
    from all_sessions
    where {{ shop_date('all_sessions.session_ended_at') }} >= {{ incremental_window_from() }}

    union distinct

    {# a stored session whose customer is not its visitor's current one (identity stitching
        reached back, or a shared device changed hands); a session with a customer of its own
        that differs from its visitor's is recomputed too, unchanged #}
    select stored.session_date
    from {{ this }} as stored
    inner join visitors
        on stored.anonymous_id = visitors.anonymous_id
    where
        {{ shop_date('visitors.identified_at') }} >= {{ incremental_window_from() }}
        and stored.customer_id is distinct from visitors.customer_id

),

{%- endif %}

sessions as (

    select * from all_sessions
    {%- if is_incremental() %}
    where all_sessions.session_date in (select changed_session_days.session_date from changed_session_days)
    {%- endif %}

),

final as (

    select
        sessions.session_id,
        sessions.anonymous_id,
        coalesce(sessions.customer_id, visitors.customer_id) as customer_id,
        sessions.landing_page_url,
        sessions.referrer_host,
        sessions.traffic_source,
        sessions.traffic_medium,
        sessions.utm_campaign,
        sessions.channel_group,
        sessions.device_type,
        sessions.country_code,
        cast(sessions.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(sessions.page_view_count as {{ dbt.type_bigint() }}) as page_view_count,
        cast(sessions.item_view_count as {{ dbt.type_bigint() }}) as item_view_count,
        cast(sessions.add_to_cart_count as {{ dbt.type_bigint() }}) as add_to_cart_count,
        cast(sessions.checkout_count as {{ dbt.type_bigint() }}) as checkout_count,
        cast(sessions.purchased_order_count as {{ dbt.type_bigint() }}) as purchased_order_count,
        cast(sessions.session_duration_seconds as {{ dbt.type_bigint() }}) as session_duration_seconds,
        cast(sessions.funnel_depth as {{ dbt.type_bigint() }}) as funnel_depth,
        sessions.has_view_item,
        sessions.has_add_to_cart,
        sessions.has_begin_checkout,
        sessions.has_purchase,
        sessions.is_session_id_derived,
        sessions.session_date,
        sessions.session_started_at,
        sessions.session_ended_at

    from sessions
    left join visitors
        on sessions.anonymous_id = visitors.anonymous_id

)

select * from final
{{ incremental_backfill_filter() }}
