{{ kpi_tree.metric_view('target_account_qualified_opportunities') }}
