{#- Every version of every subscription item with its ARR: the recurring price (or legacy
    plan) per billing period x quantity x periods a year (month: 12 / interval_count, year:
    1 / interval_count, week: 52 / n, day: 365 / n), in the price's currency and in USD at
    the rate of the day the version took effect (seeds/crm_currency_rates.csv; a rate
    change alone never moves ARR). A table: the subscriptions and their changes read it. -#}
{{ config(materialized="table") }}

with

subscription_items as (

    select * from {{ ref('stg_stripe__subscription_items') }}

),

prices as (

    select * from {{ ref('stg_stripe__prices') }}

),

plans as (

    select * from {{ ref('stg_stripe__plans') }}

),

currency_rates as (

    select * from {{ ref('crm_currency_rates') }}

),

rates_in_force as (
    {{ kpi_tree.currency_rates_in_force('currency_rates') }}
),

billing_terms as (

    select
        id as billing_term_id,
        'price' as billing_term_kind,
        upper(trim(currency)) as currency_code,
        coalesce(unit_amount_decimal, unit_amount) as cents_per_period,
        lower(trim(recurring_interval)) as billing_interval,
        coalesce(recurring_interval_count, 1) as interval_count,
        coalesce(lower(trim(type)), 'recurring') = 'recurring' as is_recurring,
        livemode

    from prices
    union all
    select
        id as billing_term_id,
        'plan' as billing_term_kind,
        upper(trim(currency)) as currency_code,
        coalesce(amount_decimal, amount) as cents_per_period,
        lower(trim(interval)) as billing_interval,
        coalesce(interval_count, 1) as interval_count,
        true as is_recurring,
        livemode

    from plans

),

priced as (

    select
        subscription_items.id as item_id,
        subscription_items.subscription_id,
        subscription_items._fivetran_start as valid_from,
        {{ kpi_tree.stripe_history_end('subscription_items._fivetran_end') }} as valid_to,
        subscription_items.quantity,
        coalesce(subscription_items.price_id, subscription_items.plan_id) as billing_term_id,
        billing_terms.billing_term_kind,
        billing_terms.currency_code,
        billing_terms.cents_per_period,
        billing_terms.billing_interval,
        billing_terms.interval_count,
        billing_terms.is_recurring,
        billing_terms.livemode as price_livemode,
        case billing_terms.billing_interval
            when 'year' then 1.0 / billing_terms.interval_count
            when 'month' then 12.0 / billing_terms.interval_count
            when 'week' then 52.0 / billing_terms.interval_count
            when 'day' then 365.0 / billing_terms.interval_count
        end as periods_per_year,
        subscription_items._fivetran_synced

    from subscription_items
    left join billing_terms
        on
            (
                subscription_items.price_id = billing_terms.billing_term_id
                and billing_terms.billing_term_kind = 'price'
            )
            or (
                subscription_items.price_id is null
                and subscription_items.plan_id = billing_terms.billing_term_id
                and billing_terms.billing_term_kind = 'plan'
            )

),

converted as (

    select
        priced.*,
        case
            when priced.currency_code = 'USD' then 1.0
            else rates_in_force.units_per_usd
        end as units_per_usd

    from priced
    left join rates_in_force
        on
            priced.currency_code = rates_in_force.currency_code
            and cast(priced.valid_from as date) >= rates_in_force.valid_from
            and (
                cast(priced.valid_from as date) < rates_in_force.valid_to
                or rates_in_force.valid_to is null
            )

),

final as (

    select
        item_id,
        subscription_id,
        valid_from,
        valid_to,
        quantity,
        billing_term_id,
        billing_term_kind,
        currency_code,
        cents_per_period,
        billing_interval,
        interval_count,
        is_recurring,
        price_livemode,
        units_per_usd,
        case
            when is_recurring
                then cents_per_period * coalesce(quantity, 1) * periods_per_year / 100.0
            else 0
        end as arr_local,
        case
            when is_recurring
                then
                    cents_per_period * coalesce(quantity, 1) * periods_per_year / 100.0
                    / units_per_usd
            else 0
        end as arr_usd,
        _fivetran_synced

    from converted

)

select * from final
