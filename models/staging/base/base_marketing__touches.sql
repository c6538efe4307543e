{{ kpi_tree.base_model('touches') }}
