{{ kpi_tree.metric_view('average_expansion_size') }}
