{{ kpi_tree.metric_view('revenue_churn_rate') }}
