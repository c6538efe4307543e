{#- The monthly bookings plan spread evenly over the days of each month, so that
    the bookings target adds up correctly at any grain. -#}

with

bookings_plan as (

    select * from {{ ref('bookings_plan') }}

),

days as (

    select * from {{ ref('metricflow_time_spine') }}

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
        {{ kpi_tree.surrogate_key(['plan_date', 'motion']) }} as bookings_plan_day_id,
        plan_date,
        motion,
        bookings_target_usd / days_in_month as bookings_target_usd

    from plan_days

)

select * from final
