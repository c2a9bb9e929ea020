{#- Customer lifetime value per customer: the BG/NBD and Gamma-Gamma predictions written by the
    prediction step (`python -m predictions`) from dim_customer_btyd_summary. Definitions:
    DECISIONLOG.md "Predictions". -#}
-- depends_on: {{ ref('dim_customer_btyd_summary') }}
with

scores as (

    select * from {{ source('predictions', 'customer_clv_scores') }}

),

final as (

    select
        customer_id,
        currency,
        model_name,
        model_version,
        cast(probability_alive as {{ type_double() }}) as probability_alive,
        cast(expected_purchases_30d as {{ type_double() }}) as expected_purchases_30d,
        cast(expected_purchases_90d as {{ type_double() }}) as expected_purchases_90d,
        cast(expected_purchases_365d as {{ type_double() }}) as expected_purchases_365d,
        cast(expected_average_order_value as {{ type_money() }}) as expected_average_order_value_amount,
        cast(predicted_clv as {{ type_money() }}) as predicted_clv_amount,
        cast(clv_horizon_months as {{ dbt.type_bigint() }}) as clv_horizon_months,
        cast(clv_monthly_discount_rate as {{ type_double() }}) as clv_monthly_discount_rate,
        training_start_date,
        training_end_date,
        fitted_at

    from scores

)

select * from final
