{% macro date_spine(start_date, end_date) -%}
    {#- One row per calendar day, start_date <= date_day < end_date, as a select statement
        (usable inside a CTE). Args: ISO date strings 'YYYY-MM-DD'. Portable: numbers from
        cross-joined digits, days from dbt.dateadd. -#}
    {%- set start = modules.datetime.date.fromisoformat(start_date | string) -%}
    {%- set end = modules.datetime.date.fromisoformat(end_date | string) -%}
    {%- set n_days = (end - start).days -%}
    {%- if n_days <= 0 -%}
        {{ exceptions.raise_compiler_error("date_spine: end_date " ~ end_date ~ " must be after start_date " ~ start_date) }}
    {%- endif -%}
    {%- set n_digits = (n_days - 1) | string | length -%}
    select
        cast({{ dbt.dateadd('day', 'day_offset', "cast('" ~ start ~ "' as date)") }} as date) as date_day
    from (
        select
            {% for i in range(n_digits) -%}
                {{ '+ ' if not loop.first }}{{ 10 ** i }} * digits_{{ i }}.digit
            {% endfor %} as day_offset
        from
            {% for i in range(n_digits) -%}
                {{ 'cross join ' if not loop.first }}(
                    {% for d in range(10) -%}
                        select {{ d }} as digit {{ 'union all ' if not loop.last }}
                    {%- endfor %}
                ) as digits_{{ i }}
            {% endfor %}
    ) as numbers
    where day_offset < {{ n_days }}
{%- endmacro %}
