{{ kpi_tree.metric_view('customer_months') }}
