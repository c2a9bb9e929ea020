{#- Monthly sales on a dense calendar (every month from the first to the last order, zeros
    included), per currency, with growth against the previous month and the same month of the
    previous year (the series is dense, so those are the rows 1 and 12 months earlier). -#}
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

order_months as (

    select
        cast({{ dbt.date_trunc('month', 'orders.ordered_at') }} as date) as month_start_date,
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

monthly as (

    select
        month_start_date,
        currency,
        count(*) as order_count,
        sum(case when not is_cancelled and not is_returned then 1 else 0 end) as net_order_count,
        sum(case when is_new_customer_order then 1 else 0 end) as new_customer_count,
        sum(net_quantity) as net_units,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount

    from order_months
    group by month_start_date, currency

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
        lag(net_sales_amount, 12) over (partition by currency order by month_start_date)
            as previous_year_net_sales_amount,
        lag(order_count, 1) over (partition by currency order by month_start_date) as previous_month_order_count,
        lag(order_count, 12) over (partition by currency order by month_start_date) as previous_year_order_count

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
        cast(net_sales_amount - previous_month_net_sales_amount as {{ type_double() }})
        / nullif(cast(previous_month_net_sales_amount as {{ type_double() }}), 0) as net_sales_mom_growth_rate,
        cast(net_sales_amount - previous_year_net_sales_amount as {{ type_double() }})
        / nullif(cast(previous_year_net_sales_amount as {{ type_double() }}), 0) as net_sales_yoy_growth_rate,
        cast(order_count - previous_month_order_count as {{ type_double() }})
        / nullif(previous_month_order_count, 0) as order_mom_growth_rate,
        cast(order_count - previous_year_order_count as {{ type_double() }})
        / nullif(previous_year_order_count, 0) as order_yoy_growth_rate,
        month_start_date

    from compared

)

select * from final
