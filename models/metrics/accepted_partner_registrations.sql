{{ kpi_tree.metric_view('accepted_partner_registrations') }}
