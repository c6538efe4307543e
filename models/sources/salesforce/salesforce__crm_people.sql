{#-
    Every reference to a person in Salesforce, in the canonical CRM shape: contacts (the
    person is the contact), leads (the contact they were converted to, else the contact
    with the same email, else the earliest lead with that email: one person however
    many inquiries), and merged-away contacts and leads (the person of their master).
    account_id is Salesforce's own link (the contact's account, the lead's converted
    account); <crm>__identities falls back on the email domain.
-#}
{{ config(materialized="table", enabled=kpi_tree.crm_landed('salesforce')) }}

with

contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

masters as (

    select * from {{ ref('salesforce__record_masters') }}

),

contact_people as (

    select
        contacts.id as person_ref,
        contacts.id as person_id,
        nullif(lower(trim(contacts.email)), '') as email,
        coalesce(masters.master_id, contacts.account_id) as account_id,
        contacts.created_date

    from contacts
    left join masters
        on
            masters.object_type = 'account'
            and contacts.account_id = masters.record_id

),

contacts_by_email as (

    select
        email,
        person_id,
        account_id

    from (
        select
            email,
            person_id,
            account_id,
            row_number() over (partition by email order by created_date, person_id)
                as email_rank
        from contact_people
        where email is not null
    ) as ranked
    where email_rank = 1

),

lead_rows as (

    select
        leads.id,
        nullif(lower(trim(leads.email)), '') as email,
        leads.created_date,
        coalesce(contact_masters.master_id, leads.converted_contact_id) as converted_contact_id,
        coalesce(account_masters.master_id, leads.converted_account_id) as converted_account_id

    from leads
    left join masters as contact_masters
        on
            contact_masters.object_type = 'contact'
            and leads.converted_contact_id = contact_masters.record_id
    left join masters as account_masters
        on
            account_masters.object_type = 'account'
            and leads.converted_account_id = account_masters.record_id

),

first_leads_by_email as (

    select
        email,
        lead_id

    from (
        select
            email,
            id as lead_id,
            row_number() over (partition by email order by created_date, id) as email_rank
        from lead_rows
        where email is not null
    ) as ranked
    where email_rank = 1

),

lead_people as (

    select
        lead_rows.id as person_ref,
        coalesce(
            contact_people.person_id,
            contacts_by_email.person_id,
            first_leads_by_email.lead_id,
            lead_rows.id
        ) as person_id,
        lead_rows.email,
        coalesce(
            lead_rows.converted_account_id,
            contact_people.account_id,
            contacts_by_email.account_id
        ) as account_id

    from lead_rows
    left join contact_people
        on lead_rows.converted_contact_id = contact_people.person_ref
    left join contacts_by_email
        on lead_rows.email = contacts_by_email.email
    left join first_leads_by_email
        on lead_rows.email = first_leads_by_email.email

),

live_people as (

    select
        person_ref,
        person_id,
        'contact' as record_kind,
        email,
        account_id
    from contact_people
    union all
    select
        person_ref,
        person_id,
        'lead' as record_kind,
        email,
        account_id
    from lead_people

),

merged_people as (

    select
        masters.record_id as person_ref,
        live_people.person_id,
        'merged_' || masters.object_type as record_kind,
        live_people.email,
        live_people.account_id

    from masters
    inner join live_people
        on masters.master_id = live_people.person_ref
    where masters.object_type in ('contact', 'lead')

),

final as (

    select * from live_people
    union all
    select * from merged_people

)

select * from final
