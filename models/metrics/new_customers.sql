{{ kpi_tree.metric_view('new_customers') }}
