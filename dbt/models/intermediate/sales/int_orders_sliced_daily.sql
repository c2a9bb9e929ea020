{#- The sales measures per slice (sales channel, shipping country, store) and currency on a dense
    calendar: every day from the first to the last order (over all slices) for every slice value
    and currency that ever ordered, zeros included, with the previous day and the same weekday one
    year earlier (364 days: retail's comparable day; the series is dense, so those are the rows 1
    and 364 days earlier). One row set per slice, told apart by slice_name; the sliced daily
    sales marts each read theirs.
    The *_reporting_amount columns are the same sums in the reporting currency (var
    reporting_currency): they add up across the currency rows of a slice value and day. A missing
    rate (null reporting amount) stays null in the slice's day, never zero; total sales = net sales
    + shipping + tax, as in fct_sales_daily. -#}
with

sales as (

    select * from {{ ref('int_orders_aggregated_daily') }}

),

calendar as (

    select * from {{ ref('int_calendar_days') }}

),

slice_names as (

    select 'sales_channel' as slice_name

    union all

    select 'country_code' as slice_name

    union all

    select 'store_id' as slice_name

),

sliced as (

    select
        slice_names.slice_name,
        case slice_names.slice_name
            when 'sales_channel' then sales.sales_channel
            when 'country_code' then sales.country_code
            else sales.store_id
        end as slice_value,
        sales.currency,
        sales.order_count,
        sales.cancelled_order_count,
        sales.returned_order_count,
        sales.net_order_count,
        sales.new_customer_count,
        sales.gross_units,
        sales.net_units,
        sales.gross_sales_amount,
        sales.discount_amount,
        sales.cancellation_amount,
        sales.return_amount,
        sales.net_sales_amount,
        sales.shipping_amount,
        sales.tax_amount,
        sales.total_sales_amount,
        sales.gross_sales_reporting_amount,
        sales.discount_reporting_amount,
        sales.cancellation_reporting_amount,
        sales.return_reporting_amount,
        sales.net_sales_reporting_amount,
        sales.shipping_reporting_amount,
        sales.tax_reporting_amount,
        sales.order_date

    from sales
    cross join slice_names

),

daily as (

    select
        slice_name,
        slice_value,
        currency,
        order_date,
        sum(order_count) as order_count,
        sum(cancelled_order_count) as cancelled_order_count,
        sum(returned_order_count) as returned_order_count,
        sum(net_order_count) as net_order_count,
        sum(new_customer_count) as new_customer_count,
        sum(gross_units) as gross_units,
        sum(net_units) as net_units,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(cancellation_amount) as cancellation_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount,
        sum(shipping_amount) as shipping_amount,
        sum(tax_amount) as tax_amount,
        sum(total_sales_amount) as total_sales_amount,
        {{ sum_if_complete('gross_sales_reporting_amount') }} as gross_sales_reporting_amount,
        {{ sum_if_complete('discount_reporting_amount') }} as discount_reporting_amount,
        {{ sum_if_complete('cancellation_reporting_amount') }} as cancellation_reporting_amount,
        {{ sum_if_complete('return_reporting_amount') }} as return_reporting_amount,
        {{ sum_if_complete('net_sales_reporting_amount') }} as net_sales_reporting_amount,
        {{ sum_if_complete('shipping_reporting_amount') }} as shipping_reporting_amount,
        {{ sum_if_complete('tax_reporting_amount') }} as tax_reporting_amount

    from sliced
    group by slice_name, slice_value, currency, order_date

),

bounds as (

    select
        min(order_date) as first_order_date,
        max(order_date) as last_order_date

    from daily

),

days as (

    select calendar.date_day
    from calendar
    inner join bounds
        on calendar.date_day between bounds.first_order_date and bounds.last_order_date

),

series as (

    select distinct
        slice_name,
        slice_value,
        currency

    from daily

),

dense as (

    select
        series.slice_name,
        series.slice_value,
        series.currency,
        coalesce(daily.order_count, 0) as order_count,
        coalesce(daily.cancelled_order_count, 0) as cancelled_order_count,
        coalesce(daily.returned_order_count, 0) as returned_order_count,
        coalesce(daily.net_order_count, 0) as net_order_count,
        coalesce(daily.new_customer_count, 0) as new_customer_count,
        coalesce(daily.gross_units, 0) as gross_units,
        coalesce(daily.net_units, 0) as net_units,
        coalesce(daily.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(daily.discount_amount, 0) as discount_amount,
        coalesce(daily.cancellation_amount, 0) as cancellation_amount,
        coalesce(daily.return_amount, 0) as return_amount,
        coalesce(daily.net_sales_amount, 0) as net_sales_amount,
        coalesce(daily.shipping_amount, 0) as shipping_amount,
        coalesce(daily.tax_amount, 0) as tax_amount,
        coalesce(daily.total_sales_amount, 0) as total_sales_amount,
        case when daily.order_date is null then 0 else daily.gross_sales_reporting_amount end
            as gross_sales_reporting_amount,
        case when daily.order_date is null then 0 else daily.discount_reporting_amount end
            as discount_reporting_amount,
        case when daily.order_date is null then 0 else daily.cancellation_reporting_amount end
            as cancellation_reporting_amount,
        case when daily.order_date is null then 0 else daily.return_reporting_amount end
            as return_reporting_amount,
        case when daily.order_date is null then 0 else daily.net_sales_reporting_amount end
            as net_sales_reporting_amount,
        case when daily.order_date is null then 0 else daily.shipping_reporting_amount end
            as shipping_reporting_amount,
        case when daily.order_date is null then 0 else daily.tax_reporting_amount end
            as tax_reporting_amount,
        days.date_day as order_date

    from days
    cross join series
    left join daily
        on
            days.date_day = daily.order_date
            and series.slice_name = daily.slice_name
            and series.slice_value = daily.slice_value
            and series.currency = daily.currency

),

compared as (

    select
        *,
        lag(net_sales_amount, 1) over (partition by slice_name, slice_value, currency order by order_date)
            as previous_day_net_sales_amount,
        lag(net_sales_amount, 364) over (partition by slice_name, slice_value, currency order by order_date)
            as previous_year_net_sales_amount,
        lag(order_count, 1) over (partition by slice_name, slice_value, currency order by order_date)
            as previous_day_order_count,
        lag(order_count, 364) over (partition by slice_name, slice_value, currency order by order_date)
            as previous_year_order_count,
        lag(net_sales_reporting_amount, 1) over (partition by slice_name, slice_value, currency order by order_date)
            as previous_day_net_sales_reporting_amount,
        lag(net_sales_reporting_amount, 364) over (partition by slice_name, slice_value, currency order by order_date)
            as previous_year_net_sales_reporting_amount

    from dense

),

final as (

    select
        slice_name,
        slice_value,
        currency,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(cancelled_order_count as {{ dbt.type_bigint() }}) as cancelled_order_count,
        cast(returned_order_count as {{ dbt.type_bigint() }}) as returned_order_count,
        cast(net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
        cast(new_customer_count as {{ dbt.type_bigint() }}) as new_customer_count,
        cast(gross_units as {{ dbt.type_bigint() }}) as gross_units,
        cast(net_units as {{ dbt.type_bigint() }}) as net_units,
        cast(previous_day_order_count as {{ dbt.type_bigint() }}) as previous_day_order_count,
        cast(previous_year_order_count as {{ dbt.type_bigint() }}) as previous_year_order_count,
        cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(cancellation_amount as {{ type_money() }}) as cancellation_amount,
        cast(return_amount as {{ type_money() }}) as return_amount,
        cast(net_sales_amount as {{ type_money() }}) as net_sales_amount,
        cast(shipping_amount as {{ type_money() }}) as shipping_amount,
        cast(tax_amount as {{ type_money() }}) as tax_amount,
        cast(total_sales_amount as {{ type_money() }}) as total_sales_amount,
        {{ divide_money('net_sales_amount', 'net_order_count') }} as average_order_value_amount,
        cast(previous_day_net_sales_amount as {{ type_money() }}) as previous_day_net_sales_amount,
        cast(previous_year_net_sales_amount as {{ type_money() }}) as previous_year_net_sales_amount,
        {{ growth_rate('net_sales_amount', 'previous_day_net_sales_amount') }} as net_sales_dod_growth_rate,
        {{ growth_rate('net_sales_amount', 'previous_year_net_sales_amount') }} as net_sales_yoy_growth_rate,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        cast(gross_sales_reporting_amount as {{ type_money() }}) as gross_sales_reporting_amount,
        cast(discount_reporting_amount as {{ type_money() }}) as discount_reporting_amount,
        cast(cancellation_reporting_amount as {{ type_money() }}) as cancellation_reporting_amount,
        cast(return_reporting_amount as {{ type_money() }}) as return_reporting_amount,
        cast(net_sales_reporting_amount as {{ type_money() }}) as net_sales_reporting_amount,
        cast(shipping_reporting_amount as {{ type_money() }}) as shipping_reporting_amount,
        cast(tax_reporting_amount as {{ type_money() }}) as tax_reporting_amount,
        cast(
            net_sales_reporting_amount + shipping_reporting_amount + tax_reporting_amount as {{ type_money() }}
        ) as total_sales_reporting_amount,
        {{ divide_money('net_sales_reporting_amount', 'net_order_count') }} as average_order_value_reporting_amount,
        cast(previous_day_net_sales_reporting_amount as {{ type_money() }})
            as previous_day_net_sales_reporting_amount,
        cast(previous_year_net_sales_reporting_amount as {{ type_money() }})
            as previous_year_net_sales_reporting_amount,
        order_date

    from compared

)

select * from final
