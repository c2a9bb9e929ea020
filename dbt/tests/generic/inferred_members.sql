{% test inferred_members(model, column_name) %}
    {#- Lists the dimension's inferred members: rows whose boolean `column_name` (is the member
        in its feed?) is false, i.e. ids the facts reference before the dimension feed has them. -#}
    select *
    from {{ model }}
    where not {{ column_name }}
{% endtest %}
