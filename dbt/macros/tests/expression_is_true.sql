{% test expression_is_true(model, expression, column_name=none) %}
    {#- Fails with every row for which the boolean SQL `expression` is not true
        (false or null). Args: expression (SQL over the model's columns); when the test is
        attached to a column, `column_name` is only used for the test's name. -#}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
{% endtest %}
