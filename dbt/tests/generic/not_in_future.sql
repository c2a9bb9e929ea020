{% test not_in_future(model, column_name, tolerance_days=1) %}
    {#- Fails with every row whose date or timestamp `column_name` lies more than
        `tolerance_days` days after the moment the test runs (clock skew and time zones stay
        within the tolerance). Null values pass. -#}
    select *
    from {{ model }}
    where
        cast({{ column_name }} as {{ dbt.type_timestamp() }})
        > {{ dbt.dateadd('day', tolerance_days, dbt.current_timestamp()) }}
{% endtest %}
