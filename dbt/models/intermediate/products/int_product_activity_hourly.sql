{#- Product demand signals per product and UTC hour: item views (view_item events) and units
    ordered (order lines of every status: the demand signal is the order itself, whatever
    happens to it later). Sparse: hours without activity have no row. activity_date is the
    shop-local day (var shop_timezone) of the hour's start.
    Incremental runs recompute the days from the window start on; the lookback is the order
    lookback (`order_incremental_lookback_days`), since an order can first arrive that long
    after it was placed. -#}
{{ config(**incremental_from_day('activity_date', lookback_days=var('order_incremental_lookback_days'))) }}

with

events as (

    select * from {{ ref('stg_web__events') }}
    {%- if is_incremental() %}
    {#- a day early on both inputs: an hour's shop-local day (activity_date) can differ from the
        local day of its events (zones with half-hour offsets); `final` trims to the window #}
    where event_date >= {{ dbt.dateadd('day', -1, incremental_window_from()) }}
    {%- endif %}

),

order_items as (

    select * from {{ ref('int_order_items_priced') }}
    {%- if is_incremental() %}
    where ordered_at >= cast({{ dbt.dateadd('day', -1, incremental_window_from()) }} as {{ dbt.type_timestamp() }})
    {%- endif %}

),

product_views as (

    select
        product_id,
        'product_views' as metric_name,
        {{ dbt.date_trunc('hour', 'event_at') }} as activity_hour_at,
        count(*) as observed_count

    from events
    where
        event_name = 'view_item'
        and product_id is not null
    group by product_id, {{ dbt.date_trunc('hour', 'event_at') }}

),

units_sold as (

    select
        product_id,
        'units_sold' as metric_name,
        {{ dbt.date_trunc('hour', 'ordered_at') }} as activity_hour_at,
        sum(quantity) as observed_count

    from order_items
    group by product_id, {{ dbt.date_trunc('hour', 'ordered_at') }}

),

unioned as (

    select * from product_views
    union all
    select * from units_sold

),

final as (

    select
        product_id,
        metric_name,
        cast(observed_count as {{ dbt.type_bigint() }}) as observed_count,
        cast(extract(hour from activity_hour_at) as {{ dbt.type_bigint() }}) as hour_of_day,
        {{ shop_date('activity_hour_at') }} as activity_date,
        activity_hour_at

    from unioned

)

select * from final
{%- if is_incremental() %}
where activity_date >= {{ incremental_window_from() }}
    {%- set backfill_days = incremental_backfill_predicate() %}
    {%- if backfill_days %}
    and {{ backfill_days }}
    {%- endif %}
{%- endif %}
