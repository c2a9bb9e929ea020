{% macro prepare_revenue_forecast() -%}
    {#- Pre-hook of fct_revenue_forecast_daily. BigQuery: (re)train the BigQuery ML ARIMA_PLUS
        model on fct_sales_daily, whose forecast the mart selects. Other targets: nothing (the
        prediction step writes the forecast). -#}
    {{ return(adapter.dispatch('prepare_revenue_forecast', 'ecommerce_warehouse')()) }}
{%- endmacro %}

{% macro default__prepare_revenue_forecast() -%}
{%- endmacro %}

{% macro bigquery__prepare_revenue_forecast() -%}
    {{ bigquery_revenue_forecast_model_ddl() }}
{%- endmacro %}

{% macro revenue_forecast_model_relation() -%}
    {#- The BigQuery ML model: revenue_forecast_arima_plus, in the marts dataset (the schema the
        marts folder is configured with, through generate_schema_name). -#}
    {{ return(api.Relation.create(
        database=target.database,
        schema=generate_schema_name('marts', none) | trim,
        identifier='revenue_forecast_arima_plus',
    )) }}
{%- endmacro %}

{% macro bigquery_revenue_forecast_model_ddl() -%}
    {#- ARIMA_PLUS per currency on daily net sales (BigQuery ML; CREATE MODEL statement for
        time series). auto_arima picks (p, d, q) per series; the model detects weekly and yearly
        seasonality itself (yearly needs two years of history), cleans spikes and dips and
        adjusts for holidays of holiday_region. Horizon: var revenue_forecast_horizon_days. -#}
    create or replace model {{ revenue_forecast_model_relation() }}
    options (
        model_type = 'ARIMA_PLUS',
        time_series_timestamp_col = 'order_date',
        time_series_data_col = 'net_sales',
        time_series_id_col = 'currency',
        data_frequency = 'DAILY',
        horizon = {{ var('revenue_forecast_horizon_days') }},
        auto_arima = true,
        holiday_region = 'GLOBAL',
        decompose_time_series = true
    ) as
    select
        order_date,
        currency,
        cast(net_sales_amount as float64) as net_sales
    from {{ ref('fct_sales_daily') }}
{%- endmacro %}

{% macro revenue_forecast_rows() -%}
    {#- The forecast rows with the columns of predictions.revenue_forecast_daily: the prediction
        step's table on DuckDB, ML.FORECAST of the ARIMA_PLUS model at 80 % and 95 % on BigQuery. -#}
    {{ return(adapter.dispatch('revenue_forecast_rows', 'ecommerce_warehouse')()) }}
{%- endmacro %}

{% macro default__revenue_forecast_rows() -%}
    select * from {{ source('predictions', 'revenue_forecast_daily') }}
{%- endmacro %}

{% macro bigquery__revenue_forecast_rows() -%}
    {%- set horizon = var('revenue_forecast_horizon_days') -%}
    {%- set model = revenue_forecast_model_relation() -%}
    select
        forecast_80.currency,
        'ARIMA_PLUS' as model_name,
        'bigquery-ml ARIMA_PLUS' as model_version,
        false as is_baseline,
        forecast_80.forecast_value as forecast_net_sales,
        forecast_80.prediction_interval_lower_bound as forecast_net_sales_lower_80,
        forecast_80.prediction_interval_upper_bound as forecast_net_sales_upper_80,
        forecast_95.prediction_interval_lower_bound as forecast_net_sales_lower_95,
        forecast_95.prediction_interval_upper_bound as forecast_net_sales_upper_95,
        cast(null as float64) as backtest_mase,
        cast(null as int64) as backtest_origins,
        date(forecast_80.forecast_timestamp) as forecast_date,
        training_window.training_start_date,
        training_window.training_end_date,
        current_timestamp() as fitted_at
    from ml.forecast(model {{ model }}, struct({{ horizon }} as horizon, 0.8 as confidence_level)) as forecast_80
    inner join ml.forecast(model {{ model }}, struct({{ horizon }} as horizon, 0.95 as confidence_level)) as forecast_95
        on
            forecast_80.currency = forecast_95.currency
            and forecast_80.forecast_timestamp = forecast_95.forecast_timestamp
    inner join (
        select
            currency,
            min(order_date) as training_start_date,
            max(order_date) as training_end_date
        from {{ ref('fct_sales_daily') }}
        group by currency
    ) as training_window
        on forecast_80.currency = training_window.currency
{%- endmacro %}
