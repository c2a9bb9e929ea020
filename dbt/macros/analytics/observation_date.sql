{% macro observation_date(latest_date_expr) -%}
    {#- The as-of date of customer recency, health, RFM and BTYD: the var `observation_date`
        when set (ISO date), else `latest_date_expr` (an aggregate over the model's own input,
        e.g. the latest order date), so a rebuild of the same data gives the same answer. -#}
    {%- set configured = var('observation_date', none) -%}
    {%- if configured -%}
        {#- Still an aggregate expression, so the caller's query returns one row either way. -#}
        coalesce(cast('{{ configured }}' as date), {{ latest_date_expr }})
    {%- else -%}
        {{ latest_date_expr }}
    {%- endif -%}
{%- endmacro %}
