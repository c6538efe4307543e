{{ kpi_tree.base_model('subscriptions') }}
