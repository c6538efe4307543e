{{ kpi_tree.staged_model('account_engagement') }}
