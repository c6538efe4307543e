{{ kpi_tree.metric_view('qualified_opportunities') }}
