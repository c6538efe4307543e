{{ kpi_tree.metric_view('upsell_conversion_rate') }}
