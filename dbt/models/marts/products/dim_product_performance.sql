{#- Product scorecard (definitions: DECISIONLOG.md "Product performance"): net sales, cost at
    the current unit cost, gross margin, return rate, share of total net sales and a performance
    category by percent rank of net sales among all catalogue products (vars
    product_performance_*_min_percentile). -#}
with

products as (

    select * from {{ ref('dim_products') }}

),

sales as (

    select * from {{ ref('int_products_sales_aggregated') }}

),

joined as (

    select
        products.product_id,
        products.sku,
        products.product_title,
        products.category,
        products.subcategory,
        products.brand,
        products.currency,
        products.is_active,
        coalesce(sales.order_count, 0) as order_count,
        coalesce(sales.units_sold, 0) as units_sold,
        coalesce(sales.net_units_sold, 0) as net_units_sold,
        coalesce(sales.returned_units, 0) as returned_units,
        coalesce(sales.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(sales.net_sales_amount, 0) as net_sales_amount,
        coalesce(sales.net_units_sold, 0) * products.unit_cost_amount as cost_of_goods_amount,
        sales.last_sold_date,
        max(sales.observation_date) over () as observation_date

    from products
    left join sales
        on products.product_id = sales.product_id

),

scored as (

    select
        *,
        net_sales_amount - cost_of_goods_amount as gross_margin_amount,
        percent_rank() over (order by net_sales_amount) as net_sales_percent_rank,
        sum(net_sales_amount) over () as total_net_sales_amount

    from joined

),

final as (

    select
        product_id,
        sku,
        product_title,
        category,
        subcategory,
        brand,
        currency,
        case
            when net_sales_percent_rank >= {{ var('product_performance_top_min_percentile') }} then 'Top'
            when net_sales_percent_rank >= {{ var('product_performance_good_min_percentile') }} then 'Good'
            when net_sales_percent_rank >= {{ var('product_performance_average_min_percentile') }} then 'Average'
            else 'Low'
        end as performance_category,
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
        is_active,
        last_sold_date,
        observation_date

    from scored

)

select * from final
