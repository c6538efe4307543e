{{ kpi_tree.metric_view('marketing_efficiency_ratio') }}
