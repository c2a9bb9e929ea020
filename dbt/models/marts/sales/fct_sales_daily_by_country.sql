{#- Daily sales per country and currency on a dense calendar: every day from the first
    to the last order for every country that ever ordered, zeros included. Growth against
    the previous day and against the same weekday one year earlier (364 days: retail's comparable
    day); the series is dense, so those are the rows 1 and 364 days earlier. -#}
with

orders as (

    select * from {{ ref('int_orders_priced') }}

),

orders_sequenced as (

    select * from {{ ref('int_orders_sequenced') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

country_regions as (

    select * from {{ ref('country_regions') }}

),

order_days as (

    select
        cast(orders.ordered_at as date) as order_date,
        coalesce(orders.shipping_country_code, 'ZZ') as country_code,
        orders.currency,
        orders.net_quantity,
        orders.gross_sales_amount,
        orders.discount_amount,
        orders.return_amount,
        orders.net_sales_amount,
        orders.is_cancelled,
        orders.is_returned,
        coalesce(orders_sequenced.is_new_customer_order, false) as is_new_customer_order

    from orders
    left join orders_sequenced
        on orders.order_id = orders_sequenced.order_id

),

daily as (

    select
        order_date,
        country_code,
        currency,
        count(*) as order_count,
        sum(case when not is_cancelled and not is_returned then 1 else 0 end) as net_order_count,
        sum(case when is_new_customer_order then 1 else 0 end) as new_customer_count,
        sum(net_quantity) as net_units,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount

    from order_days
    group by order_date, country_code, currency

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

slices as (

    select distinct
        country_code,
        currency

    from daily

),

dense as (

    select
        days.date_day as order_date,
        slices.country_code,
        slices.currency,
        coalesce(daily.order_count, 0) as order_count,
        coalesce(daily.net_order_count, 0) as net_order_count,
        coalesce(daily.new_customer_count, 0) as new_customer_count,
        coalesce(daily.net_units, 0) as net_units,
        coalesce(daily.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(daily.discount_amount, 0) as discount_amount,
        coalesce(daily.return_amount, 0) as return_amount,
        coalesce(daily.net_sales_amount, 0) as net_sales_amount

    from days
    cross join slices
    left join daily
        on
            days.date_day = daily.order_date
            and slices.country_code = daily.country_code
            and slices.currency = daily.currency

),

compared as (

    select
        *,
        lag(net_sales_amount, 1) over (partition by country_code, currency order by order_date)
            as previous_day_net_sales_amount,
        lag(net_sales_amount, 364) over (partition by country_code, currency order by order_date)
            as previous_year_net_sales_amount,
        lag(order_count, 1) over (partition by country_code, currency order by order_date)
            as previous_day_order_count,
        lag(order_count, 364) over (partition by country_code, currency order by order_date)
            as previous_year_order_count

    from dense

),

final as (

    select
        compared.country_code,
        coalesce(country_regions.region, 'Unknown') as region,
        coalesce(country_regions.subregion, 'Unknown') as subregion,
        compared.currency,
        cast(compared.order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(compared.net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
        cast(compared.new_customer_count as {{ dbt.type_bigint() }}) as new_customer_count,
        cast(compared.net_units as {{ dbt.type_bigint() }}) as net_units,
        cast(compared.previous_day_order_count as {{ dbt.type_bigint() }}) as previous_day_order_count,
        cast(compared.previous_year_order_count as {{ dbt.type_bigint() }}) as previous_year_order_count,
        cast(compared.gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(compared.discount_amount as {{ type_money() }}) as discount_amount,
        cast(compared.return_amount as {{ type_money() }}) as return_amount,
        cast(compared.net_sales_amount as {{ type_money() }}) as net_sales_amount,
        cast(
            compared.net_sales_amount / nullif(compared.net_order_count, 0) as {{ type_money() }}
        ) as average_order_value_amount,
        cast(compared.previous_day_net_sales_amount as {{ type_money() }}) as previous_day_net_sales_amount,
        cast(compared.previous_year_net_sales_amount as {{ type_money() }}) as previous_year_net_sales_amount,
        cast(compared.net_sales_amount - compared.previous_day_net_sales_amount as {{ type_double() }})
        / nullif(cast(compared.previous_day_net_sales_amount as {{ type_double() }}), 0)
            as net_sales_dod_growth_rate,
        cast(compared.net_sales_amount - compared.previous_year_net_sales_amount as {{ type_double() }})
        / nullif(cast(compared.previous_year_net_sales_amount as {{ type_double() }}), 0)
            as net_sales_yoy_growth_rate,
        compared.order_date

    from compared
    left join country_regions
        on compared.country_code = country_regions.country_code

)

select * from final
