{{ kpi_tree.staged_model('product_events') }}
