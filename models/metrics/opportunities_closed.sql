{{ kpi_tree.metric_view('opportunities_closed') }}
