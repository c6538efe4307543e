{#- The contacts on every HubSpot meeting, in the canonical CRM shape (HubSpot records no
    response: each one on a held meeting came), with the hs_buying_role each had when the
    meeting was booked: the latest value its property history took by then, else its
    current value. -#}
{{ config(materialized="table") }}

with

meetings as (

    select * from {{ ref('hubspot__crm_meetings') }}

),

engagement_contacts as (

    select * from {{ ref('stg_hubspot__engagement_contacts') }}

),

people as (

    select * from {{ ref('hubspot__crm_people') }}

),

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

contact_history as (

    select * from {{ ref('stg_hubspot__contact_property_history') }}

),

meeting_persons as (

    select
        engagement_contacts.engagement_id || ':' || engagement_contacts.contact_id
            as meeting_person_id,
        meetings.meeting_id,
        engagement_contacts.contact_id as person_ref,
        meetings.booked_at,
        people.person_id

    from engagement_contacts
    inner join meetings
        on engagement_contacts.engagement_id = meetings.meeting_id
    inner join people
        on engagement_contacts.contact_id = people.person_ref

),

role_changes as (

    select
        contact_history.contact_id,
        contact_history.value,
        contact_history.timestamp as changed_at

    from contact_history
    where lower(contact_history.name) = 'hs_buying_role'

),

roles_then as (

    {{ kpi_tree.crm_value_as_of(
        'meeting_persons', 'meeting_person_id', 'person_id', 'booked_at',
        'role_changes', 'contact_id', 'changed_at', 'value'
    ) | indent(4) }}

),

final as (

    select
        meeting_persons.meeting_person_id,
        meeting_persons.meeting_id,
        meeting_persons.person_ref,
        cast(null as {{ dbt.type_string() }}) as attendance,
        case
            when roles_then.is_known then roles_then.value_then
            else contacts.property_hs_buying_role
        end as role

    from meeting_persons
    left join roles_then
        on meeting_persons.meeting_person_id = roles_then.meeting_person_id
    left join contacts
        on meeting_persons.person_id = contacts.id

)

select * from final
