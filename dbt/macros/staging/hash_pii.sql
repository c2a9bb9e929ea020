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
    {#- The salt as a SQL string literal; it must not contain quotes or backslashes. Only a local
        DuckDB warehouse may hash with the committed default salt (or none): anyone could
        recompute those hashes. -#}
    {%- set salt = var('pii_salt') | string -%}
    {%- if "'" in salt or "\\" in salt -%}
        {{ exceptions.raise_compiler_error("var pii_salt (env PII_SALT) must not contain quotes or backslashes") }}
    {%- endif -%}
    {%- set duckdb_path = (target.get('path') or '') | string | lower -%}
    {%- set is_local = target.type == 'duckdb' and not duckdb_path.startswith('md:') -%}
    {%- if execute and not is_local and salt in ('', 'local-development-salt') -%}
        {{ exceptions.raise_compiler_error(
            "PII_SALT is not set: target '" ~ target.name ~ "' (" ~ target.type ~ ") would hash PII with the"
            ~ " committed default salt, which anyone can use to recompute the hashes. Set the environment"
            ~ " variable PII_SALT to the secret salt (on Composer the DAGs read it from Secret Manager,"
            ~ " Airflow Variable pii_salt; terraform/README.md 'Set the PII salt'). Only a local DuckDB target may run"
            ~ " without it."
        ) }}
    {%- endif -%}
    '{{ salt }}'
{%- endmacro %}
