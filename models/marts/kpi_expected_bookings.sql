{#-
    Bottom-up new business: the bookings the pipeline still open on the as-of
    date is expected to bring, by the month they close. One row per motion,
    segment, creation month (cohort) and booking month, from the as-of month to
    the cohort's last month on the curve (var kpi_pipeline_cohort_max_months):
    the cohort's open pipeline x the cohort win rate of that month since
    creation (int_pipeline_cohort_win_rates, matured cohorts only), conditioned
    on the deal being open: divided by the share of matured cohorts' pipeline
    still open at the end of the month before the as-of month. Motions and
    segments are the real ones, so rows add up: sum them for a motion, a month
    or the total. The as-of month is taken whole (a deal closed earlier in it
    is no longer open, and its booking is an actual). A cohort older than the
    curve, or at an offset no matured cohort reaches, has a note and no
    expected value rather than a zero.
-#}

with

qualified as (

    select * from {{ ref('int_opportunities_qualified') }}

),

closed as (

    select * from {{ ref('int_opportunities_closed') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

curve as (

    select * from {{ ref('int_pipeline_cohort_win_rates') }}

),

-- the opportunities qualified by the as-of date and not closed by then
open_opportunities as (

    select
        qualified.motion,
        qualified.segment,
        cast({{ dbt.date_trunc('month', 'qualified.qualified_on') }} as date) as cohort_month,
        cast({{ dbt.date_trunc('month', 'as_of.as_of_date') }} as date) as as_of_month,
        as_of.as_of_date,
        cast(qualified.pipeline_usd as {{ kpi_tree.type_double() }}) as pipeline_usd

    from qualified
    cross join as_of
    left join closed
        on
            qualified.opportunity_id = closed.opportunity_id
            and as_of.as_of_date >= closed.closed_date
    where
        qualified.qualified_on <= as_of.as_of_date
        and closed.opportunity_id is null

),

open_cohorts as (

    select
        motion,
        segment,
        cohort_month,
        as_of_month,
        as_of_date,
        {{ dbt.datediff(
            'cohort_month',
            'as_of_month',
            'month'
        ) }} as age_months,
        cast(count(*) as integer) as open_opportunities,
        sum(pipeline_usd) as open_pipeline_usd

    from open_opportunities
    group by 1, 2, 3, 4, 5

),

-- the months since creation on the curve
offsets as (

    select distinct months_since_creation
    from curve

),

-- each open cohort at the months still to come on the curve; a cohort older than the
-- curve keeps one row at its age, with no offset on the curve
cohort_months as (

    select
        open_cohorts.*,
        coalesce(offsets.months_since_creation, open_cohorts.age_months)
            as months_since_creation,
        offsets.months_since_creation is null as is_past_horizon

    from open_cohorts
    left join offsets
        on open_cohorts.age_months <= offsets.months_since_creation

),

-- the share of matured cohorts still open at the end of each month since creation
open_shares as (

    select
        motion,
        segment,
        months_since_creation,
        open_share_after_arr,
        open_share_after_count

    from curve

),

conditioned as (

    select
        cohort_months.*,
        curve.cohorts_matured,
        case
            when cohort_months.age_months = 0 then 1.0
            else open_shares.open_share_after_arr
        end as open_share_before_arr,
        case
            when cohort_months.age_months = 0 then 1.0
            else open_shares.open_share_after_count
        end as open_share_before_count,
        curve.win_rate_arr,
        curve.win_rate_count

    from cohort_months
    left join curve
        on
            cohort_months.motion = curve.motion
            and cohort_months.segment = curve.segment
            and cohort_months.months_since_creation = curve.months_since_creation
            and not cohort_months.is_past_horizon
    left join open_shares
        on
            cohort_months.motion = open_shares.motion
            and cohort_months.segment = open_shares.segment
            and cohort_months.age_months - 1 = open_shares.months_since_creation

),

final as (

    select
        {{ kpi_tree.surrogate_key(['motion', 'segment', 'cohort_month', 'months_since_creation']) }}
            as expected_booking_id,
        as_of_date,
        motion,
        segment,
        cohort_month,
        cast(
            {{ dbt.dateadd('month', 'months_since_creation', 'cohort_month') }} as date
        ) as booking_month,
        cast(months_since_creation as integer) as months_since_creation,
        open_opportunities,
        open_pipeline_usd,
        coalesce(cohorts_matured, 0) as cohorts_matured,
        win_rate_arr / nullif(open_share_before_arr, 0) as conditional_win_rate_arr,
        win_rate_count / nullif(open_share_before_count, 0) as conditional_win_rate_count,
        open_pipeline_usd * win_rate_arr / nullif(open_share_before_arr, 0)
            as expected_arr_usd,
        open_opportunities * win_rate_count / nullif(open_share_before_count, 0)
            as expected_deals_won,
        case
            when is_past_horizon then 'older than the curve: no rate measured this late'
            when coalesce(cohorts_matured, 0) = 0 then 'no matured cohort reaches this month'
            when coalesce(open_share_before_arr, 0) = 0
                then 'no matured cohort had pipeline still open at this age'
        end as note

    from conditioned

)

select * from final
