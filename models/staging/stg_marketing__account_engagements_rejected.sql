{{ kpi_tree.rejected_model('account_engagement') }}
