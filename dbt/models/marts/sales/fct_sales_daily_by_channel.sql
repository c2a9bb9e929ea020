{#- Daily sales per sales channel and currency on a dense calendar: every day from the first
    to the last order for every sales channel that ever ordered, zeros included. Growth against
    the previous day and against the same weekday one year earlier (364 days: retail's comparable
    day); the series is dense, so those are the rows 1 and 364 days earlier.
    The query is shared with fct_sales_daily_by_country (macro sales_daily_by_dimension). -#}
{{ sales_daily_by_dimension(
    dimension='sales_channel',
    dimension_expr="coalesce(orders.channel, 'unknown')"
) }}
