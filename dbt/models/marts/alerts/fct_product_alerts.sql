{#- Spike detection per product and hour (rules: DECISIONLOG.md "Spike alerts").
    Baseline: the same hour of day on each of the previous `alert_baseline_days` days (hours
    without activity count as 0). An hour is a spike when all three hold:
    observed >= alert_min_count; z = (observed - baseline mean) / max(baseline sample standard
    deviation, alert_min_stddev) >= alert_z_score_threshold; observed >= alert_min_ratio x
    baseline mean. Hours whose baseline window starts before the metric's first data are not
    evaluated. Incremental runs recompute whole alert days from the window start W on (the
    order lookback, as for the hourly activity they read) with `alert_baseline_days` of activity
    before W as baseline, plus the days of stored alerts whose product title or category has
    changed since. -#}
{%- set baseline_days = var('alert_baseline_days') %}
{{ config(**incremental_from_day('alert_date', lookback_days=var('order_incremental_lookback_days'))) }}

with

all_activity as (

    select * from {{ ref('int_product_activity_hourly') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

{%- if is_incremental() %}

stale_alert_days as (

    select distinct stored.alert_date
    from {{ this }} as stored
    left join products
        on stored.product_id = products.product_id
    where
        stored.product_title is distinct from products.product_title
        or stored.category is distinct from products.category

),

recomputed_days_start as (

    select
        coalesce(
            least(min(stale_alert_days.alert_date), {{ incremental_window_from() }}),
            {{ incremental_window_from() }}
        ) as first_day

    from stale_alert_days

),

{%- endif %}

activity as (

    select * from all_activity
    {%- if is_incremental() %}
    where all_activity.activity_date >= (
        select {{ dbt.dateadd('day', -baseline_days, 'recomputed_days_start.first_day') }}
        from recomputed_days_start
    )
    {%- endif %}

),

history_starts as (

    select
        metric_name,
        min(activity_date) as first_activity_date

    from all_activity
    group by metric_name

),

candidates as (

    select activity.*
    from activity
    inner join history_starts
        on activity.metric_name = history_starts.metric_name
    where
        activity.observed_count >= {{ var('alert_min_count') }}
        {%- if is_incremental() %}
        and (
            activity.activity_date >= {{ incremental_window_from() }}
            or activity.activity_date in (select stale_alert_days.alert_date from stale_alert_days)
        )
        {%- endif %}
        and {{ dbt.datediff('history_starts.first_activity_date', 'activity.activity_date', 'day') }}
        >= {{ baseline_days }}

),

baselines as (

    select
        candidates.product_id,
        candidates.metric_name,
        candidates.observed_count,
        candidates.activity_hour_at,
        cast(coalesce(sum(history.observed_count), 0) as {{ type_double() }}) as baseline_sum,
        cast(
            coalesce(sum(history.observed_count * history.observed_count), 0) as {{ type_double() }}
        ) as baseline_sum_of_squares

    from candidates
    left join activity as history
        on
            candidates.product_id = history.product_id
            and candidates.metric_name = history.metric_name
            and candidates.hour_of_day = history.hour_of_day
            and {{ dbt.datediff('history.activity_date', 'candidates.activity_date', 'day') }}
            between 1 and {{ baseline_days }}
    group by
        candidates.product_id,
        candidates.metric_name,
        candidates.observed_count,
        candidates.activity_hour_at

),

statistics as (

    select
        product_id,
        metric_name,
        observed_count,
        activity_hour_at,
        baseline_sum / {{ baseline_days }} as baseline_mean,
        sqrt(
            greatest(
                (baseline_sum_of_squares - baseline_sum * baseline_sum / {{ baseline_days }})
                / ({{ baseline_days }} - 1),
                0
            )
        ) as baseline_stddev

    from baselines

),

scored as (

    select
        *,
        (observed_count - baseline_mean)
        / greatest(baseline_stddev, {{ var('alert_min_stddev') }}) as z_score

    from statistics

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            dbt.cast('scored.product_id', dbt.type_string()), "'|'", 'scored.metric_name', "'|'",
            format_timestamp_iso('scored.activity_hour_at'),
        ])) }} as alert_id,
        scored.product_id,
        scored.metric_name,
        products.product_title,
        products.category,
        scored.observed_count,
        scored.baseline_mean,
        scored.baseline_stddev,
        scored.z_score,
        scored.observed_count / nullif(scored.baseline_mean, 0) as observed_to_baseline_ratio,
        cast({{ baseline_days }} as {{ dbt.type_bigint() }}) as baseline_days,
        cast({{ var('alert_z_score_threshold') }} as {{ type_double() }}) as z_score_threshold,
        cast({{ var('alert_min_ratio') }} as {{ type_double() }}) as min_ratio_threshold,
        {{ shop_date('scored.activity_hour_at') }} as alert_date,
        scored.activity_hour_at as alert_hour_at

    from scored
    left join products
        on scored.product_id = products.product_id
    where
        scored.z_score >= {{ var('alert_z_score_threshold') }}
        and scored.observed_count >= {{ var('alert_min_ratio') }} * scored.baseline_mean

)

select * from final
{{ incremental_backfill_filter() }}
