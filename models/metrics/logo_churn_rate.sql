{{ kpi_tree.metric_view('logo_churn_rate') }}
