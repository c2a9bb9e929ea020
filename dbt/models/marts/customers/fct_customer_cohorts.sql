{#- Monthly acquisition cohorts: customers grouped by the month of their first valid order
    (not cancelled); one row per cohort month x months since that month, from month 0 to the
    observation month, including months in which nobody in the cohort ordered (zeros). Net sales
    in the reporting currency sum the orders' converted amounts (int_orders_enriched) across
    currencies; null when an order lacks its rate, never a smaller sum. -#}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

customer_orders as (

    select * from {{ ref('int_customers_orders_aggregated') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

customers as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'first_order_date') }} as date) as cohort_month,
        cast({{ dbt.date_trunc('month', 'observation_date') }} as date) as observation_month,
        observation_date

    from customer_orders

),

cohort_sizes as (

    select
        cohort_month,
        max(observation_month) as observation_month,
        count(*) as cohort_customer_count

    from customers
    group by cohort_month

),

months as (

    select distinct month_start_date
    from calendar

),

cohort_periods as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customer_count,
        months.month_start_date as activity_month,
        {{ dbt.datediff('cohort_sizes.cohort_month', 'months.month_start_date', 'month') }}
            as months_since_first_order

    from cohort_sizes
    inner join months
        on
            cohort_sizes.cohort_month <= months.month_start_date
            and cohort_sizes.observation_month >= months.month_start_date

),

activity as (

    select
        customers.cohort_month,
        cast({{ dbt.date_trunc('month', shop_date('orders.ordered_at')) }} as date) as activity_month,
        count(distinct orders.customer_id) as active_customer_count,
        count(*) as order_count,
        sum(orders.net_sales_amount) as net_sales_amount,
        case
            when count(orders.net_sales_reporting_amount) = count(*) then sum(orders.net_sales_reporting_amount)
        end as net_sales_reporting_amount

    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    where
        not orders.is_cancelled
        and {{ shop_date('orders.ordered_at') }} <= customers.observation_date
    group by customers.cohort_month, cast({{ dbt.date_trunc('month', shop_date('orders.ordered_at')) }} as date)

),

final as (

    select
        cohort_periods.cohort_month,
        cast(cohort_periods.months_since_first_order as {{ dbt.type_bigint() }}) as months_since_first_order,
        cast(cohort_periods.cohort_customer_count as {{ dbt.type_bigint() }}) as cohort_customer_count,
        cast(coalesce(activity.active_customer_count, 0) as {{ dbt.type_bigint() }}) as active_customer_count,
        cast(coalesce(activity.order_count, 0) as {{ dbt.type_bigint() }}) as order_count,
        cast(coalesce(activity.net_sales_amount, 0) as {{ type_money() }}) as net_sales_amount,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        cast(
            case when activity.cohort_month is null then 0 else activity.net_sales_reporting_amount end
            as {{ type_money() }}
        ) as net_sales_reporting_amount,
        cast(coalesce(activity.active_customer_count, 0) as {{ type_double() }})
        / cohort_periods.cohort_customer_count as retention_rate,
        cohort_periods.activity_month

    from cohort_periods
    left join activity
        on
            cohort_periods.cohort_month = activity.cohort_month
            and cohort_periods.activity_month = activity.activity_month

)

select * from final
