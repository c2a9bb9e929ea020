{#- Numbers each customer's valid orders (not cancelled) in time order: the basis of new vs
    returning customers. See DECISIONLOG.md "New vs returning customers". -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

valid_customer_orders as (

    select
        order_id,
        customer_id,
        ordered_at

    from orders
    where
        customer_id is not null
        and order_status != 'cancelled'

),

sequenced as (

    select
        order_id,
        customer_id,
        row_number() over (
            partition by customer_id
            order by ordered_at, order_id
        ) as customer_order_number,
        min(ordered_at) over (partition by customer_id) as customer_first_ordered_at,
        lag(ordered_at) over (
            partition by customer_id
            order by ordered_at, order_id
        ) as previous_ordered_at,
        ordered_at

    from valid_customer_orders

),

final as (

    select
        order_id,
        customer_id,
        cast(customer_order_number as {{ dbt.type_bigint() }}) as customer_order_number,
        customer_order_number = 1 as is_new_customer_order,
        customer_order_number > 1 as is_returning_customer_order,
        ordered_at,
        previous_ordered_at,
        customer_first_ordered_at

    from sequenced

)

select * from final
