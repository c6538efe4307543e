{#-
    Product events of the product-led motion (sign-ups, activations, product-
    qualified accounts), one row per event, with the sign-up's channel and the
    account's segment and region.
    Incremental: a run rebuilds the events restaged since it last ran, and every
    event when the account list changed (macros/staging/incremental_rows.sql).
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    unique_key=['source_system', 'product_event_id'],
    pre_hook="{{ kpi_tree.delete_stale_rows(ref('base_marketing__product_events'), ['source_system', 'product_event_id']) }}",
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

product_events as (

    select * from {{ ref('stg_marketing__product_events') }}
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
        product_events.product_event_id,
        product_events.source_system,
        product_events.user_id,
        product_events.account_id,
        'product_led' as motion,
        product_events.channel,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        product_events.event_type,
        product_events.occurred_at,
        accounts_fingerprint.accounts_fingerprint,
        {{ kpi_tree.staged_at() }} as staged_at

    from product_events
    cross join accounts_fingerprint
    left join accounts
        on product_events.account_id = accounts.account_id

)

select * from final
