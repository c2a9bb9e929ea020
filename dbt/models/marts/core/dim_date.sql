{#- The project calendar (int_calendar_days) as a dimension. -#}
with

calendar as (

    select * from {{ ref('int_calendar_days') }}

),

final as (

    select
        date_day,
        day_name,
        month_name,
        year_number,
        quarter_number,
        month_number,
        day_of_month,
        iso_day_of_week,
        iso_year,
        iso_week,
        is_weekend,
        week_start_date,
        month_start_date,
        quarter_start_date,
        year_start_date

    from calendar

)

select * from final
