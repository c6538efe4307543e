{{ kpi_tree.metric_view('gross_margin') }}
