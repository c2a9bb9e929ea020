{#- Customer scoring on the lifetime aggregates (thresholds: dbt vars, rules: DECISIONLOG.md),
    returned with the aggregates they score.
    - segment (value and order count, first matching rule wins): VIP = net sales percent rank
      >= customer_segment_vip_min_revenue_percentile and >= customer_segment_vip_min_orders
      orders; Loyal = >= customer_segment_loyal_min_orders orders; Regular = >=
      customer_segment_regular_min_orders orders; One-time otherwise.
    - health (days since last order): Active <= customer_health_active_max_days, At Risk <=
      customer_health_at_risk_max_days, Dormant <= customer_health_dormant_max_days, Lost beyond.
    - RFM quintile scores 1-5 (Hughes' RFM analysis): score = 1 + floor(5 x percent rank),
      capped at 5, ranking recency descending (most recent = 5), frequency (valid orders) and
      monetary (lifetime net sales in the reporting currency, so customers buying in different
      currencies are ranked on one scale) ascending; ties share a score. A customer whose
      reporting amount is null (an order without its rate: test fx_rate_missing_for_order_day)
      gets no net sales rank, monetary score, RFM cell or total, and cannot be VIP; the others
      are ranked among themselves.
    - churn risk: not Lost, and silent for longer than churn_risk_interval_multiplier x the
      customer's mean days between orders (repeat buyers) or than the Active threshold
      (one-time buyers). -#}
with

customers as (

    select * from {{ ref('int_customers_orders_aggregated') }}

),

ranked as (

    select
        *,
        case
            when net_sales_reporting_amount is not null
                then
                    percent_rank() over (
                        partition by case when net_sales_reporting_amount is null then 1 else 0 end
                        order by net_sales_reporting_amount
                    )
        end as net_sales_percent_rank,
        percent_rank() over (order by days_since_last_order desc) as recency_percent_rank,
        percent_rank() over (order by order_count) as frequency_percent_rank

    from customers

),

scored as (

    select
        customer_id,
        case
            when
                order_count >= {{ var('customer_segment_vip_min_orders') }}
                and net_sales_percent_rank >= {{ var('customer_segment_vip_min_revenue_percentile') }}
                then 'VIP'
            when order_count >= {{ var('customer_segment_loyal_min_orders') }} then 'Loyal'
            when order_count >= {{ var('customer_segment_regular_min_orders') }} then 'Regular'
            else 'One-time'
        end as customer_segment,
        case
            when days_since_last_order <= {{ var('customer_health_active_max_days') }} then 'Active'
            when days_since_last_order <= {{ var('customer_health_at_risk_max_days') }} then 'At Risk'
            when days_since_last_order <= {{ var('customer_health_dormant_max_days') }} then 'Dormant'
            else 'Lost'
        end as customer_health,
        cast(least(5, 1 + floor(5 * recency_percent_rank)) as {{ dbt.type_bigint() }}) as recency_score,
        cast(least(5, 1 + floor(5 * frequency_percent_rank)) as {{ dbt.type_bigint() }}) as frequency_score,
        case
            when net_sales_percent_rank is not null
                then cast(least(5, 1 + floor(5 * net_sales_percent_rank)) as {{ dbt.type_bigint() }})
        end as monetary_score,
        net_sales_percent_rank,
        case
            when days_since_last_order > {{ var('customer_health_dormant_max_days') }} then false
            when average_days_between_orders is null
                then days_since_last_order > {{ var('customer_health_active_max_days') }}
            else days_since_last_order > {{ var('churn_risk_interval_multiplier') }} * average_days_between_orders
        end as is_churn_risk,
        currency,
        order_count,
        net_order_count,
        purchase_day_count,
        gross_sales_amount,
        discount_amount,
        return_amount,
        net_sales_amount,
        average_order_value_amount,
        reporting_currency,
        gross_sales_reporting_amount,
        discount_reporting_amount,
        return_reporting_amount,
        net_sales_reporting_amount,
        average_order_value_reporting_amount,
        days_since_last_order,
        tenure_days,
        average_days_between_orders,
        first_order_date,
        last_order_date,
        observation_date,
        first_ordered_at,
        last_ordered_at

    from ranked

),

final as (

    select
        *,
        {{ dbt.concat([
            dbt.cast('recency_score', dbt.type_string()),
            dbt.cast('frequency_score', dbt.type_string()),
            dbt.cast('monetary_score', dbt.type_string()),
        ]) }} as rfm_cell,
        cast(recency_score + frequency_score + monetary_score as {{ dbt.type_bigint() }}) as rfm_total_score

    from scored

)

select * from final
