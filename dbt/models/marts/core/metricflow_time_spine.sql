{#- MetricFlow's time spine: one row per day of the project calendar (dim_date). -#}
with

calendar as (

    select * from {{ ref('dim_date') }}

),

final as (

    select date_day
    from calendar

)

select * from final
