{#-
    Every raw product event row (sign-ups, activations, product-qualified accounts),
    typed and normalised, with its verdict: rejection_reason is null for a valid row,
    else the first rule it breaks. The source's event_id becomes product_event_id, so
    it is never mistaken for a funnel event's.
-#}

with

source as (

    select * from {{ source('marketing', 'product_events') }}

),

normalised as (

    select
        cast(event_id as {{ dbt.type_string() }}) as product_event_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        lower(trim(event_type)) as event_type,
        lower(trim(channel)) as channel,
        {{ kpi_tree.to_utc_timestamp('occurred_at') }} as occurred_at,
        source_system,
        {{ kpi_tree.to_utc_timestamp('ingested_at') }} as ingested_at

    from source

),

final as (

    select
        *,
        {{ kpi_tree.first_rule_broken([
            ['missing_event_id', 'product_event_id is null'],
            ['missing_account_id', 'account_id is null'],
            ['missing_occurred_at', 'occurred_at is null'],
            ['missing_ingested_at', 'ingested_at is null'],
            ['unknown_event_type',
                kpi_tree.not_in_vocabulary('event_type', var('product_event_types'))],
            ['unknown_channel', kpi_tree.not_in_vocabulary('channel', var('channels'))],
            ['occurred_after_ingestion', 'occurred_at > ingested_at'],
        ]) }} as rejection_reason

    from normalised

)

select * from final
