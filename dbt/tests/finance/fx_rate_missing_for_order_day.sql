{#- Fails with one row per (currency, order_date) whose orders have no exchange rate into the
    reporting currency (no rate that day nor at most fx_rate_max_carry_forward_days before), so
    their *_reporting_amount would be null: add the rates to the fx_rates feed. -#}
select
    currency,
    order_date,
    count(*) as order_count
from {{ ref('int_orders_enriched') }}
where fx_rate is null
group by currency, order_date
