{#- Closed-won ARR as the CRM books it and as Stripe bills it, per day (the reconciliation
    input of docs/connectors.md, "Billing: Stripe"): the system of record is the CRM (its
    staged closed_won events' amounts, new business only), compared with the ARR of the
    subscriptions billing started that day (staged from Stripe). Days from the CRM's first
    event on (billing's customers from before are not the CRM's bookings); a day either
    side has and the other not shows 0 on the other. It reads staging: it compares what the
    tree reads. -#}
{%- set crm = kpi_tree.crm_connector() %}

with

funnel_events as (

    select * from {{ ref('stg_marketing__funnel_events') }}

),

subscriptions as (

    select * from {{ ref('stg_marketing__subscriptions') }}

),

crm_days as (

    select
        cast(occurred_at as date) as reconciliation_date,
        sum(case when event_type = 'closed_won' then amount_usd else 0 end) as booked_arr

    from funnel_events
    group by 1

),

billing_days as (

    select
        started_on as reconciliation_date,
        sum(arr_usd) as billed_arr

    from subscriptions
    group by 1

),

first_crm_day as (

    select min(reconciliation_date) as first_day
    from crm_days

),

compared as (

    select
        coalesce(crm_days.reconciliation_date, billing_days.reconciliation_date)
            as reconciliation_date,
        coalesce(crm_days.booked_arr, 0) as record_value,
        coalesce(billing_days.billed_arr, 0) as compared_value

    from crm_days
    full outer join billing_days
        on crm_days.reconciliation_date = billing_days.reconciliation_date

),

final as (

    select
        compared.reconciliation_date,
        cast('closed_won_arr' as {{ dbt.type_string() }}) as stage,
        cast('{{ "crm" if crm == "contract" else crm }}' as {{ dbt.type_string() }})
            as system_of_record,
        cast('stripe' as {{ dbt.type_string() }}) as compared_system,
        cast(compared.record_value as {{ kpi_tree.type_double() }}) as record_value,
        cast(compared.compared_value as {{ kpi_tree.type_double() }}) as compared_value

    from compared
    cross join first_crm_day
    where
        compared.reconciliation_date >= first_crm_day.first_day
        and (compared.record_value <> 0 or compared.compared_value <> 0)

)

select * from final
