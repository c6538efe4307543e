{{ kpi_tree.staged_model('subscription_changes') }}
