{{ kpi_tree.rejected_model('subscriptions') }}
