{{ kpi_tree.metric_view('opportunity_creation_rate') }}
