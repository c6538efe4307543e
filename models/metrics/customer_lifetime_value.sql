{{ kpi_tree.metric_view('customer_lifetime_value') }}
