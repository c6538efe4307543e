{#-
    The customer base day by day: one row per day, motion, channel, segment and
    region (the account's, int_customer_accounts) from the first day of the
    calendar to the as-of date. An account's ARR on a day is the starting ARR
    of its subscriptions started by then plus every change effective by then
    (docs/raw_data.md: it rolls forward exactly; 0 after a churn). Per day:
      exposures (add up over days)  customers, customer_months (a customer for
                                    a day is 12/365 of a customer-month),
                                    revenue_usd (ARR / 365: the subscription
                                    revenue of the day), gross_profit_usd
                                    (revenue x the month's planned gross margin);
      events (add up over days)     new_customers (ARR from 0 to above 0),
                                    churned_customers (from above 0 to 0);
      snapshots (a period reads its last day: non_additive_dimension)
                                    at_risk_accounts (customers whose latest
                                    health flag is at_risk), and the retention
                                    cohort: the accounts that had ARR twelve
                                    months earlier, with that ARR (the cohort's
                                    own starting ARR), their ARR now, and now
                                    capped at then per account (what gross
                                    retention keeps). An account's ARR before
                                    the data's first day is its ARR on that day.
    Incremental: a day's rows depend only on movements effective by then, so a run
    deletes and rebuilds the days from the earliest one a change since its last run
    touches (macros/staging/incremental_days.sql); a full refresh gives the same table.
-#}
{{ config(
    materialized=kpi_tree.incremental_unless_spark(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpi_tree.delete_days_from(kpi_tree.customer_days_to_rebuild()) }}",
) }}
{#- the first day to rebuild comes from every version of a changed row: -#}
-- depends_on: {{ ref('base_marketing__subscriptions') }}
-- depends_on: {{ ref('base_marketing__subscription_changes') }}
-- depends_on: {{ ref('base_marketing__account_health_flags') }}
{%- set first_day = kpi_tree.customer_days_to_rebuild() %}
{%- set open_end_date = "cast('9999-12-31' as date)" %}

with

subscriptions as (

    select * from {{ ref('stg_marketing__subscriptions') }}

),

arr_changes as (

    select * from {{ ref('int_subscription_arr_changes') }}

),

customer_accounts as (

    select * from {{ ref('int_customer_accounts') }}

),

account_health_flags as (

    select * from {{ ref('stg_marketing__account_health_flags') }}

),

gross_margin_plan as (

    select * from {{ ref('gross_margin_plan') }}

),

calendar_periods as (

    select * from {{ ref('int_calendar_periods') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

calendar_days as (

    select
        calendar_periods.date_day,
        cast({{ dbt.dateadd('month', -12, 'calendar_periods.date_day') }} as date)
            as date_a_year_earlier,
        cast(gross_margin_plan.gross_margin as {{ kpi_tree.type_double() }}) as gross_margin

    from calendar_periods
    cross join as_of
    left join gross_margin_plan
        on calendar_periods.period_start = gross_margin_plan.month_start
    where
        calendar_periods.grain = 'month'
        and calendar_periods.date_day <= as_of.as_of_date
        and {{ kpi_tree.days_from_filter('calendar_periods.date_day', first_day) }}

),

arr_movements as (

    select
        account_id,
        started_on as effective_on,
        arr_usd as arr_change_usd

    from subscriptions

    union all

    select
        account_id,
        effective_on,
        arr_change_usd

    from arr_changes

),

account_movements as (

    select
        account_id,
        effective_on,
        sum(arr_change_usd) as arr_change_usd

    from arr_movements
    group by 1, 2

),

-- an account's ARR is constant from one movement day to the next; the last step
-- is open, until a far-off day rather than null, so that the joins below on
-- "valid_from <= day < valid_until" are plain range conditions the engine can
-- plan as a range join (an `is null or` made DuckDB compare every account-day
-- with every step of the account: minutes at 10M events, hours beyond)
arr_steps as (

    select
        account_id,
        effective_on as valid_from,
        coalesce(
            lead(effective_on) over (partition by account_id order by effective_on),
            {{ open_end_date }}
        ) as valid_until,
        sum(arr_change_usd) over (
            partition by account_id
            order by effective_on
            rows between unbounded preceding and current row
        ) as arr_usd

    from account_movements

),

arr_steps_with_previous as (

    select
        *,
        coalesce(lag(arr_usd) over (
            partition by account_id order by valid_from
        ), 0) as previous_arr_usd

    from arr_steps

),

arr_steps_a_year_earlier as (

    select * from arr_steps

),

health_steps as (

    select
        account_id,
        status,
        flagged_on as valid_from,
        coalesce(
            lead(flagged_on) over (partition by account_id order by flagged_on, flag_id),
            {{ open_end_date }}
        ) as valid_until

    from account_health_flags

),

account_days as (

    select
        arr_steps_with_previous.account_id,
        calendar_days.date_day,
        calendar_days.date_a_year_earlier,
        calendar_days.gross_margin,
        arr_steps_with_previous.arr_usd,
        calendar_days.date_day = arr_steps_with_previous.valid_from
        and arr_steps_with_previous.previous_arr_usd <= 0
        and arr_steps_with_previous.arr_usd > 0 as is_new_customer,
        calendar_days.date_day = arr_steps_with_previous.valid_from
        and arr_steps_with_previous.previous_arr_usd > 0
        and arr_steps_with_previous.arr_usd <= 0 as is_churned_customer

    from calendar_days
    inner join arr_steps_with_previous
        on
            calendar_days.date_day >= arr_steps_with_previous.valid_from
            and calendar_days.date_day < arr_steps_with_previous.valid_until

),

account_days_with_history as (

    select
        account_days.*,
        coalesce(arr_steps_a_year_earlier.arr_usd, 0) as arr_a_year_earlier_usd,
        coalesce(health_steps.status = 'at_risk', false) as is_flagged_at_risk

    from account_days
    left join arr_steps_a_year_earlier
        on
            account_days.account_id = arr_steps_a_year_earlier.account_id
            and account_days.date_a_year_earlier >= arr_steps_a_year_earlier.valid_from
            and account_days.date_a_year_earlier < arr_steps_a_year_earlier.valid_until
    left join health_steps
        on
            account_days.account_id = health_steps.account_id
            and account_days.date_day >= health_steps.valid_from
            and account_days.date_day < health_steps.valid_until

),

aggregated as (

    select
        account_days_with_history.date_day as activity_date,
        customer_accounts.motion,
        customer_accounts.channel,
        customer_accounts.segment,
        customer_accounts.region,
        account_days_with_history.gross_margin,
        sum(case when account_days_with_history.arr_usd > 0 then 1 else 0 end) as customers,
        sum(greatest(account_days_with_history.arr_usd, 0)) as arr_usd,
        sum(case when account_days_with_history.is_new_customer then 1 else 0 end)
            as new_customers,
        sum(case when account_days_with_history.is_churned_customer then 1 else 0 end)
            as churned_customers,
        sum(
            case
                when
                    account_days_with_history.is_flagged_at_risk
                    and account_days_with_history.arr_usd > 0
                    then 1
                else 0
            end
        ) as at_risk_accounts,
        sum(account_days_with_history.arr_a_year_earlier_usd)
            as retention_cohort_starting_arr_usd,
        sum(
            case
                when account_days_with_history.arr_a_year_earlier_usd > 0
                    then greatest(account_days_with_history.arr_usd, 0)
                else 0
            end
        ) as retention_cohort_arr_usd,
        sum(
            case
                when account_days_with_history.arr_a_year_earlier_usd > 0
                    then greatest(least(
                        account_days_with_history.arr_usd,
                        account_days_with_history.arr_a_year_earlier_usd
                    ), 0)
                else 0
            end
        ) as retention_cohort_retained_arr_usd

    from account_days_with_history
    inner join customer_accounts
        on account_days_with_history.account_id = customer_accounts.account_id
    where
        account_days_with_history.arr_usd > 0
        or account_days_with_history.arr_a_year_earlier_usd > 0
        or account_days_with_history.is_churned_customer
    group by 1, 2, 3, 4, 5, 6

),

dimensions_fingerprint as (

    {{ kpi_tree.customer_dimensions_fingerprint_query(
        '(select as_of_date from ' ~ ref('int_as_of_date') ~ ')'
    ) }} as dimensions_fingerprint

),

final as (

    select
        {{ kpi_tree.surrogate_key(['activity_date', 'motion', 'channel', 'segment', 'region']) }}
            as customer_arr_day_id,
        aggregated.activity_date,
        aggregated.motion,
        aggregated.channel,
        aggregated.segment,
        aggregated.region,
        aggregated.customers,
        cast(aggregated.customers as {{ kpi_tree.type_double() }}) * 12 / 365 as customer_months,
        aggregated.arr_usd,
        cast(aggregated.arr_usd as {{ kpi_tree.type_double() }}) / 365 as revenue_usd,
        cast(aggregated.arr_usd as {{ kpi_tree.type_double() }}) / 365 * aggregated.gross_margin
            as gross_profit_usd,
        aggregated.new_customers,
        aggregated.churned_customers,
        aggregated.at_risk_accounts,
        aggregated.retention_cohort_starting_arr_usd,
        aggregated.retention_cohort_arr_usd,
        aggregated.retention_cohort_retained_arr_usd,
        dimensions_fingerprint.dimensions_fingerprint,
        {{ kpi_tree.staged_at() }} as staged_at

    from aggregated
    cross join dimensions_fingerprint

)

select * from final
