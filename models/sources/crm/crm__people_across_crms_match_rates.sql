{#- How many people (emails) Salesforce and HubSpot both know, and how many only one of
    them: counts and shares of crm__people_across_crms. -#}
{{ config(enabled=kpi_tree.crm_landed('salesforce') and kpi_tree.crm_landed('hubspot')) }}

with

people as (

    select * from {{ ref('crm__people_across_crms') }}

),

counted as (

    select
        match_rule,
        count(*) as people

    from people
    group by 1

),

final as (

    select
        match_rule,
        people,
        cast(people as {{ kpi_tree.type_double() }}) / sum(people) over () as share

    from counted

)

select * from final
