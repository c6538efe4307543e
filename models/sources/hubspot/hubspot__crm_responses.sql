{#- Every HubSpot form submission as a campaign response, in the canonical CRM shape: the
    contact, the UTM campaign and medium of the page ("(none)": direct traffic), when. -#}
{{ config(materialized="table") }}

with

submissions as (

    select * from {{ ref('stg_hubspot__form_submissions') }}

),

final as (

    select
        coalesce(
            submissions.conversion_id,
            submissions.contact_id || ':' || cast(submissions.timestamp as {{ dbt.type_string() }})
        ) as response_id,
        submissions.contact_id as person_ref,
        {{ kpi_tree.url_parameter('submissions.page_url', 'utm_campaign') }} as campaign,
        cast(null as {{ dbt.type_string() }}) as campaign_type,
        coalesce({{ kpi_tree.url_parameter('submissions.page_url', 'utm_medium') }}, '(none)')
            as utm_medium,
        cast(null as {{ dbt.type_string() }}) as analytics_source,
        submissions.timestamp as responded_at

    from submissions

)

select * from final
