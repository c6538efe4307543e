{#-
    The customer base's ARR on every day (int_customer_arr_aggregated_daily)
    equals the starting ARR of every subscription started by then plus every
    change effective by then (docs/raw_data.md: ARR rolls forward exactly).
    Fails with the days where the daily table and the movements disagree.
-#}

with

customer_arr_days as (

    select * from {{ ref('int_customer_arr_aggregated_daily') }}

),

subscriptions as (

    select * from {{ ref('stg_marketing__subscriptions') }}

),

arr_changes as (

    select * from {{ ref('int_subscription_arr_changes') }}

),

daily_arr as (

    select
        activity_date,
        sum(arr_usd) as arr_usd

    from customer_arr_days
    group by 1

),

arr_movements as (

    select
        started_on as effective_on,
        arr_usd as arr_change_usd

    from subscriptions

    union all

    select
        effective_on,
        arr_change_usd

    from arr_changes

),

expected as (

    select
        daily_arr.activity_date,
        daily_arr.arr_usd,
        (
            select sum(arr_movements.arr_change_usd)
            from arr_movements
            where arr_movements.effective_on <= daily_arr.activity_date
        ) as expected_arr_usd

    from daily_arr

),

final as (

    select *
    from expected
    where abs(arr_usd - expected_arr_usd) > 0.01

)

select * from final
