{#- Monthly sales per currency: the month rows of int_orders_aggregated_by_period (dense series,
    growth against the previous month and the same month of the previous year). -#}
with

periods as (

    select * from {{ ref('int_orders_aggregated_by_period') }}
    where period_grain = 'month'

),

final as (

    select
        currency,
        order_count,
        net_order_count,
        new_customer_count,
        net_units,
        previous_period_order_count as previous_month_order_count,
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
        previous_period_net_sales_amount as previous_month_net_sales_amount,
        previous_year_net_sales_amount,
        net_sales_period_growth_rate as net_sales_mom_growth_rate,
        net_sales_yoy_growth_rate,
        order_period_growth_rate as order_mom_growth_rate,
        order_yoy_growth_rate,
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
        previous_period_net_sales_reporting_amount as previous_month_net_sales_reporting_amount,
        previous_year_net_sales_reporting_amount,
        period_start_date as month_start_date

    from periods

)

select * from final
