{#- The exchange rate of every currency on every shop-local day from the first order (or ad spend
    day) to the last order, cancellation, return or ad spend day into the reporting currency (var
    reporting_currency): the day's rate from
    stg_finance__fx_rates, else the latest earlier one at most fx_rate_max_carry_forward_days
    old, else null (the test fx_rate_missing_for_order_day names the orders' currency-days
    left without one, fx_rate_missing_for_spend_day the ad spend's). The reporting currency itself converts at 1 on every day. -#}
{%- set reporting_currency = var('reporting_currency') | upper -%}
{%- set max_carry_days = var('fx_rate_max_carry_forward_days') | int -%}
{%- if not modules.re.fullmatch('[A-Z]{3}', reporting_currency) -%}
    {{ exceptions.raise_compiler_error("var reporting_currency must be an ISO 4217 code such as USD, got '" ~ reporting_currency ~ "'") }}
{%- endif -%}

with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

stores as (

    select * from {{ ref('int_stores_resolved') }}

),

rates as (

    select * from {{ ref('stg_finance__fx_rates') }}
    where
        quote_currency = '{{ reporting_currency }}'
        and currency <> '{{ reporting_currency }}'

),

ad_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

calendar as (

    select * from {{ ref('int_calendar_days') }}

),

order_bounds as (

    {#- the first and last shop-local or store-local day an order was placed, cancelled or returned on -#}
    select
        least(
            min({{ shop_date('orders.ordered_at') }}),
            min({{ shop_date('orders.ordered_at', 'stores.timezone') }})
        ) as first_day,
        {%- set last_at = 'coalesce(orders.returned_at, orders.cancelled_at, orders.ordered_at)' %}
        greatest(
            max({{ shop_date(last_at) }}),
            max({{ shop_date(last_at, 'stores.timezone') }})
        ) as last_day
    from orders
    left join stores
        on orders.store_id = stores.store_id

),

spend_bounds as (

    {#- ad spend is converted at its spend day's rate (the platform's reporting day) -#}
    select
        min(spend_date) as first_day,
        max(spend_date) as last_day
    from ad_spend

),

bounds as (

    {#- null bounds (no orders, or no ad spend) give way to the other's -#}
    select
        coalesce(least(order_bounds.first_day, spend_bounds.first_day), order_bounds.first_day, spend_bounds.first_day)
            as first_day,
        coalesce(greatest(order_bounds.last_day, spend_bounds.last_day), order_bounds.last_day, spend_bounds.last_day)
            as last_day
    from order_bounds
    cross join spend_bounds

),

days as (

    select calendar.date_day
    from calendar
    cross join bounds
    where calendar.date_day between bounds.first_day and bounds.last_day

),

currencies as (

    select distinct currency from rates

),

candidates as (

    select
        currencies.currency,
        rates.rate_source,
        rates.fx_rate,
        days.date_day,
        rates.rate_date,
        row_number() over (
            partition by currencies.currency, days.date_day
            order by rates.rate_date desc
        ) as recency

    from currencies
    cross join days
    left join rates
        on
            currencies.currency = rates.currency
            and days.date_day >= rates.rate_date
            and {{ dbt.dateadd('day', -max_carry_days, 'days.date_day') }} <= rates.rate_date

),

converted as (

    select
        currency,
        rate_source,
        fx_rate,
        date_day,
        rate_date
    from candidates
    where recency = 1

    union all

    select
        '{{ reporting_currency }}' as currency,
        'identity' as rate_source,
        cast(1 as {{ type_fx_rate() }}) as fx_rate,
        date_day,
        date_day as rate_date
    from days

),

final as (

    select
        currency,
        cast('{{ reporting_currency }}' as {{ dbt.type_string() }}) as reporting_currency,
        rate_source,
        cast(fx_rate as {{ type_fx_rate() }}) as fx_rate,
        coalesce(rate_date < date_day, false) as is_rate_carried_forward,
        date_day,
        rate_date

    from converted

)

select * from final
