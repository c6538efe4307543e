{{ kpi_tree.metric_view('engaged_target_accounts') }}
