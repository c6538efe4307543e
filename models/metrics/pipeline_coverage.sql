{{ kpi_tree.metric_view('pipeline_coverage') }}
