{#- Ticket-level service metrics (Zendesk definitions): first response time = first public
    agent reply - creation; full resolution time = last solve - creation. A ticket in status
    solved/closed without solved_at is taken as solved at its last update. -#}
with

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

resolved as (

    select
        *,
        coalesce(
            solved_at,
            case when ticket_status in ('solved', 'closed') then updated_at end
        ) as effective_solved_at

    from tickets

),

final as (

    select
        ticket_id,
        customer_id,
        order_id,
        ticket_status,
        coalesce(priority, 'none') as priority,
        channel,
        satisfaction_score,
        cast(
            {{ dbt.datediff('created_at', 'first_responded_at', 'second') }}
            as {{ type_double() }}
        ) / 60.0 as first_response_minutes,
        cast(
            {{ dbt.datediff('created_at', 'effective_solved_at', 'second') }}
            as {{ type_double() }}
        ) / 3600.0 as resolution_hours,
        effective_solved_at is not null as is_solved,
        first_responded_at is not null as has_first_response,
        satisfaction_score is not null as is_rated,
        coalesce(satisfaction_score >= {{ var('csat_satisfied_min_score') }}, false) as is_satisfied,
        {{ shop_date('created_at') }} as created_date,
        {{ shop_date('effective_solved_at') }} as solved_date,
        created_at,
        first_responded_at,
        effective_solved_at as solved_at

    from resolved

)

select * from final
