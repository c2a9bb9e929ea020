{% test unique_combination_of_columns(model, combination_of_columns) %}
    {#- Fails with one row per key combination that occurs more than once.
        Args: combination_of_columns (list of column names forming a composite key). -#}
    {%- set columns_csv = combination_of_columns | join(', ') %}

    select
        {{ columns_csv }},
        count(*) as n_records
    from {{ model }}
    group by {{ columns_csv }}
    having count(*) > 1
{% endtest %}
