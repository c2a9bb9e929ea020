{% macro hash_pii(column_sql) -%}
    {#- Pseudonymise a PII column: salted SHA-256, hex-encoded (64 characters).
        The value is trimmed and lower-cased first, so "Ann@X.com " and "ann@x.com" match;
        null and blank values stay null. The salt is the var `pii_salt` (env PII_SALT). -#}
    {{ return(adapter.dispatch('hash_pii', 'ecommerce_warehouse')(column_sql)) }}
{%- endmacro %}

{% macro default__hash_pii(column_sql) -%}
    case
        when nullif(trim({{ column_sql }}), '') is not null
            then sha256({{ pii_salt_literal() }} || lower(trim({{ column_sql }})))
    end
{%- endmacro %}

{% macro bigquery__hash_pii(column_sql) -%}
    case
        when nullif(trim({{ column_sql }}), '') is not null
            then to_hex(sha256({{ pii_salt_literal() }} || lower(trim({{ column_sql }}))))
    end
{%- endmacro %}

{% macro pii_salt_literal() -%}
    {#- The salt as a SQL string literal; it must not contain quotes or backslashes. -#}
    {%- set salt = var('pii_salt') | string -%}
    {%- if "'" in salt or "\\" in salt -%}
        {{ exceptions.raise_compiler_error("var pii_salt (env PII_SALT) must not contain quotes or backslashes") }}
    {%- endif -%}
    '{{ salt }}'
{%- endmacro %}
