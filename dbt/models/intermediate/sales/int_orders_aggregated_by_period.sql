{#- The sales measures of int_orders_aggregated_daily rolled up to ISO weeks and calendar months
    (long format: one row set per period_grain), per currency, on a dense series of periods from
    the first to the last period with an order (zeros included), with the previous period and the
    same period of the previous year: ISO week number of the previous ISO year for weeks (null
    for week 53 when that year had 52), same month of the previous year for months. The weekly
    and monthly sales marts each read their grain.
    The *_reporting_amount columns are the same sums in the reporting currency (var
    reporting_currency): they add up across the currency rows of a period to the period's total.
    A day whose rate is missing (null reporting amount) makes its period's reporting amounts null,
    never a smaller sum; total sales = net sales + shipping + tax, as in fct_sales_daily. -#}
with

sales as (

    select * from {{ ref('int_orders_aggregated_daily') }}

),

calendar as (

    select * from {{ ref('int_calendar_days') }}

),

calendar_periods as (

    select
        'week' as period_grain,
        date_day,
        week_start_date as period_start_date,
        iso_year as period_year,
        iso_week as period_number

    from calendar

    union all

    select
        'month' as period_grain,
        date_day,
        month_start_date as period_start_date,
        year_number as period_year,
        month_number as period_number

    from calendar

),

periodic as (

    select
        calendar_periods.period_grain,
        calendar_periods.period_start_date,
        sales.currency,
        sum(sales.order_count) as order_count,
        sum(sales.net_order_count) as net_order_count,
        sum(sales.new_customer_count) as new_customer_count,
        sum(sales.net_units) as net_units,
        sum(sales.gross_sales_amount) as gross_sales_amount,
        sum(sales.discount_amount) as discount_amount,
        sum(sales.cancellation_amount) as cancellation_amount,
        sum(sales.return_amount) as return_amount,
        sum(sales.net_sales_amount) as net_sales_amount,
        sum(sales.shipping_amount) as shipping_amount,
        sum(sales.tax_amount) as tax_amount,
        sum(sales.total_sales_amount) as total_sales_amount,
        {{ sum_if_complete('sales.gross_sales_reporting_amount') }} as gross_sales_reporting_amount,
        {{ sum_if_complete('sales.discount_reporting_amount') }} as discount_reporting_amount,
        {{ sum_if_complete('sales.cancellation_reporting_amount') }} as cancellation_reporting_amount,
        {{ sum_if_complete('sales.return_reporting_amount') }} as return_reporting_amount,
        {{ sum_if_complete('sales.net_sales_reporting_amount') }} as net_sales_reporting_amount,
        {{ sum_if_complete('sales.shipping_reporting_amount') }} as shipping_reporting_amount,
        {{ sum_if_complete('sales.tax_reporting_amount') }} as tax_reporting_amount

    from sales
    inner join calendar_periods
        on sales.order_date = calendar_periods.date_day
    group by calendar_periods.period_grain, calendar_periods.period_start_date, sales.currency

),

bounds as (

    select
        period_grain,
        min(period_start_date) as first_period_start_date,
        max(period_start_date) as last_period_start_date

    from periodic
    group by period_grain

),

periods as (

    select distinct
        calendar_periods.period_grain,
        calendar_periods.period_start_date,
        calendar_periods.period_year,
        calendar_periods.period_number

    from calendar_periods
    inner join bounds
        on
            calendar_periods.period_grain = bounds.period_grain
            and calendar_periods.period_start_date
            between bounds.first_period_start_date and bounds.last_period_start_date

),

currencies as (

    select distinct
        period_grain,
        currency

    from periodic

),

dense as (

    select
        periods.period_grain,
        periods.period_start_date,
        periods.period_year,
        periods.period_number,
        currencies.currency,
        coalesce(periodic.order_count, 0) as order_count,
        coalesce(periodic.net_order_count, 0) as net_order_count,
        coalesce(periodic.new_customer_count, 0) as new_customer_count,
        coalesce(periodic.net_units, 0) as net_units,
        coalesce(periodic.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(periodic.discount_amount, 0) as discount_amount,
        coalesce(periodic.cancellation_amount, 0) as cancellation_amount,
        coalesce(periodic.return_amount, 0) as return_amount,
        coalesce(periodic.net_sales_amount, 0) as net_sales_amount,
        coalesce(periodic.shipping_amount, 0) as shipping_amount,
        coalesce(periodic.tax_amount, 0) as tax_amount,
        coalesce(periodic.total_sales_amount, 0) as total_sales_amount,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        case when periodic.period_start_date is null then 0 else periodic.gross_sales_reporting_amount end
            as gross_sales_reporting_amount,
        case when periodic.period_start_date is null then 0 else periodic.discount_reporting_amount end
            as discount_reporting_amount,
        case when periodic.period_start_date is null then 0 else periodic.cancellation_reporting_amount end
            as cancellation_reporting_amount,
        case when periodic.period_start_date is null then 0 else periodic.return_reporting_amount end
            as return_reporting_amount,
        case when periodic.period_start_date is null then 0 else periodic.net_sales_reporting_amount end
            as net_sales_reporting_amount,
        case when periodic.period_start_date is null then 0 else periodic.shipping_reporting_amount end
            as shipping_reporting_amount,
        case when periodic.period_start_date is null then 0 else periodic.tax_reporting_amount end
            as tax_reporting_amount

    from periods
    inner join currencies
        on periods.period_grain = currencies.period_grain
    left join periodic
        on
            periods.period_grain = periodic.period_grain
            and periods.period_start_date = periodic.period_start_date
            and currencies.currency = periodic.currency

),

compared as (

    select
        dense.*,
        lag(dense.net_sales_amount, 1) over (
            partition by dense.period_grain, dense.currency order by dense.period_start_date
        ) as previous_period_net_sales_amount,
        lag(dense.order_count, 1) over (
            partition by dense.period_grain, dense.currency order by dense.period_start_date
        ) as previous_period_order_count,
        year_ago.net_sales_amount as previous_year_net_sales_amount,
        year_ago.order_count as previous_year_order_count,
        lag(dense.net_sales_reporting_amount, 1) over (
            partition by dense.period_grain, dense.currency order by dense.period_start_date
        ) as previous_period_net_sales_reporting_amount,
        year_ago.net_sales_reporting_amount as previous_year_net_sales_reporting_amount

    from dense
    left join dense as year_ago
        on
            dense.period_grain = year_ago.period_grain
            and dense.currency = year_ago.currency
            and dense.period_year - 1 = year_ago.period_year
            and dense.period_number = year_ago.period_number

),

final as (

    select
        period_grain,
        currency,
        cast(period_year as {{ dbt.type_bigint() }}) as period_year,
        cast(period_number as {{ dbt.type_bigint() }}) as period_number,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
        cast(new_customer_count as {{ dbt.type_bigint() }}) as new_customer_count,
        cast(net_units as {{ dbt.type_bigint() }}) as net_units,
        cast(previous_period_order_count as {{ dbt.type_bigint() }}) as previous_period_order_count,
        cast(previous_year_order_count as {{ dbt.type_bigint() }}) as previous_year_order_count,
        cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(cancellation_amount as {{ type_money() }}) as cancellation_amount,
        cast(return_amount as {{ type_money() }}) as return_amount,
        cast(net_sales_amount as {{ type_money() }}) as net_sales_amount,
        cast(shipping_amount as {{ type_money() }}) as shipping_amount,
        cast(tax_amount as {{ type_money() }}) as tax_amount,
        cast(total_sales_amount as {{ type_money() }}) as total_sales_amount,
        {{ divide_money('net_sales_amount', 'net_order_count') }} as average_order_value_amount,
        cast(previous_period_net_sales_amount as {{ type_money() }}) as previous_period_net_sales_amount,
        cast(previous_year_net_sales_amount as {{ type_money() }}) as previous_year_net_sales_amount,
        {{ growth_rate('net_sales_amount', 'previous_period_net_sales_amount') }} as net_sales_period_growth_rate,
        {{ growth_rate('net_sales_amount', 'previous_year_net_sales_amount') }} as net_sales_yoy_growth_rate,
        {{ growth_rate('order_count', 'previous_period_order_count') }} as order_period_growth_rate,
        {{ growth_rate('order_count', 'previous_year_order_count') }} as order_yoy_growth_rate,
        reporting_currency,
        cast(gross_sales_reporting_amount as {{ type_money() }}) as gross_sales_reporting_amount,
        cast(discount_reporting_amount as {{ type_money() }}) as discount_reporting_amount,
        cast(cancellation_reporting_amount as {{ type_money() }}) as cancellation_reporting_amount,
        cast(return_reporting_amount as {{ type_money() }}) as return_reporting_amount,
        cast(net_sales_reporting_amount as {{ type_money() }}) as net_sales_reporting_amount,
        cast(shipping_reporting_amount as {{ type_money() }}) as shipping_reporting_amount,
        cast(tax_reporting_amount as {{ type_money() }}) as tax_reporting_amount,
        cast(
            net_sales_reporting_amount + shipping_reporting_amount + tax_reporting_amount as {{ type_money() }}
        ) as total_sales_reporting_amount,
        {{ divide_money('net_sales_reporting_amount', 'net_order_count') }} as average_order_value_reporting_amount,
        cast(previous_period_net_sales_reporting_amount as {{ type_money() }})
            as previous_period_net_sales_reporting_amount,
        cast(previous_year_net_sales_reporting_amount as {{ type_money() }})
            as previous_year_net_sales_reporting_amount,
        period_start_date

    from compared

)

select * from final
