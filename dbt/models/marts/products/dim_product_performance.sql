{#- Product scorecard: the product rows of the shared product and category scorecards
    (int_products_scored: net sales, cost, gross margin, return rate, share and tier). -#}
with

scorecards as (

    select * from {{ ref('int_products_scored') }}

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
        performance_category,
        order_count,
        units_sold,
        net_units_sold,
        returned_units,
        gross_sales_amount,
        net_sales_amount,
        reporting_currency,
        gross_sales_reporting_amount,
        return_reporting_amount,
        net_sales_reporting_amount,
        cost_of_goods_amount,
        gross_margin_amount,
        gross_margin_rate,
        return_rate,
        net_sales_share,
        net_sales_percent_rank,
        days_since_last_sale,
        is_active,
        last_sold_date,
        observation_date

    from scorecards
    where performance_scope = 'product'

)

select * from final
