{#-
    The forecast of each metric the trees read, in total and by motion, at each
    forecast point: the period open at the as-of date (point `open`, at its
    elapsed days), and every complete period seen at 25%, 50% and 75% of its days
    (points at_25, at_50, at_75: the backtest, kpi_forecast_backtest).
    A count or amount (a simple metric's value; a ratio's numerator and
    denominator, each a series of its own) is forecast from what had landed by
    the point (to_date) and the reference periods: the var
    kpi_forecast_reference_periods complete periods of the grain just before, seen
    at the same elapsed day (a week's weekdays line up; a quarter's last-month
    push is in its share). Their pooled share (landed by then / final) and their
    mean final value make the forecast (kpi_tree.forecast_from_share). A ratio is
    its numerator's forecast over its denominator's. The spread of the log error
    the same forecast made in each reference period (log_error_sd) sizes the 80%
    interval. Derived metrics without a numerator and denominator are not forecast
    here (kpi_forecasts holds them at their value so far).
-#}
{%- set reference_periods = kpi_tree.typed_var('kpi_forecast_reference_periods') %}
{%- set series_keys = ['metric_id', 'value_motion', 'part', 'grain'] %}
{%- set point_keys = ['grain', 'period_start', 'forecast_point'] %}
{%- set share_keys = series_keys + ['period_start', 'forecast_point'] %}
{%- set metric_point_keys = ['metric_id', 'value_motion'] + point_keys %}

with

daily_values as (

    select * from {{ ref('tree_metric_values_daily') }}

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

calendar_periods as (

    select * from {{ ref('int_calendar_periods') }}

),

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

-- the metrics forecast here: simple ones (counts, amounts) and those with a
-- numerator and a denominator
metric_types as (

    select distinct
        metric_id,
        metric_type

    from nodes

),

parts as (

    select 'value' as part
    union all
    select 'numerator' as part
    union all
    select 'denominator' as part

),

daily_parts as (

    select
        daily_values.metric_id,
        coalesce(daily_values.motion, 'all') as value_motion,
        daily_values.period_start as activity_date,
        parts.part,
        case parts.part
            when 'value' then daily_values.value
            when 'numerator' then daily_values.numerator
            else daily_values.denominator
        end as amount

    from daily_values
    inner join metric_types
        on daily_values.metric_id = metric_types.metric_id
    cross join parts
    where
        (parts.part = 'value' and metric_types.metric_type = 'simple')
        or (parts.part != 'value' and metric_types.metric_type = 'ratio')

),

numbered_periods as (

    select
        reporting_periods.grain,
        reporting_periods.period_start,
        reporting_periods.period_end,
        reporting_periods.days_in_period,
        row_number() over (
            partition by reporting_periods.grain order by reporting_periods.period_start
        ) as period_number,
        reporting_periods.period_end <= as_of.as_of_date as is_complete,
        case
            when
                reporting_periods.period_start <= as_of.as_of_date
                and reporting_periods.period_end > as_of.as_of_date
                then 1 + {{ dbt.datediff(
                    'reporting_periods.period_start', 'as_of.as_of_date', 'day'
                ) }}
        end as open_elapsed_days

    from reporting_periods
    cross join as_of
    where reporting_periods.grain in (
        {{ kpi_tree.sql_string_list(kpi_tree.typed_var('kpi_tree_grains')) }}
    )

),

-- each day's running total within its period, and the period's final value
curves as (

    select
        daily_parts.metric_id,
        daily_parts.value_motion,
        daily_parts.part,
        calendar_periods.grain,
        calendar_periods.period_start,
        1 + {{ dbt.datediff('calendar_periods.period_start', 'daily_parts.activity_date', 'day') }}
            as elapsed_days,
        sum(coalesce(daily_parts.amount, 0)) over (
            partition by
                daily_parts.metric_id, daily_parts.value_motion, daily_parts.part,
                calendar_periods.grain, calendar_periods.period_start
            order by daily_parts.activity_date
            rows between unbounded preceding and current row
        ) as to_date,
        sum(coalesce(daily_parts.amount, 0)) over (
            partition by
                daily_parts.metric_id, daily_parts.value_motion, daily_parts.part,
                calendar_periods.grain, calendar_periods.period_start
        ) as period_total

    from daily_parts
    inner join calendar_periods
        on daily_parts.activity_date = calendar_periods.date_day
    cross join as_of
    where daily_parts.activity_date <= as_of.as_of_date

),

-- the points a forecast is made at: the open period at the as-of date, and each
-- complete period at a quarter, half and three quarters of its days
-- noqa: disable=LT02
point_shares as (

    select
        'open' as forecast_point,
        cast(null as integer) as percent_elapsed
    {%- for share in [25, 50, 75] %}
    union all
    select
        'at_{{ share }}' as forecast_point,
        {{ share }} as percent_elapsed
    {%- endfor %}

),
-- noqa: enable=LT02

points as (

    select
        numbered_periods.grain,
        numbered_periods.period_start,
        numbered_periods.period_number,
        numbered_periods.days_in_period,
        numbered_periods.is_complete,
        point_shares.forecast_point,
        coalesce(
            numbered_periods.open_elapsed_days,
            cast(greatest(
                1, floor(numbered_periods.days_in_period * point_shares.percent_elapsed / 100.0)
            ) as integer)
        ) as elapsed_days

    from numbered_periods
    cross join point_shares
    where
        (point_shares.forecast_point = 'open' and numbered_periods.open_elapsed_days is not null)
        or (point_shares.forecast_point != 'open' and numbered_periods.is_complete)

),

-- each point's reference periods: the complete ones of its grain just before it
point_references as (

    select
        points.grain,
        points.period_start,
        points.forecast_point,
        points.elapsed_days,
        numbered_periods.period_start as reference_start,
        least(points.elapsed_days, numbered_periods.days_in_period) as reference_elapsed_days

    from points
    inner join numbered_periods
        on
            points.grain = numbered_periods.grain
            and points.period_number > numbered_periods.period_number
            and points.period_number - {{ reference_periods }} <= numbered_periods.period_number
            and numbered_periods.is_complete

),

reference_values as (

    select
        curves.metric_id,
        curves.value_motion,
        curves.part,
        point_references.grain,
        point_references.period_start,
        point_references.forecast_point,
        point_references.reference_start,
        curves.to_date as reference_to_date,
        curves.period_total as reference_final

    from point_references
    inner join curves
        on
            point_references.grain = curves.grain
            and point_references.reference_start = curves.period_start
            and point_references.reference_elapsed_days = curves.elapsed_days

),

-- noqa: disable=LT02
-- the pooled share landed by the point and the mean final value of the references,
-- beside each reference (windows, not a join back: PostgreSQL cannot estimate one)
references_with_shares as (

    select
        *,
        sum(reference_to_date) over (
            partition by {{ share_keys | join(', ') }}
        ) / nullif(sum(reference_final) over (
            partition by {{ share_keys | join(', ') }}
        ), 0) as landed_share,
        avg(reference_final) over (partition by {{ share_keys | join(', ') }}) as prior_final,
        count(*) over (partition by {{ share_keys | join(', ') }}) as reference_count

    from reference_values

),

shares as (

    select
        {%- for key in share_keys %}
        {{ key }},
        {%- endfor %}
        max(landed_share) as landed_share,
        max(prior_final) as prior_final,
        max(reference_count) as reference_count

    from references_with_shares
    group by 1, 2, 3, 4, 5, 6

),

series_forecasts as (

    select
        shares.*,
        points.elapsed_days,
        points.days_in_period,
        curves.to_date,
        case when points.is_complete then curves.period_total end as final_value,
        {{ kpi_tree.forecast_from_share(
            'curves.to_date', 'coalesce(shares.landed_share, 0)', 'shares.prior_final'
        ) }} as forecast,
        curves.to_date * points.days_in_period / points.elapsed_days as linear_pacing

    from shares
    inner join points
        on{{ kpi_tree.keys_equal('shares', 'points', point_keys) }}
    inner join curves
        on{{ kpi_tree.keys_equal('shares', 'curves', series_keys + ['period_start']) }}
            and points.elapsed_days = curves.elapsed_days

),

-- the forecast each reference period would have had, with the same share and prior
reference_forecasts as (

    select
        *,
        {{ kpi_tree.forecast_from_share(
            'reference_to_date', 'coalesce(landed_share, 0)', 'prior_final'
        ) }} as reference_forecast

    from references_with_shares

),

-- a metric: its value's series, or its numerator's over its denominator's
metric_forecasts as (

    select
        metric_id,
        value_motion,
        grain,
        period_start,
        forecast_point,
        max(elapsed_days) as elapsed_days,
        max(days_in_period) as days_in_period,
        max(reference_count) as reference_count,
        max(case when part = 'numerator' then 'ratio_of_forecasts' else 'landed_share' end)
            as forecast_method,
        {%- for column in ['to_date', 'final_value', 'forecast', 'linear_pacing'] %}
        {{ kpi_tree.series_value(column) }} as {{ column }},
        {%- endfor %}
        max(case when part in ('value', 'numerator') then landed_share end) as landed_share,
        max(case when part = 'denominator' then landed_share end) as denominator_landed_share

    from series_forecasts
    group by 1, 2, 3, 4, 5

),

reference_errors as (

    select
        metric_id,
        value_motion,
        grain,
        period_start,
        forecast_point,
        reference_start,
        {{ kpi_tree.series_value('reference_final') }} as reference_final,
        {{ kpi_tree.series_value('reference_forecast') }} as reference_forecast

    from reference_forecasts
    group by 1, 2, 3, 4, 5, 6

),

-- the spread of the log error in the references (those with both values positive)
error_spreads as (

    select
        metric_id,
        value_motion,
        grain,
        period_start,
        forecast_point,
        stddev_samp(ln(reference_final / reference_forecast)) as log_error_sd,
        count(*) as error_count

    from reference_errors
    where reference_final > 0 and reference_forecast > 0
    group by 1, 2, 3, 4, 5

),
-- noqa: enable=LT02

final as (

    select
        metric_forecasts.*,
        error_spreads.log_error_sd,
        coalesce(error_spreads.error_count, 0) as error_count,
        -- the spread of one new outcome around a mean from error_count references
        error_spreads.log_error_sd
        * sqrt(1 + 1.0 / nullif(error_spreads.error_count, 0)) as prediction_log_sd

    from metric_forecasts
    left join error_spreads
        on{{ kpi_tree.keys_equal('metric_forecasts', 'error_spreads', metric_point_keys) }}

)

select * from final
