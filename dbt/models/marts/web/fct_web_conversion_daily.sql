{#- Incremental runs recompute whole days: from the window start W on, and the start days of
    sessions that reached into the window (their funnel may have changed). -#}
{{
    config(**incremental_from_day(
        'session_date',
        cluster_by=['channel_group'],
    ))
}}

with

all_sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

sessions as (

    select * from all_sessions
    {%- if is_incremental() %}
    where all_sessions.session_date in (
        select distinct changed.session_date
        from all_sessions as changed
        where {{ shop_date('changed.session_ended_at') }} >= {{ incremental_window_from() }}
    )
    {%- endif %}

),

aggregated as (

    select
        session_date,
        channel_group,
        count(*) as session_count,
        count(distinct anonymous_id) as visitor_count,
        sum(case when has_view_item then 1 else 0 end) as view_item_session_count,
        sum(case when has_add_to_cart then 1 else 0 end) as add_to_cart_session_count,
        sum(case when has_begin_checkout then 1 else 0 end) as begin_checkout_session_count,
        sum(case when has_purchase then 1 else 0 end) as purchase_session_count,
        sum(purchased_order_count) as purchased_order_count,
        sum(case when funnel_depth = 4 then 1 else 0 end) as full_funnel_session_count

    from sessions
    group by session_date, channel_group

),

final as (

    select
        channel_group,
        cast(session_count as {{ dbt.type_bigint() }}) as session_count,
        cast(visitor_count as {{ dbt.type_bigint() }}) as visitor_count,
        cast(view_item_session_count as {{ dbt.type_bigint() }}) as view_item_session_count,
        cast(add_to_cart_session_count as {{ dbt.type_bigint() }}) as add_to_cart_session_count,
        cast(begin_checkout_session_count as {{ dbt.type_bigint() }}) as begin_checkout_session_count,
        cast(purchase_session_count as {{ dbt.type_bigint() }}) as purchase_session_count,
        cast(purchased_order_count as {{ dbt.type_bigint() }}) as purchased_order_count,
        cast(full_funnel_session_count as {{ dbt.type_bigint() }}) as full_funnel_session_count,
        cast(purchase_session_count as {{ type_double() }}) / session_count as conversion_rate,
        cast(add_to_cart_session_count as {{ type_double() }})
        / nullif(view_item_session_count, 0) as view_to_cart_rate,
        cast(begin_checkout_session_count as {{ type_double() }})
        / nullif(add_to_cart_session_count, 0) as cart_to_checkout_rate,
        cast(purchase_session_count as {{ type_double() }})
        / nullif(begin_checkout_session_count, 0) as checkout_to_purchase_rate,
        session_date

    from aggregated

)

select * from final
{{ incremental_backfill_filter() }}
