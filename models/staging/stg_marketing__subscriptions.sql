{{ kpi_tree.staged_model('subscriptions') }}
