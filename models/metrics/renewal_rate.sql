{{ kpi_tree.metric_view('renewal_rate') }}
