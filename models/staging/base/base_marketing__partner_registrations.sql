{{ kpi_tree.base_model('partner_registrations') }}
