{{ kpi_tree.staged_model('touches') }}
