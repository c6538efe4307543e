{{ kpi_tree.base_model('subscription_changes') }}
