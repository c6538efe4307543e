{{ kpi_tree.metric_view('other_account_pipeline') }}
