{{ kpi_tree.metric_view('registration_acceptance_rate') }}
