{{ kpi_tree.rejected_model('subscription_changes') }}
