{#- Buy-Till-You-Die model inputs per customer, as defined by Fader, Hardie & Lee (2005),
    "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", and computed like the
    `lifetimes` package's summary_data_from_transaction_data with a daily period:
    purchases are calendar days with at least one valid order (not cancelled) up to the
    observation date;
    frequency = number of repeat purchase days (purchase days after the first one);
    recency = days between the first and the last purchase day (0 without repeats);
    T = days between the first purchase day and the observation date;
    monetary_value = mean of the daily net sales over the repeat purchase days only (0 without
    repeats). -#}
with

orders as (

    select * from {{ ref('int_orders_priced') }}

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
        sum(orders.net_sales_amount) as daily_net_sales_amount

    from orders
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
        first_purchase_date,
        last_purchase_date,
        observation_date

    from summarized

)

select * from final
