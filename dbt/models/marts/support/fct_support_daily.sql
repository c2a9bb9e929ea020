{#- Support operations per day, ticket channel and priority on a dense calendar (every day
    from the first ticket to the last ticket activity, for every channel x priority seen, zeros
    included). Volumes are dated on creation; resolutions and CSAT on the solve date; first
    response on the creation date. Backlog = tickets created up to the end of the day and not
    solved by then. Sums and counts are kept beside the averages so they re-aggregate.
    Durations are summed as whole seconds (exact, in any order) and turned into minutes and
    hours by one division at the end, so every engine gives the same float. -#}
with

tickets as (

    select * from {{ ref('fct_support_tickets') }}

),

orders as (

    select * from {{ ref('int_orders_priced') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

bounds as (

    select
        min(created_date) as first_date,
        max(greatest(created_date, coalesce(solved_date, created_date))) as last_date

    from tickets

),

days as (

    select calendar.date_day
    from calendar
    inner join bounds
        on calendar.date_day between bounds.first_date and bounds.last_date

),

slices as (

    select distinct
        channel,
        priority

    from tickets

),

grid as (

    select
        days.date_day,
        slices.channel,
        slices.priority

    from days
    cross join slices

),

created as (

    select
        created_date as date_day,
        channel,
        priority,
        count(*) as created_ticket_count,
        sum(case when has_first_response then 1 else 0 end) as first_responded_ticket_count,
        sum(cast(round(first_response_minutes * 60) as {{ dbt.type_bigint() }})) as first_response_seconds_sum

    from tickets
    group by created_date, channel, priority

),

solved as (

    select
        solved_date as date_day,
        channel,
        priority,
        count(*) as solved_ticket_count,
        sum(cast(round(resolution_hours * 3600) as {{ dbt.type_bigint() }})) as resolution_seconds_sum,
        sum(case when is_rated then 1 else 0 end) as rated_ticket_count,
        sum(case when is_satisfied then 1 else 0 end) as satisfied_ticket_count,
        sum(satisfaction_score) as satisfaction_score_sum

    from tickets
    where is_solved
    group by solved_date, channel, priority

),

daily_orders as (

    select
        {{ shop_date('ordered_at') }} as date_day,
        count(*) as order_count

    from orders
    where not is_cancelled
    group by {{ shop_date('ordered_at') }}

),

joined as (

    select
        grid.date_day,
        grid.channel,
        grid.priority,
        coalesce(created.created_ticket_count, 0) as created_ticket_count,
        coalesce(solved.solved_ticket_count, 0) as solved_ticket_count,
        coalesce(created.first_responded_ticket_count, 0) as first_responded_ticket_count,
        cast(coalesce(created.first_response_seconds_sum, 0) as {{ type_double() }}) / 60
            as first_response_minutes_sum,
        cast(coalesce(solved.resolution_seconds_sum, 0) as {{ type_double() }}) / 3600 as resolution_hours_sum,
        coalesce(solved.rated_ticket_count, 0) as rated_ticket_count,
        coalesce(solved.satisfied_ticket_count, 0) as satisfied_ticket_count,
        coalesce(solved.satisfaction_score_sum, 0) as satisfaction_score_sum,
        coalesce(daily_orders.order_count, 0) as order_count

    from grid
    left join created
        on
            grid.date_day = created.date_day
            and grid.channel = created.channel
            and grid.priority = created.priority
    left join solved
        on
            grid.date_day = solved.date_day
            and grid.channel = solved.channel
            and grid.priority = solved.priority
    left join daily_orders
        on grid.date_day = daily_orders.date_day

),

with_backlog as (

    select
        *,
        sum(created_ticket_count - solved_ticket_count) over (
            partition by channel, priority
            order by date_day
            rows between unbounded preceding and current row
        ) as backlog_ticket_count

    from joined

),

final as (

    select
        channel,
        priority,
        cast(created_ticket_count as {{ dbt.type_bigint() }}) as created_ticket_count,
        cast(solved_ticket_count as {{ dbt.type_bigint() }}) as solved_ticket_count,
        cast(backlog_ticket_count as {{ dbt.type_bigint() }}) as backlog_ticket_count,
        cast(first_responded_ticket_count as {{ dbt.type_bigint() }}) as first_responded_ticket_count,
        cast(rated_ticket_count as {{ dbt.type_bigint() }}) as rated_ticket_count,
        cast(satisfied_ticket_count as {{ dbt.type_bigint() }}) as satisfied_ticket_count,
        cast(order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(first_response_minutes_sum as {{ type_double() }}) as first_response_minutes_sum,
        cast(resolution_hours_sum as {{ type_double() }}) as resolution_hours_sum,
        cast(satisfaction_score_sum as {{ type_double() }}) as satisfaction_score_sum,
        first_response_minutes_sum / nullif(first_responded_ticket_count, 0) as average_first_response_minutes,
        resolution_hours_sum / nullif(solved_ticket_count, 0) as average_resolution_hours,
        cast(satisfied_ticket_count as {{ type_double() }}) / nullif(rated_ticket_count, 0) as csat_rate,
        cast(satisfaction_score_sum as {{ type_double() }}) / nullif(rated_ticket_count, 0)
            as average_satisfaction_score,
        100 * cast(created_ticket_count as {{ type_double() }}) / nullif(order_count, 0) as tickets_per_100_orders,
        date_day as activity_date

    from with_backlog

)

select * from final
