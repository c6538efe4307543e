{#- The people of every Salesforce meeting, in the canonical CRM shape: its invitees
    (EventRelation, with their response) and the person it is with when no relation lists
    them; each with the buying role (var salesforce__buying_role_field) their contact had
    when the meeting was booked: the value after the latest change before the booking
    (ContactHistory), else before the first change after it, else the current value. -#}
{{ config(materialized="table") }}
{%- set role_field = var('salesforce__buying_role_field', 'buying_role__c') %}

with

meetings as (

    select * from {{ ref('salesforce__crm_meetings') }}

),

relations as (

    select * from {{ ref('stg_salesforce__event_relations') }}

),

people as (

    select * from {{ ref('salesforce__crm_people') }}

),

contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

contact_history as (

    select * from {{ ref('stg_salesforce__contact_history') }}

),

invitees as (

    select
        relations.id as meeting_person_id,
        relations.event_id as meeting_id,
        relations.relation_id as person_ref,
        relations.status as attendance

    from relations
    inner join people
        on relations.relation_id = people.person_ref

),

meeting_persons as (

    select * from invitees
    union all
    select
        meetings.meeting_id || ':who' as meeting_person_id,
        meetings.meeting_id,
        meetings.person_ref,
        cast(null as {{ dbt.type_string() }}) as attendance
    from meetings
    where
        meetings.person_ref is not null
        and not exists (
            select 1
            from invitees
            where
                invitees.meeting_id = meetings.meeting_id
                and invitees.person_ref = meetings.person_ref
        )

),

booked_persons as (

    select
        meeting_persons.*,
        meetings.booked_at,
        people.person_id

    from meeting_persons
    inner join meetings
        on meeting_persons.meeting_id = meetings.meeting_id
    inner join people
        on meeting_persons.person_ref = people.person_ref

),

role_changes as (

    select
        id,
        contact_id,
        old_value,
        new_value,
        created_date

    from contact_history
    where
        {{ kpi_tree.column_key_sql('field') }}
        = {{ kpi_tree.quote_string(kpi_tree.column_key(role_field)) }}

),

roles_then as (

    {{ kpi_tree.crm_value_as_of(
        'booked_persons', 'meeting_person_id', 'person_id', 'booked_at',
        'role_changes', 'contact_id', 'created_date', 'new_value', old_value='old_value'
    ) | indent(4) }}

),

final as (

    select
        booked_persons.meeting_person_id,
        booked_persons.meeting_id,
        booked_persons.person_ref,
        booked_persons.attendance,
        case
            when roles_then.is_known then roles_then.value_then
            else contacts.buying_role__c
        end as role

    from booked_persons
    left join roles_then
        on booked_persons.meeting_person_id = roles_then.meeting_person_id
    left join contacts
        on booked_persons.person_id = contacts.id

)

select * from final
