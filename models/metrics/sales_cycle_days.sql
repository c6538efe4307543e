{{ kpi_tree.metric_view('sales_cycle_days') }}
