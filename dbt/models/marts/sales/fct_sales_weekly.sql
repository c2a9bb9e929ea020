{#- Weekly sales on a dense ISO-week calendar (every week from the first to the last order,
    zeros included), per currency, with growth against the previous week and against the same
    ISO week number of the previous ISO year (null for week 53 when that year had 52). -#}
with

orders as (

    select * from {{ ref('int_orders_priced') }}

),

orders_sequenced as (

    select * from {{ ref('int_orders_sequenced') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

order_weeks as (

    select
        {{ iso_week_start('orders.ordered_at') }} as week_start_date,
        orders.currency,
        orders.order_id,
        orders.net_quantity,
        orders.gross_sales_amount,
        orders.discount_amount,
        orders.return_amount,
        orders.net_sales_amount,
        orders.is_cancelled,
        orders.is_returned,
        coalesce(orders_sequenced.is_new_customer_order, false) as is_new_customer_order

    from orders
    left join orders_sequenced
        on orders.order_id = orders_sequenced.order_id

),

weekly as (

    select
        week_start_date,
        currency,
        count(*) as order_count,
        sum(case when not is_cancelled and not is_returned then 1 else 0 end) as net_order_count,
        sum(case when is_new_customer_order then 1 else 0 end) as new_customer_count,
        sum(net_quantity) as net_units,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount

    from order_weeks
    group by week_start_date, currency

),

bounds as (

    select
        min(week_start_date) as first_week_start_date,
        max(week_start_date) as last_week_start_date

    from weekly

),

weeks as (

    select distinct calendar.week_start_date
    from calendar
    inner join bounds
        on calendar.week_start_date between bounds.first_week_start_date and bounds.last_week_start_date

),

currencies as (

    select distinct currency
    from weekly

),

grid as (

    select
        weeks.week_start_date,
        currencies.currency,
        {{ iso_year('weeks.week_start_date') }} as iso_year,
        {{ iso_week_number('weeks.week_start_date') }} as iso_week

    from weeks
    cross join currencies

),

dense as (

    select
        grid.week_start_date,
        grid.currency,
        grid.iso_year,
        grid.iso_week,
        coalesce(weekly.order_count, 0) as order_count,
        coalesce(weekly.net_order_count, 0) as net_order_count,
        coalesce(weekly.new_customer_count, 0) as new_customer_count,
        coalesce(weekly.net_units, 0) as net_units,
        coalesce(weekly.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(weekly.discount_amount, 0) as discount_amount,
        coalesce(weekly.return_amount, 0) as return_amount,
        coalesce(weekly.net_sales_amount, 0) as net_sales_amount

    from grid
    left join weekly
        on
            grid.week_start_date = weekly.week_start_date
            and grid.currency = weekly.currency

),

compared as (

    select
        dense.*,
        lag(dense.net_sales_amount) over (
            partition by dense.currency order by dense.week_start_date
        ) as previous_week_net_sales_amount,
        lag(dense.order_count) over (
            partition by dense.currency order by dense.week_start_date
        ) as previous_week_order_count,
        last_year.net_sales_amount as previous_year_net_sales_amount,
        last_year.order_count as previous_year_order_count

    from dense
    left join dense as last_year
        on
            dense.currency = last_year.currency
            and dense.iso_year - 1 = last_year.iso_year
            and dense.iso_week = last_year.iso_week

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
        cast(net_sales_amount - previous_week_net_sales_amount as {{ type_double() }})
        / nullif(cast(previous_week_net_sales_amount as {{ type_double() }}), 0) as net_sales_wow_growth_rate,
        cast(net_sales_amount - previous_year_net_sales_amount as {{ type_double() }})
        / nullif(cast(previous_year_net_sales_amount as {{ type_double() }}), 0) as net_sales_yoy_growth_rate,
        cast(order_count - previous_week_order_count as {{ type_double() }})
        / nullif(previous_week_order_count, 0) as order_wow_growth_rate,
        cast(order_count - previous_year_order_count as {{ type_double() }})
        / nullif(previous_year_order_count, 0) as order_yoy_growth_rate,
        week_start_date

    from compared

)

select * from final
