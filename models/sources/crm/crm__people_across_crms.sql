{#- Salesforce's and HubSpot's people side by side, matched by email, when both CRMs are
    landed (var crm_connector chooses one, var crm_also_landed lists the other): one row per
    email with each CRM's person and account, and the rule: both, salesforce_only or
    hubspot_only. -#}
{{ config(enabled=kpi_tree.crm_landed('salesforce') and kpi_tree.crm_landed('hubspot')) }}

with

salesforce_identities as (

    select * from {{ ref('salesforce__identities') }}

),

hubspot_identities as (

    select * from {{ ref('hubspot__identities') }}

),

salesforce_people as (

    select
        email,
        min(person_id) as person_id,
        min(account_id) as account_id

    from salesforce_identities
    where email is not null
    group by 1

),

hubspot_people as (

    select
        email,
        min(person_id) as person_id,
        min(account_id) as account_id

    from hubspot_identities
    where email is not null
    group by 1

),

final as (

    select
        coalesce(salesforce_people.email, hubspot_people.email) as email,
        salesforce_people.person_id as salesforce_person_id,
        hubspot_people.person_id as hubspot_person_id,
        salesforce_people.account_id as salesforce_account_id,
        hubspot_people.account_id as hubspot_account_id,
        case
            when salesforce_people.email is not null and hubspot_people.email is not null
                then 'both'
            when salesforce_people.email is not null then 'salesforce_only'
            else 'hubspot_only'
        end as match_rule

    from salesforce_people
    full outer join hubspot_people
        on salesforce_people.email = hubspot_people.email

)

select * from final
