{{ kpi_tree.metric_view('meetings_per_accepted_registration') }}
