{#- Product and category scorecards with one definition of their ratios and tiers (DECISIONLOG.md
    "Product performance"): one row per catalogue product (scope `product`) and one per top-level
    category (scope `category`, the products' figures summed). Cost at the current unit cost, gross
    margin, margin rate, return rate, share of the scope's total net sales and a performance tier
    by percent rank of net sales within the scope (vars product_performance_*_min_percentile).
    Gross sales, returns and net sales in the reporting currency beside the order-currency sums; the
    share, the percent rank and the tier are computed on net sales in the reporting currency, so
    products sold in several currencies are compared on one scale (DECISIONLOG.md "Rankings, ROAS
    and CLV in the reporting currency"). A row whose reporting amount is null (a line without its
    rate) gets no rank or tier (the others are ranked among themselves), and every share of its
    scope is null (the total is unknown). Cost and gross margin stay in the order currency. -#}
with

products as (

    select * from {{ ref('dim_products') }}

),

sales as (

    select * from {{ ref('int_products_sales_aggregated') }}

),

order_items as (

    select * from {{ ref('int_order_items_priced') }}

),

product_figures as (

    select
        'product' as performance_scope,
        products.product_id,
        products.sku,
        products.product_title,
        products.category,
        products.subcategory,
        products.brand,
        products.currency,
        products.is_active,
        cast(null as {{ dbt.type_bigint() }}) as product_count,
        cast(null as {{ dbt.type_bigint() }}) as sold_product_count,
        coalesce(sales.order_count, 0) as order_count,
        coalesce(sales.units_sold, 0) as units_sold,
        coalesce(sales.net_units_sold, 0) as net_units_sold,
        coalesce(sales.returned_units, 0) as returned_units,
        coalesce(sales.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(sales.net_sales_amount, 0) as net_sales_amount,
        case when sales.product_id is null then 0 else sales.gross_sales_reporting_amount end
            as gross_sales_reporting_amount,
        case when sales.product_id is null then 0 else sales.return_reporting_amount end
            as return_reporting_amount,
        case when sales.product_id is null then 0 else sales.net_sales_reporting_amount end
            as net_sales_reporting_amount,
        cast(
            coalesce(sales.net_units_sold, 0) * products.unit_cost_amount as {{ type_money() }}
        ) as cost_of_goods_amount,
        sales.last_sold_date,
        max(sales.observation_date) over () as observation_date

    from products
    left join sales
        on products.product_id = sales.product_id

),

product_scope as (

    select
        *,
        net_sales_amount - cost_of_goods_amount as gross_margin_amount

    from product_figures

),

category_orders as (

    select
        products.category,
        count(distinct order_items.order_id) as order_count

    from order_items
    inner join products
        on order_items.product_id = products.product_id
    where
        not order_items.is_cancelled
        and {{ shop_date('order_items.ordered_at') }}
        <= (select max(product_figures.observation_date) from product_figures)
    group by products.category

),

category_totals as (

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
        {{ sum_if_complete('gross_sales_reporting_amount') }} as gross_sales_reporting_amount,
        {{ sum_if_complete('return_reporting_amount') }} as return_reporting_amount,
        {{ sum_if_complete('net_sales_reporting_amount') }} as net_sales_reporting_amount,
        sum(cost_of_goods_amount) as cost_of_goods_amount,
        sum(gross_margin_amount) as gross_margin_amount,
        max(last_sold_date) as last_sold_date,
        max(observation_date) as observation_date

    from product_scope
    group by category

),

category_scope as (

    select
        'category' as performance_scope,
        cast(null as {{ type_key() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as sku,
        cast(null as {{ dbt.type_string() }}) as product_title,
        category_totals.category,
        cast(null as {{ dbt.type_string() }}) as subcategory,
        cast(null as {{ dbt.type_string() }}) as brand,
        category_totals.currency,
        cast(null as {{ dbt.type_boolean() }}) as is_active,
        category_totals.product_count,
        category_totals.sold_product_count,
        coalesce(category_orders.order_count, 0) as order_count,
        category_totals.units_sold,
        category_totals.net_units_sold,
        category_totals.returned_units,
        category_totals.gross_sales_amount,
        category_totals.net_sales_amount,
        category_totals.gross_sales_reporting_amount,
        category_totals.return_reporting_amount,
        category_totals.net_sales_reporting_amount,
        category_totals.cost_of_goods_amount,
        category_totals.last_sold_date,
        category_totals.observation_date,
        category_totals.gross_margin_amount

    from category_totals
    left join category_orders
        on category_totals.category = category_orders.category

),

scopes as (

    select * from product_scope
    union all
    select * from category_scope

),

scored as (

    select
        *,
        case
            when net_sales_reporting_amount is not null
                then
                    percent_rank() over (
                        partition by performance_scope, case when net_sales_reporting_amount is null then 1 else 0 end
                        order by net_sales_reporting_amount
                    )
        end as net_sales_percent_rank,
        case
            when
                count(net_sales_reporting_amount) over (partition by performance_scope)
                = count(*) over (partition by performance_scope)
                then sum(net_sales_reporting_amount) over (partition by performance_scope)
        end as total_net_sales_reporting_amount

    from scopes

),

final as (

    select
        performance_scope,
        product_id,
        sku,
        product_title,
        category,
        subcategory,
        brand,
        currency,
        case
            when net_sales_percent_rank is null then cast(null as {{ dbt.type_string() }})
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
        cast('{{ var("reporting_currency") | upper }}' as {{ dbt.type_string() }}) as reporting_currency,
        cast(gross_sales_reporting_amount as {{ type_money() }}) as gross_sales_reporting_amount,
        cast(return_reporting_amount as {{ type_money() }}) as return_reporting_amount,
        cast(net_sales_reporting_amount as {{ type_money() }}) as net_sales_reporting_amount,
        cast(cost_of_goods_amount as {{ type_money() }}) as cost_of_goods_amount,
        cast(gross_margin_amount as {{ type_money() }}) as gross_margin_amount,
        cast(gross_margin_amount as {{ type_double() }})
        / nullif(cast(net_sales_amount as {{ type_double() }}), 0) as gross_margin_rate,
        cast(returned_units as {{ type_double() }}) / nullif(units_sold, 0) as return_rate,
        cast(net_sales_reporting_amount as {{ type_double() }})
        / nullif(cast(total_net_sales_reporting_amount as {{ type_double() }}), 0) as net_sales_share,
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
