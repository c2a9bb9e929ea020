{% macro sales_daily_by_dimension(dimension, dimension_expr, lookup=none, lookup_columns=[], lookup_default='Unknown') -%}
    {#- The whole query of a daily sales mart sliced by one dimension and currency, on a dense
        calendar: every day from the first to the last order (over all slices) for every
        (dimension, currency) that ever ordered, zeros included. Growth against the previous day
        and the same weekday one year earlier (364 days: retail's comparable day); the series is
        dense, so those are the rows 1 and 364 days earlier.
        dimension: output column name of the slice; dimension_expr: its SQL expression over
        `orders` (int_orders_priced), never null. lookup (optional): a relation keyed by a column
        named like `dimension`, whose `lookup_columns` are output right after the dimension
        (lookup_default when no row matches).
        Columns: dimension, lookup columns, currency, counts, previous-day/-year counts, money
        amounts, average order value, previous-day/-year net sales, dod/yoy growth, order_date. -#}
    {%- if lookup_columns and lookup is none -%}
        {{ exceptions.raise_compiler_error('sales_daily_by_dimension: lookup_columns need a lookup relation') }}
    {%- endif %}
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
    {%- if lookup is not none %}

    dimension_lookup as (

        select * from {{ lookup }}

    ),
    {%- endif %}

    order_days as (

        select
            cast(orders.ordered_at as date) as order_date,
            {{ dimension_expr }} as {{ dimension }},
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
            {{ dimension }},
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
        group by order_date, {{ dimension }}, currency

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
            {{ dimension }},
            currency

        from daily

    ),

    dense as (

        select
            days.date_day as order_date,
            slices.{{ dimension }},
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
                and slices.{{ dimension }} = daily.{{ dimension }}
                and slices.currency = daily.currency

    ),

    compared as (

        select
            *,
            lag(net_sales_amount, 1) over (partition by {{ dimension }}, currency order by order_date)
                as previous_day_net_sales_amount,
            lag(net_sales_amount, 364) over (partition by {{ dimension }}, currency order by order_date)
                as previous_year_net_sales_amount,
            lag(order_count, 1) over (partition by {{ dimension }}, currency order by order_date)
                as previous_day_order_count,
            lag(order_count, 364) over (partition by {{ dimension }}, currency order by order_date)
                as previous_year_order_count

        from dense

    ),

    final as (

        select
            compared.{{ dimension }},
            {%- for column in lookup_columns %}
            coalesce(dimension_lookup.{{ column }}, {{ dbt.string_literal(lookup_default) }}) as {{ column }},
            {%- endfor %}
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
        {%- if lookup is not none %}
        left join dimension_lookup
            on compared.{{ dimension }} = dimension_lookup.{{ dimension }}
        {%- endif %}

    )

    select * from final
{%- endmacro %}
