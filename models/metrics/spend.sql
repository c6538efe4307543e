{{ kpi_tree.metric_view('spend') }}
