{#- Category scorecard: the product scorecard summed per top-level category, with the same
    ratios and a performance category by percent rank of net sales among categories. -#}
with

products as (

    select * from {{ ref('dim_product_performance') }}

),

order_items as (

    select * from {{ ref('int_order_items_priced') }}

),

catalogue as (

    select * from {{ ref('dim_products') }}

),

category_orders as (

    select
        catalogue.category,
        count(distinct order_items.order_id) as order_count

    from order_items
    inner join catalogue
        on order_items.product_id = catalogue.product_id
    where
        not order_items.is_cancelled
        and cast(order_items.ordered_at as date) <= (select max(products.observation_date) from products)
    group by catalogue.category

),

aggregated as (

    select
        category,
        max(currency) as currency,
        count(*) as product_count,
        sum(case when order_count > 0 then 1 else 0 end) as sold_product_count,
        sum(units_sold) as units_sold,
        sum(net_units_sold) as net_units_sold,
        sum(returned_units) as returned_units,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(net_sales_amount) as net_sales_amount,
        sum(cost_of_goods_amount) as cost_of_goods_amount,
        sum(gross_margin_amount) as gross_margin_amount,
        max(last_sold_date) as last_sold_date,
        max(observation_date) as observation_date

    from products
    group by category

),

scored as (

    select
        aggregated.*,
        coalesce(category_orders.order_count, 0) as order_count,
        percent_rank() over (order by aggregated.net_sales_amount) as net_sales_percent_rank,
        sum(aggregated.net_sales_amount) over () as total_net_sales_amount

    from aggregated
    left join category_orders
        on aggregated.category = category_orders.category

),

final as (

    select
        category,
        currency,
        case
            when net_sales_percent_rank >= {{ var('product_performance_top_min_percentile') }} then 'Top'
            when net_sales_percent_rank >= {{ var('product_performance_good_min_percentile') }} then 'Good'
            when net_sales_percent_rank >= {{ var('product_performance_average_min_percentile') }} then 'Average'
            else 'Low'
        end as performance_category,
        cast(product_count as {{ dbt.type_bigint() }}) as product_count,
        cast(sold_product_count as {{ dbt.type_bigint() }}) as sold_product_count,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(units_sold as {{ dbt.type_bigint() }}) as units_sold,
        cast(net_units_sold as {{ dbt.type_bigint() }}) as net_units_sold,
        cast(returned_units as {{ dbt.type_bigint() }}) as returned_units,
        cast(gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(net_sales_amount as {{ type_money() }}) as net_sales_amount,
        cast(cost_of_goods_amount as {{ type_money() }}) as cost_of_goods_amount,
        cast(gross_margin_amount as {{ type_money() }}) as gross_margin_amount,
        cast(gross_margin_amount as {{ type_double() }})
        / nullif(cast(net_sales_amount as {{ type_double() }}), 0) as gross_margin_rate,
        cast(returned_units as {{ type_double() }}) / nullif(units_sold, 0) as return_rate,
        cast(net_sales_amount as {{ type_double() }})
        / nullif(cast(total_net_sales_amount as {{ type_double() }}), 0) as net_sales_share,
        cast(net_sales_percent_rank as {{ type_double() }}) as net_sales_percent_rank,
        cast(
            {{ dbt.datediff('last_sold_date', 'observation_date', 'day') }}
            as {{ dbt.type_bigint() }}
        ) as days_since_last_sale,
        last_sold_date,
        observation_date

    from scored

)

select * from final
