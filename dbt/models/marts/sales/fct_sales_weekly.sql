{#- Weekly sales on a dense ISO-week calendar (every week from the first to the last order,
    zeros included), per currency, with growth against the previous week and against the same
    ISO week number of the previous ISO year (null for week 53 when that year had 52).
    The query is shared with fct_sales_monthly (macro sales_by_period). -#}
{{ sales_by_period('week') }}
