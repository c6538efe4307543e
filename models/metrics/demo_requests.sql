{{ kpi_tree.metric_view('demo_requests') }}
