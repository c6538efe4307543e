{{ kpi_tree.metric_view('cost_per_qualified_opportunity') }}
