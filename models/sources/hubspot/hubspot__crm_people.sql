{#- Every reference to a person in HubSpot, in the canonical CRM shape: contacts (the
    person is the contact), and merged-away contacts (the person they were merged into).
    account_id is the contact's primary company; <crm>__identities falls back on the email
    domain. -#}
{{ config(materialized="table", enabled=kpi_tree.crm_landed('hubspot')) }}

with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

masters as (

    select * from {{ ref('hubspot__record_masters') }}
    where object_type = 'contact'

),

contact_people as (

    select
        id as person_ref,
        id as person_id,
        'contact' as record_kind,
        nullif(lower(trim(property_email)), '') as email,
        property_associatedcompanyid as account_id

    from contacts

),

merged_people as (

    select
        masters.record_id as person_ref,
        contact_people.person_id,
        'merged_contact' as record_kind,
        contact_people.email,
        contact_people.account_id

    from masters
    inner join contact_people
        on masters.master_id = contact_people.person_ref

),

final as (

    select * from contact_people
    union all
    select * from merged_people

)

select * from final
