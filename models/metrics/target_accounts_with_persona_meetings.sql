{{ kpi_tree.metric_view('target_accounts_with_persona_meetings') }}
