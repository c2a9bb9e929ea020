{#- Daily sales per store and currency on a dense calendar (every day from the first to the last
    order for every store and currency that ever ordered, zeros included), each store on its own
    local days (its time zone), with growth against the previous day and the same weekday one year
    earlier: the store_id slice of int_orders_sliced_daily. The stores' rows add up to
    fct_sales_daily. -#}
with

sliced as (

    select * from {{ ref('int_orders_sliced_daily') }}

),

final as (

    select
        slice_value as store_id,
        currency,
        reporting_currency,
        order_count,
        cancelled_order_count,
        returned_order_count,
        net_order_count,
        new_customer_count,
        gross_units,
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
    where slice_name = 'store_id'

)

select * from final
