{#- The project calendar, read by dim_date and by every model that rolls days up to weeks or
    months. Follows the data: every day of int_calendar_bounds (whole years, from the
    earliest year with an order, return, web event, ad spend day or ticket to the year after the
    latest one; the date_spine_* vars only widen it), with the ISO 8601 week of every day: weeks
    start on Monday, and a week belongs to the year of its Thursday (so ISO week 1 holds the
    year's first Thursday, and some years have 53 weeks). -#}
with

bounds as (

    select * from {{ ref('int_calendar_bounds') }}

),

digits as (

    {% for d in range(10) -%}
        select {{ d }} as digit{{ ' union all' if not loop.last }}
    {% endfor %}

),

numbers as (

    {#- 0 to 99,999: a calendar of up to 273 years. -#}
    select
        ones.digit
        + 10 * tens.digit
        + 100 * hundreds.digit
        + 1000 * thousands.digit
        + 10000 * ten_thousands.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands

),

date_spine as (

    select cast({{ dbt.dateadd('day', 'numbers.day_offset', 'bounds.spine_start_date') }} as date) as date_day
    from numbers
    cross join bounds
    where numbers.day_offset < {{ dbt.datediff('bounds.spine_start_date', 'bounds.spine_end_date', 'day') }}

),

calendar as (

    select
        date_day,
        cast(extract(year from date_day) as {{ dbt.type_bigint() }}) as year_number,
        cast(extract(quarter from date_day) as {{ dbt.type_bigint() }}) as quarter_number,
        cast(extract(month from date_day) as {{ dbt.type_bigint() }}) as month_number,
        cast(extract(day from date_day) as {{ dbt.type_bigint() }}) as day_of_month,
        {{ iso_day_of_week('date_day') }} as iso_day_of_week

    from date_spine

),

weeks as (

    select
        *,
        cast({{ dbt.dateadd('day', '1 - iso_day_of_week', 'date_day') }} as date) as week_start_date,
        cast({{ dbt.dateadd('day', '4 - iso_day_of_week', 'date_day') }} as date) as week_thursday_date

    from calendar

),

iso_weeks as (

    select
        *,
        cast(extract(year from week_thursday_date) as {{ dbt.type_bigint() }}) as iso_year,
        cast(
            floor(
                {{ dbt.datediff(
                    'cast(' ~ dbt.date_trunc('year', 'week_thursday_date') ~ ' as date)',
                    'week_thursday_date',
                    'day'
                ) }} / 7
            ) + 1 as {{ dbt.type_bigint() }}
        ) as iso_week

    from weeks

),

final as (

    select
        date_day,
        case iso_day_of_week
            when 1 then 'Monday'
            when 2 then 'Tuesday'
            when 3 then 'Wednesday'
            when 4 then 'Thursday'
            when 5 then 'Friday'
            when 6 then 'Saturday'
            else 'Sunday'
        end as day_name,
        case month_number
            when 1 then 'January'
            when 2 then 'February'
            when 3 then 'March'
            when 4 then 'April'
            when 5 then 'May'
            when 6 then 'June'
            when 7 then 'July'
            when 8 then 'August'
            when 9 then 'September'
            when 10 then 'October'
            when 11 then 'November'
            else 'December'
        end as month_name,
        year_number,
        quarter_number,
        month_number,
        day_of_month,
        cast(iso_day_of_week as {{ dbt.type_bigint() }}) as iso_day_of_week,
        iso_year,
        iso_week,
        iso_day_of_week in (6, 7) as is_weekend,
        week_start_date,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start_date

    from iso_weeks

)

select * from final
