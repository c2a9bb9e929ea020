{#- One row per customer with at least one valid order (not cancelled) on or before the
    observation date: lifetime order counts and revenue components (definitions of
    int_orders_priced), first/last order, recency and tenure as of the observation date. The
    *_reporting_amount twins sum the orders' reporting-currency amounts (int_orders_enriched), so a
    customer who ordered in several currencies has one comparable lifetime value; null when an
    order lacks its rate, never a smaller sum. -#}
with

orders as (

    select * from {{ ref('int_orders_priced') }}

),

orders_converted as (

    select * from {{ ref('int_orders_enriched') }}

),

observation as (

    select {{ observation_date('max(' ~ shop_date('ordered_at') ~ ')') }} as observation_date
    from orders

),

valid_orders as (

    select
        orders.customer_id,
        orders.currency,
        orders.gross_sales_amount,
        orders.discount_amount,
        orders.return_amount,
        orders.net_sales_amount,
        orders_converted.gross_sales_reporting_amount,
        orders_converted.discount_reporting_amount,
        orders_converted.return_reporting_amount,
        orders_converted.net_sales_reporting_amount,
        orders.is_returned,
        {{ shop_date('orders.ordered_at') }} as order_date,
        orders.ordered_at,
        observation.observation_date

    from orders
    left join orders_converted
        on orders.order_id = orders_converted.order_id
    cross join observation
    where
        orders.customer_id is not null
        and not orders.is_cancelled
        and {{ shop_date('orders.ordered_at') }} <= observation.observation_date

),

aggregated as (

    select
        customer_id,
        max(currency) as currency,
        count(*) as order_count,
        sum(case when is_returned then 0 else 1 end) as net_order_count,
        count(distinct order_date) as purchase_day_count,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount,
        {{ sum_if_complete('gross_sales_reporting_amount') }} as gross_sales_reporting_amount,
        {{ sum_if_complete('discount_reporting_amount') }} as discount_reporting_amount,
        {{ sum_if_complete('return_reporting_amount') }} as return_reporting_amount,
        {{ sum_if_complete('net_sales_reporting_amount') }} as net_sales_reporting_amount,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        max(observation_date) as observation_date,
        min(ordered_at) as first_ordered_at,
        max(ordered_at) as last_ordered_at

    from valid_orders
    group by customer_id

),

final as (

    select
        customer_id,
        currency,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
        cast(purchase_day_count as {{ dbt.type_bigint() }}) as purchase_day_count,
        cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(return_amount as {{ type_money() }}) as return_amount,
        cast(net_sales_amount as {{ type_money() }}) as net_sales_amount,
        {{ divide_money('net_sales_amount', 'net_order_count') }} as average_order_value_amount,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        cast(gross_sales_reporting_amount as {{ type_money() }}) as gross_sales_reporting_amount,
        cast(discount_reporting_amount as {{ type_money() }}) as discount_reporting_amount,
        cast(return_reporting_amount as {{ type_money() }}) as return_reporting_amount,
        cast(net_sales_reporting_amount as {{ type_money() }}) as net_sales_reporting_amount,
        {{ divide_money('net_sales_reporting_amount', 'net_order_count') }} as average_order_value_reporting_amount,
        cast(
            {{ dbt.datediff('last_order_date', 'observation_date', 'day') }}
            as {{ dbt.type_bigint() }}
        ) as days_since_last_order,
        cast(
            {{ dbt.datediff('first_order_date', 'observation_date', 'day') }}
            as {{ dbt.type_bigint() }}
        ) as tenure_days,
        case
            when order_count > 1
                then
                    cast(
                        {{ dbt.datediff('first_ordered_at', 'last_ordered_at', 'second') }}
                        as {{ type_double() }}
                    )
                    / 86400.0 / (order_count - 1)
        end as average_days_between_orders,
        first_order_date,
        last_order_date,
        observation_date,
        first_ordered_at,
        last_ordered_at

    from aggregated

)

select * from final
