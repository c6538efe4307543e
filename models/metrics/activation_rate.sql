{{ kpi_tree.metric_view('activation_rate') }}
