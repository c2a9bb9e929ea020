{#- Monthly sales on a dense calendar (every month from the first to the last order, zeros
    included), per currency, with growth against the previous month and the same month of the
    previous year (the series is dense, so those are the rows 1 and 12 months earlier). -#}
with

sales as (

    select * from {{ ref('int_orders_aggregated_daily') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

monthly as (

    select
        calendar.month_start_date,
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
    group by calendar.month_start_date, sales.currency

),

bounds as (

    select
        min(month_start_date) as first_month_start_date,
        max(month_start_date) as last_month_start_date

    from monthly

),

months as (

    select distinct calendar.month_start_date
    from calendar
    inner join bounds
        on calendar.month_start_date between bounds.first_month_start_date and bounds.last_month_start_date

),

currencies as (

    select distinct currency
    from monthly

),

dense as (

    select
        months.month_start_date,
        currencies.currency,
        coalesce(monthly.order_count, 0) as order_count,
        coalesce(monthly.net_order_count, 0) as net_order_count,
        coalesce(monthly.new_customer_count, 0) as new_customer_count,
        coalesce(monthly.net_units, 0) as net_units,
        coalesce(monthly.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(monthly.discount_amount, 0) as discount_amount,
        coalesce(monthly.return_amount, 0) as return_amount,
        coalesce(monthly.net_sales_amount, 0) as net_sales_amount

    from months
    cross join currencies
    left join monthly
        on
            months.month_start_date = monthly.month_start_date
            and currencies.currency = monthly.currency

),

compared as (

    select
        *,
        lag(net_sales_amount, 1) over (partition by currency order by month_start_date)
            as previous_month_net_sales_amount,
        lag(order_count, 1) over (partition by currency order by month_start_date)
            as previous_month_order_count,
        lag(net_sales_amount, 12) over (partition by currency order by month_start_date)
            as previous_year_net_sales_amount,
        lag(order_count, 12) over (partition by currency order by month_start_date)
            as previous_year_order_count

    from dense

),

final as (

    select
        currency,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
        cast(new_customer_count as {{ dbt.type_bigint() }}) as new_customer_count,
        cast(net_units as {{ dbt.type_bigint() }}) as net_units,
        cast(previous_month_order_count as {{ dbt.type_bigint() }}) as previous_month_order_count,
        cast(previous_year_order_count as {{ dbt.type_bigint() }}) as previous_year_order_count,
        cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(return_amount as {{ type_money() }}) as return_amount,
        cast(net_sales_amount as {{ type_money() }}) as net_sales_amount,
        cast(net_sales_amount / nullif(net_order_count, 0) as {{ type_money() }}) as average_order_value_amount,
        cast(previous_month_net_sales_amount as {{ type_money() }}) as previous_month_net_sales_amount,
        cast(previous_year_net_sales_amount as {{ type_money() }}) as previous_year_net_sales_amount,
        {{ growth_rate('net_sales_amount', 'previous_month_net_sales_amount') }} as net_sales_mom_growth_rate,
        {{ growth_rate('net_sales_amount', 'previous_year_net_sales_amount') }} as net_sales_yoy_growth_rate,
        {{ growth_rate('order_count', 'previous_month_order_count') }} as order_mom_growth_rate,
        {{ growth_rate('order_count', 'previous_year_order_count') }} as order_yoy_growth_rate,
        month_start_date

    from compared

)

select * from final
