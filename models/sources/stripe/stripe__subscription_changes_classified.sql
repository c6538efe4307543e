{#- Every change of a Stripe subscription's ARR as the contract's subscription_changes row
    it becomes, with its subscription's rejection_reason (a change of a quarantined
    subscription is quarantined with it):
    - renewal: a subscription version whose current_period_start moves (the term rolled),
      its arr_change the item versions' change at that moment (the uplift; 0 when none);
    - expansion / contraction: the item versions' ARR changing at any other moment after
      the subscription's first items (quantity, price or items added and removed), up or
      down (a moment whose changes cancel out is no change);
    - churn: the subscription's ended_at, minus all the ARR it had then.
    change_id: <subscription id>:<type>:<moment>. -#}
{{ config(materialized="table") }}

with

subscription_histories as (

    select * from {{ ref('stg_stripe__subscription_histories') }}

),

item_versions as (

    select * from {{ ref('stripe__item_versions') }}

),

subscriptions as (

    select * from {{ ref('stripe__subscriptions_classified') }}

),

item_moves as (

    select
        subscription_id,
        valid_from as changed_at,
        arr_usd as arr_move,
        _fivetran_synced
    from item_versions
    union all
    select
        subscription_id,
        valid_to as changed_at,
        -arr_usd as arr_move,
        _fivetran_synced
    from item_versions
    where valid_to is not null

),

item_changes as (

    select
        subscription_id,
        changed_at,
        sum(arr_move) as arr_change,
        max(_fivetran_synced) as ingested_at,
        min(changed_at) over (partition by subscription_id) as first_item_at

    from item_moves
    group by 1, 2

),

periods as (

    select
        id as subscription_id,
        _fivetran_start as changed_at,
        current_period_start,
        lag(current_period_start) over (
            partition by id order by _fivetran_start
        ) as previous_period_start,
        ended_at,
        _fivetran_synced

    from subscription_histories

),

renewals as (

    select
        subscription_id,
        changed_at,
        _fivetran_synced as ingested_at

    from periods
    where
        previous_period_start is not null
        and current_period_start is distinct from previous_period_start
        and ended_at is null

),

ends as (

    select
        subscription_id,
        min(ended_at) as ended_at,
        min(_fivetran_synced) as ingested_at

    from periods
    where ended_at is not null
    group by 1

),

dated_changes as (

    select
        item_changes.subscription_id,
        item_changes.changed_at,
        item_changes.arr_change,
        item_changes.ingested_at,
        item_changes.first_item_at,
        renewals.subscription_id is not null as is_renewal,
        ends.ended_at

    from item_changes
    left join renewals
        on
            item_changes.subscription_id = renewals.subscription_id
            and item_changes.changed_at = renewals.changed_at
    left join ends
        on item_changes.subscription_id = ends.subscription_id

),

moves as (

    select
        subscription_id,
        changed_at,
        case
            when is_renewal then 'renewal'
            when arr_change > 0 then 'expansion'
            else 'contraction'
        end as change_type,
        arr_change,
        ingested_at

    from dated_changes
    where
        changed_at > first_item_at
        and (ended_at is null or changed_at < ended_at)
        and (is_renewal or arr_change <> 0)

),

renewals_without_move as (

    select
        renewals.subscription_id,
        renewals.changed_at,
        'renewal' as change_type,
        0.0 as arr_change,
        renewals.ingested_at

    from renewals
    left join item_changes
        on
            renewals.subscription_id = item_changes.subscription_id
            and renewals.changed_at = item_changes.changed_at
    where item_changes.subscription_id is null

),

churns as (

    select
        ends.subscription_id,
        ends.ended_at as changed_at,
        'churn' as change_type,
        -coalesce(sum(item_changes.arr_change), 0) as arr_change,
        max(ends.ingested_at) as ingested_at

    from ends
    left join item_changes
        on
            ends.subscription_id = item_changes.subscription_id
            and ends.ended_at > item_changes.changed_at
    group by 1, 2, 3

),

changes as (

    select * from moves
    union all
    select * from renewals_without_move
    union all
    select * from churns

),

final as (

    select
        {{ dbt.concat([
            "changes.subscription_id", "':'", "changes.change_type", "':'",
            "cast(changes.changed_at as " ~ dbt.type_string() ~ ")"
        ]) }} as change_id,
        changes.subscription_id,
        subscriptions.account_id,
        changes.change_type,
        cast(changes.changed_at as date) as effective_on,
        changes.arr_change,
        changes.ingested_at,
        changes.changed_at,
        subscriptions.rejection_reason

    from changes
    left join subscriptions
        on changes.subscription_id = subscriptions.subscription_id

)

select * from final
