{{ kpi_tree.metric_view('signups') }}
