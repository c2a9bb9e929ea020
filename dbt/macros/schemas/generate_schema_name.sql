{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- Folder schemas get exactly their configured name (staging, intermediate, marts,
        reference), with an optional prefix from the var `schema_prefix` (e.g. "dev_" for
        BigQuery datasets per environment). Without a custom schema: the target's schema. -#}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ var('schema_prefix', '') ~ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
