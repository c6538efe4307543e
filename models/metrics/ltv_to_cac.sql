{{ kpi_tree.metric_view('ltv_to_cac') }}
