with

customers as (

    select * from {{ ref('dim_customers') }}

),

lifetime as (

    select * from {{ ref('int_customers_segmented') }}

),

country_regions as (

    select * from {{ ref('country_regions') }}

),

final as (

    select
        customers.customer_id,
        coalesce(lifetime.currency, customers.currency) as currency,
        customers.country_code,
        coalesce(country_regions.region, 'Unknown') as region,
        coalesce(lifetime.customer_segment, 'Prospect') as customer_segment,
        coalesce(lifetime.customer_health, 'Prospect') as customer_health,
        lifetime.rfm_cell,
        lifetime.recency_score,
        lifetime.frequency_score,
        lifetime.monetary_score,
        lifetime.rfm_total_score,
        cast(coalesce(lifetime.order_count, 0) as {{ dbt.type_bigint() }}) as order_count,
        cast(coalesce(lifetime.net_order_count, 0) as {{ dbt.type_bigint() }}) as net_order_count,
        cast(coalesce(lifetime.gross_sales_amount, 0) as {{ type_money() }}) as gross_sales_amount,
        cast(coalesce(lifetime.discount_amount, 0) as {{ type_money() }}) as discount_amount,
        cast(coalesce(lifetime.return_amount, 0) as {{ type_money() }}) as return_amount,
        cast(coalesce(lifetime.net_sales_amount, 0) as {{ type_money() }}) as net_sales_amount,
        lifetime.average_order_value_amount,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        case
            when lifetime.customer_id is null then cast(0 as {{ type_money() }})
            else lifetime.gross_sales_reporting_amount
        end as gross_sales_reporting_amount,
        case
            when lifetime.customer_id is null then cast(0 as {{ type_money() }})
            else lifetime.discount_reporting_amount
        end as discount_reporting_amount,
        case
            when lifetime.customer_id is null then cast(0 as {{ type_money() }})
            else lifetime.return_reporting_amount
        end as return_reporting_amount,
        case
            when lifetime.customer_id is null then cast(0 as {{ type_money() }})
            else lifetime.net_sales_reporting_amount
        end as net_sales_reporting_amount,
        lifetime.average_order_value_reporting_amount,
        lifetime.days_since_last_order,
        lifetime.tenure_days,
        lifetime.average_days_between_orders,
        lifetime.net_sales_percent_rank,
        coalesce(lifetime.order_count, 0) > 1 as is_repeat_customer,
        coalesce(lifetime.is_churn_risk, false) as is_churn_risk,
        customers.is_in_customer_feed,
        lifetime.first_order_date,
        lifetime.last_order_date,
        lifetime.observation_date,
        lifetime.first_ordered_at,
        lifetime.last_ordered_at,
        customers.created_at

    from customers
    left join lifetime
        on customers.customer_id = lifetime.customer_id
    left join country_regions
        on customers.country_code = country_regions.country_code

)

select * from final
