{{ kpi_tree.metric_view('net_revenue_retention') }}
