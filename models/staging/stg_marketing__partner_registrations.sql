{{ kpi_tree.staged_model('partner_registrations') }}
