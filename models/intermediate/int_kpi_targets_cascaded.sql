{#-
    Targets for every tree node, grain, period and motion: the entered target
    where there is one, else the top-down cascade from the root target and the
    planned rates. For a product node Y = x1 x ... x xn whose target is known
    and whose drivers all have entered targets but one, that one's target is
    Y / (product of the others); for a sum node, Y - (sum of the others).
    Depth by depth from the root: $1,000,000 pipeline / $40,000 per opportunity
    = 25 opportunities / 50% = 50 meetings / 25% = 200 demo requests / 2% =
    10,000 sessions. Where every driver has an entered target, target_cascaded
    still holds the value the cascade implies, so that a contradiction between
    the two is reported (test kpi_targets_agree_with_cascade), never overwritten.
-#}
{%- set max_depth = kpi_tree.kpi_max_depth() %}

with

entered_targets as (

    select * from {{ ref('int_kpi_targets_entered') }}

),

definitions as (

    select * from {{ ref('kpi_definitions') }}

),

reporting_periods as (

    select * from {{ ref('int_reporting_periods') }}

),

node_periods as (

    select
        definitions.metric_id,
        definitions.parent_metric_id,
        definitions.role,
        definitions.depth,
        reporting_periods.grain,
        reporting_periods.period_start,
        reporting_periods.motion,
        entered_targets.target_entered,
        entered_targets.entered_grain

    from definitions
    cross join reporting_periods
    left join entered_targets
        on
            definitions.metric_id = entered_targets.metric_id
            and reporting_periods.grain = entered_targets.grain
            and reporting_periods.period_start = entered_targets.period_start
            and reporting_periods.motion = entered_targets.motion

),

-- per parent and period: its drivers, how many have an entered target, and
-- the product and sum of those targets
driver_totals as (

    select
        node_periods.parent_metric_id as metric_id,
        node_periods.grain,
        node_periods.period_start,
        node_periods.motion,
        count(*) as driver_count,
        count(node_periods.target_entered) as entered_driver_count,
        {{ kpi_tree.product_aggregate('node_periods.target_entered') }} as entered_product,
        sum(node_periods.target_entered) as entered_sum

    from node_periods
    where node_periods.role = 'driver' and node_periods.parent_metric_id is not null
    group by 1, 2, 3, 4

),

depth_0 as (

    select
        metric_id,
        grain,
        period_start,
        motion,
        target_entered,
        entered_grain,
        cast(null as {{ kpi_tree.type_double() }}) as target_cascaded,
        target_entered as target

    from node_periods
    where depth = 0

),

-- one pair of steps per depth of the tree, from the root down
-- noqa: disable=LT02
{% for depth in range(1, max_depth + 1) %}
depth_{{ depth }}_cascaded as (

    select
        node_periods.metric_id,
        node_periods.grain,
        node_periods.period_start,
        node_periods.motion,
        node_periods.target_entered,
        node_periods.entered_grain,
        case
            when node_periods.role != 'driver' or depth_{{ depth - 1 }}.target is null then null
            -- the one driver without an entered target takes what the others leave
            when
                node_periods.target_entered is null
                and driver_totals.entered_driver_count = driver_totals.driver_count - 1
                then case definitions.combine
                    when 'product'
                        then depth_{{ depth - 1 }}.target / nullif(driver_totals.entered_product, 0)
                    when 'sum' then depth_{{ depth - 1 }}.target - driver_totals.entered_sum
                end
            -- every driver entered: what the cascade implies for this one, given the others
            when
                node_periods.target_entered is not null
                and driver_totals.entered_driver_count = driver_totals.driver_count
                then case definitions.combine
                    when 'product'
                        then depth_{{ depth - 1 }}.target * node_periods.target_entered
                        / nullif(driver_totals.entered_product, 0)
                    when 'sum'
                        then depth_{{ depth - 1 }}.target
                        - (driver_totals.entered_sum - node_periods.target_entered)
                end
        end as target_cascaded

    from node_periods
    inner join depth_{{ depth - 1 }}
        on node_periods.parent_metric_id = depth_{{ depth - 1 }}.metric_id
        and node_periods.grain = depth_{{ depth - 1 }}.grain
        and node_periods.period_start = depth_{{ depth - 1 }}.period_start
        and node_periods.motion = depth_{{ depth - 1 }}.motion
    inner join definitions
        on node_periods.parent_metric_id = definitions.metric_id
    left join driver_totals
        on node_periods.parent_metric_id = driver_totals.metric_id
        and node_periods.grain = driver_totals.grain
        and node_periods.period_start = driver_totals.period_start
        and node_periods.motion = driver_totals.motion
    where node_periods.depth = {{ depth }}

),

depth_{{ depth }} as (

    select
        *,
        coalesce(target_entered, target_cascaded) as target

    from depth_{{ depth }}_cascaded

),
{% endfor %}
all_depths as (

    {% for depth in range(0, max_depth + 1) -%}
    select * from depth_{{ depth }}
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),
-- noqa: enable=LT02

final as (

    select
        metric_id,
        grain,
        period_start,
        motion,
        target,
        case
            when target_entered is not null then 'entered'
            when target_cascaded is not null then 'cascaded'
        end as target_source,
        entered_grain,
        target_entered,
        target_cascaded

    from all_depths

)

select * from final
