{#- Customers of the customer feed, plus "inferred members" for customer ids that orders
    reference but the feed lacks, with their order history from the shared intermediate models. -#}
with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

orders as (

    select * from {{ ref('int_orders_priced') }}

),

order_customers as (

    select distinct customer_id
    from orders
    where customer_id is not null

),

inferred_customers as (

    select order_customers.customer_id
    from order_customers
    left join customers
        on order_customers.customer_id = customers.customer_id
    where customers.customer_id is null

),

customer_orders as (

    select
        customer_id,
        max(currency) as currency,
        count(*) as valid_order_count,
        sum(gross_sales_amount) as lifetime_gross_sales_amount,
        sum(net_sales_amount) as lifetime_net_sales_amount,
        min(ordered_at) as first_ordered_at,
        max(ordered_at) as last_ordered_at

    from orders
    where
        customer_id is not null
        and not is_cancelled
    group by customer_id

),

all_customers as (

    select
        customer_id,
        email_hash,
        email_domain,
        country_code,
        city,
        has_accepted_marketing,
        true as is_in_customer_feed,
        created_at,
        updated_at

    from customers

    union all

    select
        customer_id,
        cast(null as {{ dbt.type_string() }}) as email_hash,
        cast(null as {{ dbt.type_string() }}) as email_domain,
        cast(null as {{ dbt.type_string() }}) as country_code,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_boolean() }}) as has_accepted_marketing,
        false as is_in_customer_feed,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        cast(null as {{ dbt.type_timestamp() }}) as updated_at

    from inferred_customers

),

final as (

    select
        all_customers.customer_id,
        all_customers.email_hash,
        all_customers.email_domain,
        all_customers.country_code,
        all_customers.city,
        customer_orders.currency,
        cast(coalesce(customer_orders.valid_order_count, 0) as {{ dbt.type_bigint() }}) as valid_order_count,
        cast(
            coalesce(customer_orders.lifetime_gross_sales_amount, 0) as {{ type_money() }}
        ) as lifetime_gross_sales_amount,
        cast(
            coalesce(customer_orders.lifetime_net_sales_amount, 0) as {{ type_money() }}
        ) as lifetime_net_sales_amount,
        all_customers.has_accepted_marketing,
        all_customers.is_in_customer_feed,
        coalesce(customer_orders.valid_order_count, 0) > 1 as is_repeat_customer,
        {{ shop_date('customer_orders.first_ordered_at') }} as first_order_date,
        customer_orders.first_ordered_at,
        customer_orders.last_ordered_at,
        all_customers.created_at,
        all_customers.updated_at

    from all_customers
    left join customer_orders
        on all_customers.customer_id = customer_orders.customer_id

)

select * from final
