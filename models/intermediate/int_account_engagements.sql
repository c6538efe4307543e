{#-
    ABM engagement (intent signals, engaged sessions), one row per engagement:
    the top of the ABM funnel. Engagement is ABM's by definition, so it carries
    the motion `abm`; the account's segment and region come with it, as on every
    fact the tree is cut by. Whether the account is on the target list is the
    accounts semantic model's, reached through the `account` entity.
    Incremental: a run rebuilds the events restaged since it last ran, and every
    event when the account list changed (macros/staging/incremental_rows.sql).
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key=['source_system', 'engagement_id'],
    pre_hook="{{ kpi_tree.delete_stale_rows(ref('base_marketing__account_engagements'), ['source_system', 'engagement_id']) }}",
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

engagements as (

    select * from {{ ref('stg_marketing__account_engagements') }}
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
        engagements.engagement_id,
        engagements.source_system,
        engagements.account_id,
        engagements.contact_id,
        engagements.engagement_type,
        'abm' as motion,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        engagements.occurred_at as engaged_at,
        accounts_fingerprint.accounts_fingerprint,
        {{ kpi_tree.staged_at() }} as staged_at

    from engagements
    cross join accounts_fingerprint
    left join accounts
        on engagements.account_id = accounts.account_id

)

select * from final
