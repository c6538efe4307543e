{#-
    Every tree metric's view, stacked: one row per metric, grain, period and
    motion. The views are listed here so that dbt knows the lineage; a tree
    metric whose view is missing from this list fails the run
    (rule missing_from_metric_values, macros/validation/validate_kpi_definitions.sql).
-#}

{{ kpi_tree.union_metric_views([
    ref('pipeline_created'),
    ref('qualified_opportunities'),
    ref('average_opportunity_value'),
    ref('pipeline_coverage'),
    ref('pipeline_efficiency'),
    ref('meetings_held'),
    ref('meeting_to_opportunity_rate'),
    ref('opportunity_creation_rate'),
    ref('sales_acceptance_rate'),
    ref('demo_request_to_meeting_held_rate'),
    ref('demo_request_to_meeting_scheduled_rate'),
    ref('meeting_held_rate'),
    ref('speed_to_lead_hours'),
    ref('demo_request_to_meeting_held_conversion_rate_30d'),
    ref('demo_requests'),
    ref('high_intent_sessions'),
    ref('landing_page_conversion_rate'),
    ref('cost_per_qualified_opportunity'),
    ref('spend'),
]) }}
