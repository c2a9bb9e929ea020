{#- Both attribution models credit every valid order (not cancelled) to exactly one channel group
    (possibly Unattributed), so fct_marketing_channel_daily's credited orders and net sales equal
    fct_orders' valid orders and their net sales, under each model. Fails with one row per
    measure that disagrees. -#}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

channel_daily as (

    select * from {{ ref('fct_marketing_channel_daily') }}

),

order_totals as (

    select
        sum(case when not is_cancelled then 1 else 0 end) as order_count,
        sum(case when not is_cancelled then net_sales_amount else 0 end) as net_sales_amount

    from orders

),

channel_totals as (

    {% for model in ['last_non_direct', 'first_touch'] %}
        select
            '{{ model }}' as attribution_model,
            sum({{ model }}_order_count) as order_count,
            sum({{ model }}_net_sales_amount) as net_sales_amount

        from channel_daily
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

compared as (

    select
        channel_totals.attribution_model,
        coalesce(channel_totals.order_count, 0) as mart_order_count,
        coalesce(order_totals.order_count, 0) as order_count,
        coalesce(channel_totals.net_sales_amount, 0) as mart_net_sales_amount,
        coalesce(order_totals.net_sales_amount, 0) as net_sales_amount

    from channel_totals
    cross join order_totals

)

select * from compared
where
    mart_order_count != order_count
    or mart_net_sales_amount != net_sales_amount
