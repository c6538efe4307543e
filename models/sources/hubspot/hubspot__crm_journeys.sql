{#- HubSpot form submissions that start a journey (a form seeds/crm_motions.csv lists, field
    form) in the canonical CRM shape: the inquiry, when submitted; its campaign and UTM
    medium from the page's URL (no medium: "(none)", direct traffic); the contact's original
    source beside them. -#}
{{ config(materialized="table") }}

with

submissions as (

    select * from {{ ref('stg_hubspot__form_submissions') }}

),

forms as (

    select * from {{ ref('stg_hubspot__forms') }}

),

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

journey_forms as (

    select distinct lower(trim(value)) as form_key
    from {{ ref('crm_motions') }}
    where crm = 'hubspot' and field = 'form'

),

final as (

    select
        coalesce(
            submissions.conversion_id,
            submissions.contact_id || ':' || cast(submissions.timestamp as {{ dbt.type_string() }})
        ) as journey_id,
        submissions.contact_id as person_ref,
        submissions.timestamp as requested_at,
        submissions.timestamp as started_at,
        cast(null as {{ dbt.type_timestamp() }}) as converted_at,
        cast(null as {{ dbt.type_string() }}) as converted_deal_id,
        {{ kpi_tree.url_parameter('submissions.page_url', 'utm_campaign') }} as campaign,
        cast(null as {{ dbt.type_string() }}) as record_type,
        forms.name as form,
        cast(null as {{ dbt.type_string() }}) as pipeline,
        cast(null as {{ dbt.type_string() }}) as campaign_type,
        cast(null as {{ dbt.type_string() }}) as lead_source,
        coalesce(
            {{ kpi_tree.url_parameter('submissions.page_url', 'utm_medium') }}, '(none)'
        ) as utm_medium,
        contacts.property_hs_analytics_source as analytics_source

    from submissions
    inner join forms
        on submissions.form_id = forms.guid
    inner join journey_forms
        on lower(trim(forms.name)) = journey_forms.form_key
    left join contacts
        on submissions.contact_id = contacts.id

)

select * from final
