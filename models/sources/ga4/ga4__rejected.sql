{#- Every GA4 session or event that did not become a funnel event, with why
    (ga4__funnel_events_classified). -#}
with

classified_events as (

    select * from {{ ref('ga4__funnel_events_classified') }}

),

final as (

    select
        event_id,
        session_id,
        event_type,
        occurred_at,
        contact_id,
        account_id,
        medium,
        match_rule,
        rejection_reason,
        unmapped_field,
        unmapped_value

    from classified_events
    where rejection_reason is not null

)

select * from final
