"""Dashboards: aggregation and Plotly figures (see the dashboards issue)."""
