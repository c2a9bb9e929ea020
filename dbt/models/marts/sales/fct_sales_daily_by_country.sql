{#- Daily sales per country and currency on a dense calendar: every day from the first
    to the last order for every country that ever ordered, zeros included, with the country's
    region and subregion (`Unknown` when not in seed country_regions). Growth against
    the previous day and against the same weekday one year earlier (364 days: retail's comparable
    day); the series is dense, so those are the rows 1 and 364 days earlier.
    The query is shared with fct_sales_daily_by_channel (macro sales_daily_by_dimension). -#}
{{ sales_daily_by_dimension(
    dimension='country_code',
    dimension_expr="coalesce(orders.shipping_country_code, 'ZZ')",
    lookup=ref('country_regions'),
    lookup_columns=['region', 'subregion'],
    lookup_default='Unknown'
) }}
