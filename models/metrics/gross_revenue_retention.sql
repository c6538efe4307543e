{{ kpi_tree.metric_view('gross_revenue_retention') }}
