{{ kpi_tree.metric_view('sales_acceptance_rate') }}
