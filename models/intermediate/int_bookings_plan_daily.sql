{#- The monthly bookings plan spread evenly over the days of each month, so that
    the bookings target adds up correctly at any grain, up to the as-of date: a
    period in progress holds the plan of its elapsed days, so a ratio of actuals
    to plan (pipeline coverage) compares like with like. -#}

with

bookings_plan as (

    select * from {{ ref('bookings_plan') }}

),

days as (

    select * from {{ ref('kpi_time_spine') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

plan_days as (

    select
        days.date_day as plan_date,
        bookings_plan.motion,
        bookings_plan.bookings_target_usd,
        count(*) over (
            partition by bookings_plan.month_start, bookings_plan.motion
        ) as days_in_month

    from bookings_plan
    inner join days
        on {{ dbt.date_trunc('month', 'days.date_day') }} = bookings_plan.month_start

),

final as (

    select
        {{ kpi_tree.surrogate_key(['plan_days.plan_date', 'plan_days.motion']) }}
            as bookings_plan_day_id,
        plan_days.plan_date,
        plan_days.motion,
        plan_days.bookings_target_usd / plan_days.days_in_month as bookings_target_usd

    from plan_days
    cross join as_of
    where plan_days.plan_date <= as_of.as_of_date

)

select * from final
