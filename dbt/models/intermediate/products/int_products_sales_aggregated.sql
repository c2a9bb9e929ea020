{#- Lifetime sales per product up to the observation date, from the shared line-level revenue
    components (int_order_items_priced). Units and orders count valid orders (not cancelled);
    returned units, returns, net units and net sales follow the refund lines of the refunds feed
    (the whole line on a `returned` order the feed does not cover). Gross sales, returns and net
    sales in the reporting currency sum each line's conversion across currencies; null when a line
    lacks its rate, never a smaller sum. -#}
with

order_items as (

    select * from {{ ref('int_order_items_priced') }}

),

observation as (

    select {{ observation_date('max(' ~ shop_date('ordered_at') ~ ')') }} as observation_date
    from order_items

),

valid_lines as (

    select order_items.*
    from order_items
    cross join observation
    where
        not order_items.is_cancelled
        and {{ shop_date('order_items.ordered_at') }} <= observation.observation_date

),

aggregated as (

    select
        product_id,
        count(distinct order_id) as order_count,
        sum(quantity) as units_sold,
        sum(net_quantity) as net_units_sold,
        sum(returned_quantity) as returned_units,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(discount_amount) as discount_amount,
        sum(return_amount) as return_amount,
        sum(net_sales_amount) as net_sales_amount,
        {{ sum_if_complete('gross_sales_reporting_amount') }} as gross_sales_reporting_amount,
        {{ sum_if_complete('return_reporting_amount') }} as return_reporting_amount,
        {{ sum_if_complete('net_sales_reporting_amount') }} as net_sales_reporting_amount,
        max({{ shop_date('ordered_at') }}) as last_sold_date

    from valid_lines
    group by product_id

),

final as (

    select
        aggregated.product_id,
        cast(aggregated.order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(aggregated.units_sold as {{ dbt.type_bigint() }}) as units_sold,
        cast(aggregated.net_units_sold as {{ dbt.type_bigint() }}) as net_units_sold,
        cast(aggregated.returned_units as {{ dbt.type_bigint() }}) as returned_units,
        cast(aggregated.gross_sales_amount as {{ type_money() }}) as gross_sales_amount,
        cast(aggregated.discount_amount as {{ type_money() }}) as discount_amount,
        cast(aggregated.return_amount as {{ type_money() }}) as return_amount,
        cast(aggregated.net_sales_amount as {{ type_money() }}) as net_sales_amount,
        cast(aggregated.gross_sales_reporting_amount as {{ type_money() }}) as gross_sales_reporting_amount,
        cast(aggregated.return_reporting_amount as {{ type_money() }}) as return_reporting_amount,
        cast(aggregated.net_sales_reporting_amount as {{ type_money() }}) as net_sales_reporting_amount,
        aggregated.last_sold_date,
        observation.observation_date

    from aggregated
    cross join observation

)

select * from final
