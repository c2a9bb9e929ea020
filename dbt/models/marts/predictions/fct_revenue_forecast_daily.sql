{{ config(pre_hook="{{ prepare_revenue_forecast() }}") }}

{#- Daily net revenue forecast per currency and model: on DuckDB the prediction step's MSTL
    forecast and its seasonal-naive baseline (statsforecast), on BigQuery BigQuery ML's ARIMA_PLUS
    (ML.FORECAST). Definitions: DECISIONLOG.md "Predictions". -#}
-- depends_on: {{ ref('fct_sales_daily') }}
with

forecast as (

    {{ revenue_forecast_rows() }}

),

final as (

    select
        currency,
        model_name,
        model_version,
        cast(forecast_net_sales as {{ type_money() }}) as forecast_net_sales_amount,
        cast(forecast_net_sales_lower_80 as {{ type_money() }}) as forecast_net_sales_lower_80_amount,
        cast(forecast_net_sales_upper_80 as {{ type_money() }}) as forecast_net_sales_upper_80_amount,
        cast(forecast_net_sales_lower_95 as {{ type_money() }}) as forecast_net_sales_lower_95_amount,
        cast(forecast_net_sales_upper_95 as {{ type_money() }}) as forecast_net_sales_upper_95_amount,
        cast(backtest_mase as {{ type_double() }}) as backtest_mase,
        cast(backtest_origins as {{ dbt.type_bigint() }}) as backtest_origin_count,
        is_baseline,
        forecast_date,
        training_start_date,
        training_end_date,
        fitted_at

    from forecast

)

select * from final
