{#-
    Every change of a subscription's ARR, one row per change, with the ARR
    before and after it: the subscription's starting ARR plus the changes
    before it, in effective order (ties by change id, as the billing system
    applies them). What the revenue tree reads from a change:
      expansion    expansion_arr_usd, the ARR it adds;
      renewal      renewed_arr_usd, the ARR renewed (arr_after: its uplift
                   included), out of renewal_base_arr_usd (arr_before) that was
                   up for renewal;
      churn        at a term end too: renewal_base_arr_usd up for renewal, none
                   renewed, all of it lost (lost_arr_usd);
      contraction  lost_arr_usd, the ARR it removes.
    Motion, channel, segment and region are the account's (int_customer_accounts:
    the acquiring motion and channel). New business ARR is the won deals'
    (int_opportunities_closed).
-#}

with

subscriptions as (

    select * from {{ ref('stg_marketing__subscriptions') }}

),

subscription_changes as (

    select * from {{ ref('stg_marketing__subscription_changes') }}

),

customer_accounts as (

    select * from {{ ref('int_customer_accounts') }}

),

ordered_changes as (

    select
        subscription_changes.change_id,
        subscription_changes.subscription_id,
        subscriptions.account_id,
        subscription_changes.change_type,
        subscription_changes.effective_on,
        subscription_changes.arr_change_usd,
        subscriptions.arr_usd + coalesce(sum(subscription_changes.arr_change_usd) over (
            partition by subscription_changes.subscription_id
            order by subscription_changes.effective_on, subscription_changes.change_id
            rows between unbounded preceding and 1 preceding
        ), 0) as arr_before_usd

    from subscription_changes
    inner join subscriptions
        on subscription_changes.subscription_id = subscriptions.subscription_id

),

final as (

    select
        ordered_changes.change_id,
        ordered_changes.subscription_id,
        ordered_changes.account_id,
        customer_accounts.motion,
        customer_accounts.channel,
        customer_accounts.segment,
        customer_accounts.region,
        ordered_changes.change_type,
        ordered_changes.effective_on,
        ordered_changes.arr_change_usd,
        ordered_changes.arr_before_usd,
        ordered_changes.arr_before_usd + ordered_changes.arr_change_usd as arr_after_usd,
        ordered_changes.change_type = 'expansion' as is_expansion,
        case
            when ordered_changes.change_type = 'expansion' then ordered_changes.arr_change_usd
            else 0
        end as expansion_arr_usd,
        case
            when ordered_changes.change_type in ('renewal', 'churn')
                then ordered_changes.arr_before_usd
            else 0
        end as renewal_base_arr_usd,
        case
            when ordered_changes.change_type = 'renewal'
                then ordered_changes.arr_before_usd + ordered_changes.arr_change_usd
            else 0
        end as renewed_arr_usd,
        case
            when ordered_changes.change_type in ('contraction', 'churn')
                then -ordered_changes.arr_change_usd
            else 0
        end as lost_arr_usd

    from ordered_changes
    inner join customer_accounts
        on ordered_changes.account_id = customer_accounts.account_id

)

select * from final
