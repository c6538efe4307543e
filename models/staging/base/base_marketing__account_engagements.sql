{{ kpi_tree.base_model('account_engagement') }}
