{#- Buy-Till-You-Die model inputs per customer, as defined by Fader, Hardie & Lee (2005),
    "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", and computed like the
    `lifetimes` package's summary_data_from_transaction_data with a daily period:
    purchases are calendar days with at least one valid order (not cancelled) up to the
    observation date;
    frequency = number of repeat purchase days (purchase days after the first one);
    recency = days between the first and the last purchase day (0 without repeats);
    T = days between the first purchase day and the observation date;
    monetary_value = mean of the daily net sales over the repeat purchase days only (0 without
    repeats), in the order currency; monetary_value_reporting_amount = the same mean of the daily
    net sales in the reporting currency (each order at its order day's rate, int_orders_enriched;
    null when a repeat day's order lacks its rate), the value the CLV fit reads. -#}
with

orders as (

    select * from {{ ref('int_orders_priced') }}

),

orders_converted as (

    select * from {{ ref('int_orders_enriched') }}

),

observation as (

    select {{ observation_date('max(' ~ shop_date('ordered_at') ~ ')') }} as observation_date
    from orders

),

purchase_days as (

    select
        orders.customer_id,
        {{ shop_date('orders.ordered_at') }} as purchase_date,
        max(orders.currency) as currency,
        sum(orders.net_sales_amount) as daily_net_sales_amount,
        {{ sum_if_complete('orders_converted.net_sales_reporting_amount') }} as daily_net_sales_reporting_amount

    from orders
    left join orders_converted
        on orders.order_id = orders_converted.order_id
    cross join observation
    where
        orders.customer_id is not null
        and not orders.is_cancelled
        and {{ shop_date('orders.ordered_at') }} <= observation.observation_date
    group by orders.customer_id, {{ shop_date('orders.ordered_at') }}

),

numbered as (

    select
        *,
        min(purchase_date) over (partition by customer_id) as first_purchase_date

    from purchase_days

),

summarized as (

    select
        numbered.customer_id,
        max(numbered.currency) as currency,
        count(*) - 1 as frequency,
        min(numbered.first_purchase_date) as first_purchase_date,
        max(numbered.purchase_date) as last_purchase_date,
        sum(
            case when numbered.purchase_date > numbered.first_purchase_date then numbered.daily_net_sales_amount end
        ) as repeat_net_sales_amount,
        sum(
            case
                when numbered.purchase_date > numbered.first_purchase_date
                    then numbered.daily_net_sales_reporting_amount
            end
        ) as repeat_net_sales_reporting_amount,
        sum(
            case
                when
                    numbered.purchase_date > numbered.first_purchase_date
                    and numbered.daily_net_sales_reporting_amount is null
                    then 1
                else 0
            end
        ) as repeat_days_without_rate,
        max(observation.observation_date) as observation_date

    from numbered
    cross join observation
    group by numbered.customer_id

),

final as (

    select
        customer_id,
        currency,
        cast(frequency as {{ dbt.type_bigint() }}) as frequency,
        cast(
            {{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }}
            as {{ dbt.type_bigint() }}
        ) as recency,
        cast(
            {{ dbt.datediff('first_purchase_date', 'observation_date', 'day') }}
            as {{ dbt.type_bigint() }}
        ) as t,
        cast(
            case when frequency > 0 then {{ divide_money('repeat_net_sales_amount', 'frequency') }} else 0 end
            as {{ type_money() }}
        ) as monetary_value,
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        cast(
            case
                when repeat_days_without_rate > 0 then null
                when frequency > 0 then {{ divide_money('repeat_net_sales_reporting_amount', 'frequency') }}
                else 0
            end
            as {{ type_money() }}
        ) as monetary_value_reporting_amount,
        first_purchase_date,
        last_purchase_date,
        observation_date

    from summarized

)

select * from final
