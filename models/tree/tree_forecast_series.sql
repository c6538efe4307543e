{#-
    The forecast of each metric the trees read, in total and by motion, at each
    forecast point: the period open at the as-of date (point `open`, at its
    elapsed days), and every complete period seen at 25%, 50% and 75% of its days
    (points at_25, at_50, at_75: the backtest, kpi_forecast_backtest).
    A count or amount (a simple metric's value; a ratio's numerator and
    denominator, each a series of its own: tree_forecast_curves) is forecast from
    what had landed by the point (to_date) and the reference periods
    (tree_forecast_references): the var kpi_forecast_reference_periods complete
    periods of the grain just before, seen at the same elapsed day (a week's
    weekdays line up; a quarter's last-month push is in its share). Their pooled
    share (landed by then / final) and their mean final value make the forecast
    (kpi_tree.forecast_from_share). A ratio is its numerator's forecast over its
    denominator's. The spread of the log error the same forecast made in each
    reference period (log_error_sd) sizes the 80% interval. Derived metrics
    without a numerator and denominator are not forecast here (kpi_forecasts holds
    them at their value so far).
    The curves and the references are tables of their own: PostgreSQL has no
    statistics on a CTE and misestimated the joins between them (minutes).
-#}
{%- set series_keys = ['metric_id', 'value_motion', 'part', 'grain'] %}
{%- set share_keys = series_keys + ['period_start', 'forecast_point'] %}
{%- set curve_keys = series_keys + ['period_start', 'elapsed_days'] %}
{%- set metric_point_keys = [
    'metric_id', 'value_motion', 'grain', 'period_start', 'forecast_point',
] %}

with

forecast_references as (

    select * from {{ ref('tree_forecast_references') }}

),

curves as (

    select * from {{ ref('tree_forecast_curves') }}

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

    from forecast_references

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

-- each point's share and prior, with the point's own days
shares as (

    select
        {%- for key in share_keys + ['elapsed_days', 'days_in_period', 'is_complete'] %}
        {{ key }},
        {%- endfor %}
        max(landed_share) as landed_share,
        max(prior_final) as prior_final,
        max(reference_count) as reference_count

    from reference_forecasts
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9

),

series_forecasts as (

    select
        shares.*,
        curves.to_date,
        case when shares.is_complete then curves.period_total end as final_value,
        {{ kpi_tree.forecast_from_share(
            'curves.to_date', 'coalesce(shares.landed_share, 0)', 'shares.prior_final'
        ) }} as forecast,
        curves.to_date * shares.days_in_period / shares.elapsed_days as linear_pacing

    from shares
    inner join curves
        on{{ kpi_tree.keys_equal('shares', 'curves', curve_keys) }}

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
