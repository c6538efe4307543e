{{ kpi_tree.rejected_model('accounts') }}
