{{ kpi_tree.metric_view('activations') }}
