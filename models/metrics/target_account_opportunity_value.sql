{{ kpi_tree.metric_view('target_account_opportunity_value') }}
