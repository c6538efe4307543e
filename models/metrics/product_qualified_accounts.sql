{{ kpi_tree.metric_view('product_qualified_accounts') }}
