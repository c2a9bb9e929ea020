{#- Weekly sales on a dense ISO-week calendar (every week from the first to the last order,
    zeros included), per currency, with growth against the previous week and against the same
    ISO week number of the previous ISO year (null for week 53 when that year had 52). ISO year,
    week and week start come from the calendar (dim_date). -#}
with

sales as (

    select * from {{ ref('int_orders_aggregated_daily') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

weekly as (

    select
        calendar.week_start_date,
        sales.currency,
        sum(sales.order_count) as order_count,
        sum(sales.net_order_count) as net_order_count,
        sum(sales.new_customer_count) as new_customer_count,
        sum(sales.net_units) as net_units,
        sum(sales.gross_sales_amount) as gross_sales_amount,
        sum(sales.discount_amount) as discount_amount,
        sum(sales.return_amount) as return_amount,
        sum(sales.net_sales_amount) as net_sales_amount

    from sales
    inner join calendar
        on sales.order_date = calendar.date_day
    group by calendar.week_start_date, sales.currency

),

bounds as (

    select
        min(week_start_date) as first_week_start_date,
        max(week_start_date) as last_week_start_date

    from weekly

),

weeks as (

    select distinct
        calendar.week_start_date,
        calendar.iso_year,
        calendar.iso_week

    from calendar
    inner join bounds
        on calendar.week_start_date between bounds.first_week_start_date and bounds.last_week_start_date

),

currencies as (

    select distinct currency
    from weekly

),

dense as (

    select
        weeks.week_start_date,
        weeks.iso_year,
        weeks.iso_week,
        currencies.currency,
        coalesce(weekly.order_count, 0) as order_count,
        coalesce(weekly.net_order_count, 0) as net_order_count,
        coalesce(weekly.new_customer_count, 0) as new_customer_count,
        coalesce(weekly.net_units, 0) as net_units,
        coalesce(weekly.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(weekly.discount_amount, 0) as discount_amount,
        coalesce(weekly.return_amount, 0) as return_amount,
        coalesce(weekly.net_sales_amount, 0) as net_sales_amount

    from weeks
    cross join currencies
    left join weekly
        on
            weeks.week_start_date = weekly.week_start_date
            and currencies.currency = weekly.currency

),

compared as (

    select
        dense.*,
        lag(dense.net_sales_amount, 1) over (partition by dense.currency order by dense.week_start_date)
            as previous_week_net_sales_amount,
        lag(dense.order_count, 1) over (partition by dense.currency order by dense.week_start_date)
            as previous_week_order_count,
        year_ago.net_sales_amount as previous_year_net_sales_amount,
        year_ago.order_count as previous_year_order_count

    from dense
    left join dense as year_ago
        on
            dense.currency = year_ago.currency
            and dense.iso_year - 1 = year_ago.iso_year
            and dense.iso_week = year_ago.iso_week

),

final as (

    select
        currency,
        cast(iso_year as {{ dbt.type_bigint() }}) as iso_year,
        cast(iso_week as {{ dbt.type_bigint() }}) as iso_week,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
        cast(new_customer_count as {{ dbt.type_bigint() }}) as new_customer_count,
        cast(net_units as {{ dbt.type_bigint() }}) as net_units,
        cast(previous_week_order_count as {{ dbt.type_bigint() }}) as previous_week_order_count,
        cast(previous_year_order_count as {{ dbt.type_bigint() }}) as previous_year_order_count,
        cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(return_amount as {{ type_money() }}) as return_amount,
        cast(net_sales_amount as {{ type_money() }}) as net_sales_amount,
        cast(net_sales_amount / nullif(net_order_count, 0) as {{ type_money() }}) as average_order_value_amount,
        cast(previous_week_net_sales_amount as {{ type_money() }}) as previous_week_net_sales_amount,
        cast(previous_year_net_sales_amount as {{ type_money() }}) as previous_year_net_sales_amount,
        {{ growth_rate('net_sales_amount', 'previous_week_net_sales_amount') }} as net_sales_wow_growth_rate,
        {{ growth_rate('net_sales_amount', 'previous_year_net_sales_amount') }} as net_sales_yoy_growth_rate,
        {{ growth_rate('order_count', 'previous_week_order_count') }} as order_wow_growth_rate,
        {{ growth_rate('order_count', 'previous_year_order_count') }} as order_yoy_growth_rate,
        week_start_date

    from compared

)

select * from final
