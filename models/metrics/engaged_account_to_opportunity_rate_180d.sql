{{ kpi_tree.metric_view('engaged_account_to_opportunity_rate_180d') }}
