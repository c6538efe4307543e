{{ kpi_tree.metric_view('landing_page_conversion_rate') }}
