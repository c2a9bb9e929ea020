{% macro sum_if_complete(amount) -%}
    {#- Sum of an amount over the group's rows, null when any row's amount is null (a reporting
        amount whose exchange rate is missing): a group is never reported smaller than it is.
        Arg: SQL expression of a per-row amount (decimal). -#}
    case when count({{ amount }}) = count(*) then sum({{ amount }}) end
{%- endmacro %}
