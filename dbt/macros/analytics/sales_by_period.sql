{% macro sales_by_period(grain) -%}
    {#- The whole query of the weekly (grain 'week', ISO weeks) or monthly (grain 'month') sales
        mart: per currency on a dense calendar of periods from the first to the last order
        (zeros included), with growth against the previous period and the same period one year
        earlier. A month's year-ago row is 12 rows earlier; an ISO week's is the same ISO week
        number of the previous ISO year (joined, so week 53 gets null when that year had 52).
        Columns: currency, [iso_year, iso_week], counts, previous-period/-year counts, money
        amounts, average order value, previous-period/-year net sales, growth rates
        (<wow|mom> and yoy, net sales then orders), <grain>_start_date. -#}
    {%- if grain not in ['week', 'month'] -%}
        {{ exceptions.raise_compiler_error("sales_by_period: grain must be 'week' or 'month', got '" ~ grain ~ "'") }}
    {%- endif -%}
    {%- set period_start = grain ~ '_start_date' -%}
    {%- set previous = 'previous_' ~ grain -%}
    {%- set growth = {'week': 'wow', 'month': 'mom'}[grain] -%}
    {%- set period_order = 'partition by dense.currency order by dense.' ~ period_start %}
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

    order_periods as (

        select
            {%- if grain == 'week' %}
            {{ iso_week_start('orders.ordered_at') }} as {{ period_start }},
            {%- else %}
            cast({{ dbt.date_trunc('month', 'orders.ordered_at') }} as date) as {{ period_start }},
            {%- endif %}
            orders.currency,
            orders.order_id,
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

    periodic as (

        select
            {{ period_start }},
            currency,
            count(*) as order_count,
            sum(case when not is_cancelled and not is_returned then 1 else 0 end) as net_order_count,
            sum(case when is_new_customer_order then 1 else 0 end) as new_customer_count,
            sum(net_quantity) as net_units,
            sum(gross_sales_amount) as gross_sales_amount,
            sum(discount_amount) as discount_amount,
            sum(return_amount) as return_amount,
            sum(net_sales_amount) as net_sales_amount

        from order_periods
        group by {{ period_start }}, currency

    ),

    bounds as (

        select
            min({{ period_start }}) as first_period_start_date,
            max({{ period_start }}) as last_period_start_date

        from periodic

    ),

    periods as (

        select distinct calendar.{{ period_start }}
        from calendar
        inner join bounds
            on calendar.{{ period_start }} between bounds.first_period_start_date and bounds.last_period_start_date

    ),

    currencies as (

        select distinct currency
        from periodic

    ),

    grid as (

        select
            periods.{{ period_start }},
            currencies.currency
            {%- if grain == 'week' %},
            {{ iso_year('periods.' ~ period_start) }} as iso_year,
            {{ iso_week_number('periods.' ~ period_start) }} as iso_week
            {%- endif %}

        from periods
        cross join currencies

    ),

    dense as (

        select
            grid.*,
            coalesce(periodic.order_count, 0) as order_count,
            coalesce(periodic.net_order_count, 0) as net_order_count,
            coalesce(periodic.new_customer_count, 0) as new_customer_count,
            coalesce(periodic.net_units, 0) as net_units,
            coalesce(periodic.gross_sales_amount, 0) as gross_sales_amount,
            coalesce(periodic.discount_amount, 0) as discount_amount,
            coalesce(periodic.return_amount, 0) as return_amount,
            coalesce(periodic.net_sales_amount, 0) as net_sales_amount

        from grid
        left join periodic
            on
                grid.{{ period_start }} = periodic.{{ period_start }}
                and grid.currency = periodic.currency

    ),

    compared as (

        select
            dense.*,
            lag(dense.net_sales_amount, 1) over ({{ period_order }}) as {{ previous }}_net_sales_amount,
            lag(dense.order_count, 1) over ({{ period_order }}) as {{ previous }}_order_count,
            {%- if grain == 'week' %}
            last_year.net_sales_amount as previous_year_net_sales_amount,
            last_year.order_count as previous_year_order_count
            {%- else %}
            lag(dense.net_sales_amount, 12) over ({{ period_order }}) as previous_year_net_sales_amount,
            lag(dense.order_count, 12) over ({{ period_order }}) as previous_year_order_count
            {%- endif %}

        from dense
        {%- if grain == 'week' %}
        left join dense as last_year
            on
                dense.currency = last_year.currency
                and dense.iso_year - 1 = last_year.iso_year
                and dense.iso_week = last_year.iso_week
        {%- endif %}

    ),

    final as (

        select
            currency,
            {%- if grain == 'week' %}
            cast(iso_year as {{ dbt.type_bigint() }}) as iso_year,
            cast(iso_week as {{ dbt.type_bigint() }}) as iso_week,
            {%- endif %}
            cast(order_count as {{ dbt.type_bigint() }}) as order_count,
            cast(net_order_count as {{ dbt.type_bigint() }}) as net_order_count,
            cast(new_customer_count as {{ dbt.type_bigint() }}) as new_customer_count,
            cast(net_units as {{ dbt.type_bigint() }}) as net_units,
            cast({{ previous }}_order_count as {{ dbt.type_bigint() }}) as {{ previous }}_order_count,
            cast(previous_year_order_count as {{ dbt.type_bigint() }}) as previous_year_order_count,
            cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
            cast(discount_amount as {{ type_money() }}) as discount_amount,
            cast(return_amount as {{ type_money() }}) as return_amount,
            cast(net_sales_amount as {{ type_money() }}) as net_sales_amount,
            cast(net_sales_amount / nullif(net_order_count, 0) as {{ type_money() }}) as average_order_value_amount,
            cast({{ previous }}_net_sales_amount as {{ type_money() }}) as {{ previous }}_net_sales_amount,
            cast(previous_year_net_sales_amount as {{ type_money() }}) as previous_year_net_sales_amount,
            cast(net_sales_amount - {{ previous }}_net_sales_amount as {{ type_double() }})
            / nullif(cast({{ previous }}_net_sales_amount as {{ type_double() }}), 0) as net_sales_{{ growth }}_growth_rate,
            cast(net_sales_amount - previous_year_net_sales_amount as {{ type_double() }})
            / nullif(cast(previous_year_net_sales_amount as {{ type_double() }}), 0) as net_sales_yoy_growth_rate,
            cast(order_count - {{ previous }}_order_count as {{ type_double() }})
            / nullif({{ previous }}_order_count, 0) as order_{{ growth }}_growth_rate,
            cast(order_count - previous_year_order_count as {{ type_double() }})
            / nullif(previous_year_order_count, 0) as order_yoy_growth_rate,
            {{ period_start }}

        from compared

    )

    select * from final
{%- endmacro %}
