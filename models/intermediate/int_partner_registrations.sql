{#-
    Partner deal registrations, one row per registration: the top of the partner
    funnel, with its status and the day it was decided (null while pending).
    Partner-sourced, so motion `partner` and channel `partner`, as the partner
    motion's funnel events; with the account's segment and region.
    Incremental: a run rebuilds the events restaged since it last ran, and every
    event when the account list changed (macros/staging/incremental_rows.sql).
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key='registration_id',
    pre_hook="{{ kpi_tree.delete_stale_rows(ref('base_marketing__partner_registrations'), ['registration_id']) }}",
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

registrations as (

    select * from {{ ref('stg_marketing__partner_registrations') }}
    where {{ kpi_tree.restaged_since_last_run() }}

),

accounts as (

    select * from {{ ref('stg_marketing__accounts') }}

),

accounts_fingerprint as (

    select ({{ kpi_tree.accounts_fingerprint_query() }}) as accounts_fingerprint

),

final as (

    select
        registrations.registration_id,
        registrations.partner_id,
        registrations.account_id,
        'partner' as motion,
        'partner' as channel,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        registrations.status,
        registrations.registered_at,
        registrations.decided_at,
        accounts_fingerprint.accounts_fingerprint,
        {{ kpi_tree.staged_at() }} as staged_at

    from registrations
    cross join accounts_fingerprint
    left join accounts
        on registrations.account_id = accounts.account_id

)

select * from final
