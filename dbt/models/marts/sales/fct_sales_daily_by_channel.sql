{#- Daily sales per sales channel and currency on a dense calendar (every day from the first to
    the last order for every sales channel that ever ordered, zeros included), with growth against
    the previous day and the same weekday one year earlier: the sales_channel slice of
    int_orders_sliced_daily. -#}
with

sliced as (

    select * from {{ ref('int_orders_sliced_daily') }}

),

final as (

    select
        slice_value as sales_channel,
        currency,
        order_count,
        net_order_count,
        new_customer_count,
        net_units,
        previous_day_order_count,
        previous_year_order_count,
        gross_sales_amount,
        discount_amount,
        cancellation_amount,
        return_amount,
        net_sales_amount,
        shipping_amount,
        tax_amount,
        total_sales_amount,
        average_order_value_amount,
        previous_day_net_sales_amount,
        previous_year_net_sales_amount,
        net_sales_dod_growth_rate,
        net_sales_yoy_growth_rate,
        reporting_currency,
        gross_sales_reporting_amount,
        discount_reporting_amount,
        cancellation_reporting_amount,
        return_reporting_amount,
        net_sales_reporting_amount,
        shipping_reporting_amount,
        tax_reporting_amount,
        total_sales_reporting_amount,
        average_order_value_reporting_amount,
        previous_day_net_sales_reporting_amount,
        previous_year_net_sales_reporting_amount,
        order_date

    from sliced
    where slice_name = 'sales_channel'

)

select * from final
