{{ kpi_tree.metric_view('at_risk_accounts') }}
