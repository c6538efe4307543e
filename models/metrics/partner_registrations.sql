{{ kpi_tree.metric_view('partner_registrations') }}
