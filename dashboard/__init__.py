"""The local dashboard: the KPIs of the Looker Studio reports as one static HTML file built from the DuckDB marts.

`python -m dashboard build` writes the HTML (plotly.js inlined, no network needed to view it);
`python -m dashboard screenshot` renders it in headless Chromium to a PNG.
"""
