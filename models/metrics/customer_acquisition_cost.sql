{{ kpi_tree.metric_view('customer_acquisition_cost') }}
