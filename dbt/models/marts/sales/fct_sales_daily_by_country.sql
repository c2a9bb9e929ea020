{#- Daily sales per shipping country and currency on a dense calendar (every day from the first
    to the last order for every country that ever ordered, zeros included), with the country's
    region and subregion (`Unknown` when not in seed country_regions) and growth against the
    previous day and the same weekday one year earlier: the country_code slice of
    int_orders_sliced_daily. -#}
with

sliced as (

    select * from {{ ref('int_orders_sliced_daily') }}

),

country_regions as (

    select * from {{ ref('country_regions') }}

),

final as (

    select
        sliced.slice_value as country_code,
        coalesce(country_regions.region, 'Unknown') as region,
        coalesce(country_regions.subregion, 'Unknown') as subregion,
        sliced.currency,
        sliced.order_count,
        sliced.net_order_count,
        sliced.new_customer_count,
        sliced.net_units,
        sliced.previous_day_order_count,
        sliced.previous_year_order_count,
        sliced.gross_sales_amount,
        sliced.discount_amount,
        sliced.cancellation_amount,
        sliced.return_amount,
        sliced.net_sales_amount,
        sliced.shipping_amount,
        sliced.tax_amount,
        sliced.total_sales_amount,
        sliced.average_order_value_amount,
        sliced.previous_day_net_sales_amount,
        sliced.previous_year_net_sales_amount,
        sliced.net_sales_dod_growth_rate,
        sliced.net_sales_yoy_growth_rate,
        sliced.reporting_currency,
        sliced.gross_sales_reporting_amount,
        sliced.discount_reporting_amount,
        sliced.cancellation_reporting_amount,
        sliced.return_reporting_amount,
        sliced.net_sales_reporting_amount,
        sliced.shipping_reporting_amount,
        sliced.tax_reporting_amount,
        sliced.total_sales_reporting_amount,
        sliced.average_order_value_reporting_amount,
        sliced.previous_day_net_sales_reporting_amount,
        sliced.previous_year_net_sales_reporting_amount,
        sliced.order_date

    from sliced
    left join country_regions
        on sliced.slice_value = country_regions.country_code
    where sliced.slice_name = 'country_code'

)

select * from final
