{{ kpi_tree.staged_model('accounts') }}
