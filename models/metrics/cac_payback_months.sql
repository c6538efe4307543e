{{ kpi_tree.metric_view('cac_payback_months') }}
