{#- The calendar's bounds, from the data: 1 January of the earliest year with an order, a
    cancellation or return (on the shop's days and on its store's days), a web event, an ad spend day or a support ticket (inclusive), to
    1 January two years after the latest such year (exclusive: the calendar runs a year ahead).
    The vars date_spine_start (inclusive) and date_spine_end (exclusive), ISO dates, default
    null, only widen it: no var can leave a fact day outside the calendar. No data at all: the
    current year and the next. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

stores as (

    select * from {{ ref('int_stores_resolved') }}

),

events as (

    select * from {{ ref('stg_web__events') }}

),

ad_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

data_days as (

    select
        {{ shop_date('ordered_at') }} as first_day,
        {{ shop_date('coalesce(returned_at, cancelled_at, ordered_at)') }} as last_day
    from orders

    union all

    select
        {{ shop_date('ordered_at') }} as first_day,
        {{ shop_date('coalesce(cancelled_at, ordered_at)') }} as last_day
    from orders

    union all

    select
        {{ shop_date('orders.ordered_at', 'stores.timezone') }} as first_day,
        {{ shop_date('coalesce(orders.returned_at, orders.cancelled_at, orders.ordered_at)', 'stores.timezone') }}
            as last_day
    from orders
    inner join stores
        on orders.store_id = stores.store_id

    union all

    select
        {{ shop_date('event_at') }} as first_day,
        {{ shop_date('event_at') }} as last_day
    from events

    union all

    select
        spend_date as first_day,
        spend_date as last_day
    from ad_spend

    union all

    select
        {{ shop_date('created_at') }} as first_day,
        {{ shop_date('coalesce(solved_at, first_responded_at, created_at)') }} as last_day
    from tickets
    {%- if var('date_spine_start', none) %}

    union all

    select
        cast('{{ var("date_spine_start") }}' as date) as first_day,
        cast('{{ var("date_spine_start") }}' as date) as last_day
    {%- endif %}
    {%- if var('date_spine_end', none) %}

    union all

    select
        cast({{ dbt.dateadd('day', -1, "cast('" ~ var('date_spine_end') ~ "' as date)") }} as date) as first_day,
        cast({{ dbt.dateadd('day', -1, "cast('" ~ var('date_spine_end') ~ "' as date)") }} as date) as last_day
    {%- endif %}

),

data_range as (

    select
        coalesce(min(first_day), cast({{ dbt.current_timestamp() }} as date)) as first_day,
        coalesce(max(last_day), cast({{ dbt.current_timestamp() }} as date)) as last_day
    from data_days

),

final as (

    select
        cast({{ dbt.date_trunc('year', 'first_day') }} as date) as spine_start_date,
        cast({{ dbt.dateadd('year', 2, dbt.date_trunc('year', 'last_day')) }} as date) as spine_end_date,
        first_day as first_fact_date,
        last_day as last_fact_date
    from data_range

)

select * from final
