{{ kpi_tree.metric_view('meetings_held') }}
