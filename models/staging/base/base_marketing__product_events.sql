{{ kpi_tree.base_model('product_events') }}
