{#- Fails with one row per (currency, spend_date) of ad spend without an exchange rate into the
    reporting currency (no rate that day nor at most fx_rate_max_carry_forward_days before), so
    its spend_reporting_amount (and the ROAS, CPA and CAC in the reporting currency) would be
    null: add the rates to the fx_rates feed. Spend converts at its spend day's rate. -#}
with

ad_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_daily') }}

),

final as (

    select
        ad_spend.currency,
        ad_spend.spend_date,
        count(*) as spend_row_count,
        sum(ad_spend.spend_amount) as spend_amount

    from ad_spend
    left join fx_rates
        on
            ad_spend.currency = fx_rates.currency
            and ad_spend.spend_date = fx_rates.date_day
    where fx_rates.fx_rate is null
    group by ad_spend.currency, ad_spend.spend_date

)

select * from final
