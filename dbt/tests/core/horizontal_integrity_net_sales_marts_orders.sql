{#- The marts that carry net sales add up to the order fact: summed over each mart, net sales
    equal those of fct_orders' orders in the mart's scope (every order, or the orders of known
    customers: guest checkouts belong to no customer), or those of fct_order_items' lines for the
    product marts (order-level refund adjustments belong to no product). Fails with each mart that
    disagrees. -#}
{%- set marts = {
    'dim_customer_lifetime': 'known_customers',
    'dim_customer_360': 'known_customers',
    'fct_customer_cohorts': 'known_customers',
    'dim_product_performance': 'all_lines',
    'dim_product_category_performance': 'all_lines',
    'fct_order_attribution': 'all_orders',
} -%}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

order_items as (

    select * from {{ ref('fct_order_items') }}

),

order_totals as (

    select
        sum(net_sales_amount) as all_orders,
        sum(case when customer_id is not null then net_sales_amount else 0 end) as known_customers,
        (select sum(order_items.net_sales_amount) from order_items) as all_lines

    from orders

),

mart_totals as (

    {% for mart, scope in marts.items() %}
        select
            '{{ mart }}' as mart_name,
            '{{ scope }}' as scope_name,
            sum(net_sales_amount) as net_sales_amount

        from {{ ref(mart) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

compared as (

    select
        mart_totals.mart_name,
        mart_totals.scope_name,
        coalesce(mart_totals.net_sales_amount, 0) as mart_net_sales_amount,
        case
            when mart_totals.scope_name = 'known_customers' then order_totals.known_customers
            when mart_totals.scope_name = 'all_lines' then order_totals.all_lines
            else order_totals.all_orders
        end as order_net_sales_amount

    from mart_totals
    cross join order_totals

)

select * from compared
where mart_net_sales_amount != coalesce(order_net_sales_amount, 0)
