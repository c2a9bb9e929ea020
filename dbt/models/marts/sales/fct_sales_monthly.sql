{#- Monthly sales on a dense calendar (every month from the first to the last order, zeros
    included), per currency, with growth against the previous month and the same month of the
    previous year (the series is dense, so those are the rows 1 and 12 months earlier).
    The query is shared with fct_sales_weekly (macro sales_by_period). -#}
{{ sales_by_period('month') }}
