{#-
    How pipeline created in a month closes over the months that follow: the
    cohort win rates by months since creation (0 to var
    kpi_pipeline_cohort_max_months), per motion and segment and in total
    (`all`). A cohort is the month an opportunity qualified (the month its
    pipeline counts in pipeline_created); offset k is the calendar month k after
    it. Each offset reads only the cohorts matured through it (month cohort + k
    ended by the as-of date), so a young cohort never pulls a rate down; how
    many cohorts each rate rests on is stated (cohorts_matured, zero: no rate).
    Rates by value (won ARR / pipeline created) and by count (deals won /
    opportunities created), and the share of the pipeline still open at the
    end of the offset, which conditions the curve for a cohort still open
    (kpi_expected_bookings).
-#}
{%- set max_months = kpi_tree.typed_var('kpi_pipeline_cohort_max_months') | int %}

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

-- each opportunity in its cohort, with the offset it closed at (a close dated
-- before the qualification counts at offset 0)
cohort_opportunities as (

    select
        qualified.opportunity_id,
        qualified.motion,
        qualified.segment,
        cast({{ dbt.date_trunc('month', 'qualified.qualified_on') }} as date) as cohort_month,
        cast(qualified.pipeline_usd as {{ kpi_tree.type_double() }}) as pipeline_usd,
        closed.is_won,
        closed.won_arr_usd,
        case
            when closed.opportunity_id is not null
                then greatest(
                    0,
                    {{ dbt.datediff(
                        dbt.date_trunc('month', 'qualified.qualified_on'),
                        dbt.date_trunc('month', 'closed.closed_date'),
                        'month'
                    ) }}
                )
        end as closed_at_offset

    from qualified
    left join closed
        on qualified.opportunity_id = closed.opportunity_id

),

-- each opportunity is counted for its motion and segment, and in the totals (`all`)
total_levels as (

    select
        false as is_all_motions,
        false as is_all_segments
    union all
    select
        false as is_all_motions,
        true as is_all_segments
    union all
    select
        true as is_all_motions,
        false as is_all_segments
    union all
    select
        true as is_all_motions,
        true as is_all_segments

),

scoped_opportunities as (

    select
        case when total_levels.is_all_motions then 'all' else cohort_opportunities.motion end
            as motion,
        case when total_levels.is_all_segments then 'all' else cohort_opportunities.segment end
            as segment,
        cohort_opportunities.cohort_month,
        cohort_opportunities.pipeline_usd,
        cohort_opportunities.is_won,
        cohort_opportunities.won_arr_usd,
        cohort_opportunities.closed_at_offset

    from cohort_opportunities
    cross join total_levels

),

-- noqa: disable=LT02
-- the months since creation measured
offsets as (

    {%- for offset in range(max_months + 1) %}
    select {{ offset }} as months_since_creation
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),
-- noqa: enable=LT02

-- every opportunity at every offset its cohort has matured through
matured_offsets as (

    select
        scoped_opportunities.motion,
        scoped_opportunities.segment,
        scoped_opportunities.cohort_month,
        offsets.months_since_creation,
        scoped_opportunities.pipeline_usd,
        case
            when
                scoped_opportunities.is_won
                and scoped_opportunities.closed_at_offset = offsets.months_since_creation
                then scoped_opportunities.won_arr_usd
            else 0
        end as won_arr_usd,
        case
            when
                scoped_opportunities.is_won
                and scoped_opportunities.closed_at_offset = offsets.months_since_creation
                then 1
            else 0
        end as won_count,
        case
            when
                scoped_opportunities.closed_at_offset is null
                or scoped_opportunities.closed_at_offset > offsets.months_since_creation
                then scoped_opportunities.pipeline_usd
            else 0
        end as open_pipeline_usd,
        case
            when
                scoped_opportunities.closed_at_offset is null
                or scoped_opportunities.closed_at_offset > offsets.months_since_creation
                then 1
            else 0
        end as open_count

    from scoped_opportunities
    cross join offsets
    cross join as_of
    where
        {{ dbt.dateadd(
            'month',
            'offsets.months_since_creation + 1',
            'scoped_opportunities.cohort_month'
        ) }} <= {{ dbt.dateadd('day', 1, 'as_of.as_of_date') }}

),

measured as (

    select
        motion,
        segment,
        months_since_creation,
        cast(count(distinct cohort_month) as integer) as cohorts_matured,
        cast(count(*) as integer) as opportunities_created,
        sum(pipeline_usd) as pipeline_created_usd,
        cast(sum(won_count) as integer) as deals_won,
        sum(won_arr_usd) as won_arr_usd,
        sum(open_pipeline_usd) as open_pipeline_usd,
        sum(open_count) as open_count

    from matured_offsets
    group by 1, 2, 3

),

-- every motion, segment and offset, measured or not (zero cohorts: no rate)
scopes as (

    select distinct
        motion,
        segment
    from scoped_opportunities

),

curve as (

    select
        scopes.motion,
        scopes.segment,
        offsets.months_since_creation,
        coalesce(measured.cohorts_matured, 0) as cohorts_matured,
        coalesce(measured.opportunities_created, 0) as opportunities_created,
        coalesce(measured.pipeline_created_usd, 0) as pipeline_created_usd,
        coalesce(measured.deals_won, 0) as deals_won,
        coalesce(measured.won_arr_usd, 0) as won_arr_usd,
        measured.won_arr_usd / nullif(measured.pipeline_created_usd, 0) as win_rate_arr,
        cast(measured.deals_won as {{ kpi_tree.type_double() }})
        / nullif(measured.opportunities_created, 0) as win_rate_count,
        measured.open_pipeline_usd
        / nullif(measured.pipeline_created_usd, 0) as open_share_after_arr,
        cast(measured.open_count as {{ kpi_tree.type_double() }})
        / nullif(measured.opportunities_created, 0) as open_share_after_count

    from scopes
    cross join offsets
    left join measured
        on
            scopes.motion = measured.motion
            and scopes.segment = measured.segment
            and offsets.months_since_creation = measured.months_since_creation

),

final as (

    select
        {{ kpi_tree.surrogate_key(['motion', 'segment', 'months_since_creation']) }}
            as cohort_win_rate_id,
        motion,
        segment,
        months_since_creation,
        cohorts_matured,
        opportunities_created,
        pipeline_created_usd,
        deals_won,
        won_arr_usd,
        win_rate_arr,
        win_rate_count,
        case
            when win_rate_arr is not null
                then sum(win_rate_arr) over (
                    partition by motion, segment
                    order by months_since_creation
                    rows between unbounded preceding and current row
                )
        end as cumulative_win_rate_arr,
        case
            when win_rate_count is not null
                then sum(win_rate_count) over (
                    partition by motion, segment
                    order by months_since_creation
                    rows between unbounded preceding and current row
                )
        end as cumulative_win_rate_count,
        open_share_after_arr,
        open_share_after_count

    from curve

)

select * from final
