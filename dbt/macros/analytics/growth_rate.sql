{% macro growth_rate(current, comparison) -%}
    {#- (current - comparison) / comparison as a 64-bit float; null when the comparison is 0 or
        null. Args: SQL expressions of the current and the comparison value (amounts or counts). -#}
    cast({{ current }} - {{ comparison }} as {{ type_double() }})
    / nullif(cast({{ comparison }} as {{ type_double() }}), 0)
{%- endmacro %}
