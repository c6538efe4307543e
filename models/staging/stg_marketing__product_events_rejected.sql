{{ kpi_tree.rejected_model('product_events') }}
