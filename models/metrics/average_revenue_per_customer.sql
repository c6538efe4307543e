{{ kpi_tree.metric_view('average_revenue_per_customer') }}
