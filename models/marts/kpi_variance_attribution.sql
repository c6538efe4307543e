{#-
    Where to look first. For each product or sum node, motion, period and
    breakdown (the node in total, or one channel, segment or region), each
    driver's exact share of the node's gap to target, in the node's unit:
      - product nodes, LMDI (Ang 2004): driver i explains
        L(Y_actual, Y_target) x ln(x_i actual / x_i target), where
        L(a, b) = (a - b) / (ln a - ln b) and L(a, a) = a; the shares add up to
        Y_actual - Y_target with no residual;
      - sum nodes: driver i explains x_i actual - x_i target.
    attribution_level 'driver' splits a node over its direct drivers; 'leaf'
    over the deepest cut of its nested products (or sums) whose nodes all have
    actuals and targets in the period: LMDI contributions add up across any
    such cut, so the gap is ranked down to the stage that moved it, as deep as
    the targets allow; a sum's cut goes on into its product drivers (their leaf
    contributions add up to their own gap, their part of the sum). Rules for the hard cases:
      - a period in progress is judged against the target its status uses
        (counts and dollars prorated by elapsed days);
      - a rate of nothing over nothing (0/0, below a stage that fell to zero)
        counts as on target, and the drivers at zero take the gap (the
        analytical limit of LMDI), shared among them;
      - a driver without an actual or a target, or targets that do not
        combine to the node's target, leave their part as a row of its own
        (driver_node_id null) whose label says why (no target, no actual, or
        a zero base: a rate with nothing to divide by), so the rows always add
        up to the gap.
    Drivers that pulled against the node's goal are ranked by size (rank 1:
    where to look first, with its share of the shortfall: of what the drivers
    against the goal took together); the ones that helped are offsetting; a
    part within var('kpi_noise_tolerance') of the node's size is rounding
    (negligible: neither ranked nor offsetting). root_if_driver_on_target is
    the what-if: the node's value had that driver met its target, all else
    equal.
-#}
{%- set period_keys = ['tree_id', 'motion', 'grain', 'period_start', 'breakdown'] %}
{%- set period_keys = period_keys + ['breakdown_value'] %}
{%- set keys = ['tree_id', 'node_id'] + period_keys[1:] %}
{#- the columns of an attributed row, in the order every branch of the union keeps -#}
{%- set attributed_columns = keys + [
    'attribution_level', 'metric_id', 'label', 'direction', 'combine', 'parent_actual',
    'parent_target', 'driver_node_id', 'driver_metric_id', 'driver_label', 'driver_owner',
    'driver_actual', 'driver_target', 'contribution', 'root_if_driver_on_target',
] %}

-- noqa: disable=LT02
with

attribution_values as (

    select * from {{ ref('tree_attribution_values') }}

),

attribution_cut as (

    select * from {{ ref('tree_attribution_cut') }}

),

nodes as (

    select * from {{ ref('tree_nodes') }}

),

pairs as (

    select
        attribution_cut.*,
        parent_nodes.metric_id,
        parent_nodes.label,
        parent_nodes.direction,
        parent_nodes.combine,
        parent_values.attribution_actual as parent_actual,
        parent_values.attribution_target as parent_target,
        driver_nodes.metric_id as driver_metric_id,
        driver_nodes.label as driver_label,
        driver_nodes.owner as driver_owner,
        driver_values.attribution_actual as driver_actual,
        driver_values.attribution_target as driver_target,
        coalesce(driver_values.is_zero_base, false) as is_driver_zero_base

    from attribution_cut
    inner join nodes as parent_nodes
        on
            attribution_cut.tree_id = parent_nodes.tree_id
            and attribution_cut.node_id = parent_nodes.node_id
    inner join nodes as driver_nodes
        on
            attribution_cut.tree_id = driver_nodes.tree_id
            and attribution_cut.driver_node_id = driver_nodes.node_id
    inner join attribution_values as parent_values
        on
            {%- for key in keys %}
            {{ 'and ' if not loop.first }}attribution_cut.{{ key }} = parent_values.{{ key }}
            {%- endfor %}
    left join attribution_values as driver_values
        on
            attribution_cut.driver_node_id = driver_values.node_id
            {%- for key in period_keys %}
            and attribution_cut.{{ key }} = driver_values.{{ key }}
            {%- endfor %}

),

per_parent as (

    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        attribution_level,
        count(*) as driver_count,
        count(case when driver_actual is not null and driver_target is not null then 1 end)
            as defined_driver_count,
        sum(case when driver_actual = 0 then 1 else 0 end) as zero_actual_drivers,
        sum(case when driver_target = 0 then 1 else 0 end) as zero_target_drivers,
        {{ kpi_tree.product_aggregate('case when driver_actual != 0 then driver_actual end') }}
            as nonzero_actual_product,
        {{ kpi_tree.product_aggregate('case when driver_target > 0 then driver_target end') }}
            as positive_target_product,
        sum(driver_target) as target_sum

    from pairs
    group by {{ range(1, keys | length + 2) | join(', ') }}

),

implied as (

    select
        pairs.*,
        per_parent.zero_actual_drivers,
        per_parent.zero_target_drivers,
        per_parent.nonzero_actual_product,
        -- the node's target as its drivers' targets combine
        case
            when pairs.combine = 'sum' then per_parent.target_sum
            when per_parent.zero_target_drivers > 0 then 0
            else per_parent.positive_target_product
        end as implied_parent_target

    from pairs
    inner join per_parent
        on
            {%- for key in keys + ['attribution_level'] %}
            {{ 'and ' if not loop.first }}pairs.{{ key }} = per_parent.{{ key }}
            {%- endfor %}
    where per_parent.defined_driver_count = per_parent.driver_count

),

with_log_mean as (

    select
        *,
        -- L(a, b) = (a - b) / (ln a - ln b), 0 when either is 0. Within a
        -- millionth of each other the quotient is all rounding error: take the
        -- limit, (a + b) / 2, exact to the 12th digit there.
        case
            when parent_actual <= 0 or implied_parent_target <= 0 then 0
            when abs(parent_actual - implied_parent_target) <= 0.000001 * implied_parent_target
                then (parent_actual + implied_parent_target) / 2
            else
                (parent_actual - implied_parent_target)
                / (
                    ln(greatest(parent_actual, 1e-300))
                    - ln(greatest(implied_parent_target, 1e-300))
                )
        end as log_mean

    from implied

),

contributions as (

    select
        *,
        case
            when combine = 'sum' then driver_actual - driver_target
            when
                parent_actual > 0 and implied_parent_target > 0
                and driver_actual > 0 and driver_target > 0
                then log_mean * ln(driver_actual / driver_target)
            -- limits: the drivers that fell to (or were planned at) zero take the gap
            when parent_actual = 0 and implied_parent_target > 0
                then case
                    when driver_actual = 0 then -implied_parent_target / zero_actual_drivers
                    else 0
                end
            when implied_parent_target = 0 and parent_actual > 0
                then case
                    when driver_target = 0 then parent_actual / zero_target_drivers
                    else 0
                end
            else 0
        end as contribution,
        -- what-if: the node's value had this driver met its target, all else equal
        case
            when combine = 'sum' then parent_actual + driver_target - driver_actual
            when driver_actual != 0 then parent_actual * driver_target / driver_actual
            when zero_actual_drivers = 1 then nonzero_actual_product * driver_target
            else 0
        end as root_if_driver_on_target

    from with_log_mean

),

-- why a node's gap cannot be split over its drivers: each driver without a
-- target, without an actual, or with a zero base (a rate with nothing to divide by)
missing_drivers as (

    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        attribution_level,
        case
            when driver_actual is not null then 'no target'
            when is_driver_zero_base and driver_target is null
                then 'zero base (denominator 0) and no target'
            when is_driver_zero_base then 'zero base (denominator 0)'
            when driver_target is null then 'no actual and no target'
            else 'no actual'
        end as reason,
        driver_label

    from pairs
    where driver_actual is null or driver_target is null

),

missing_reasons as (

    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        attribution_level,
        {{ dbt.concat(['reason', "' for '", kpi_tree.sorted_text_list('driver_label')]) }}
            as reason_text

    from missing_drivers
    group by {{ range(1, keys | length + 2) | join(', ') }}, reason

),

-- "no actual for Meetings held; no target for Expansion ARR, New business ARR"
missing_labels as (

    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        attribution_level,
        {{ kpi_tree.sorted_text_list('reason_text', '; ') }} as driver_label

    from missing_reasons
    group by {{ range(1, keys | length + 2) | join(', ') }}

),

-- the parts no driver explains: drivers without an actual or a target, and
-- targets that do not combine to the node's target
unexplained as (

    select distinct
        {%- for key in keys %}
        pairs.{{ key }},
        {%- endfor %}
        pairs.attribution_level,
        pairs.metric_id,
        pairs.label,
        pairs.direction,
        pairs.combine,
        pairs.parent_actual,
        pairs.parent_target,
        missing_labels.driver_label,
        pairs.parent_actual - pairs.parent_target as contribution

    from pairs
    inner join missing_labels
        on
            {%- for key in keys + ['attribution_level'] %}
            {{ 'and ' if not loop.first }}pairs.{{ key }} = missing_labels.{{ key }}
            {%- endfor %}

    union all

    select distinct
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        attribution_level,
        metric_id,
        label,
        direction,
        combine,
        parent_actual,
        parent_target,
        -- quote_string: Spark reads a doubled quote as two adjacent literals
        {{ kpi_tree.quote_string("drivers' targets do not combine to this target") }}
            as driver_label,
        implied_parent_target - parent_target as contribution

    from implied
    where
        abs(implied_parent_target - parent_target)
        > {{ kpi_tree.typed_var('kpi_identity_tolerance') }} * abs(parent_target)

),

attributed as (

    select
        {%- for column in attributed_columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from contributions

    union all

    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        attribution_level,
        metric_id,
        label,
        direction,
        combine,
        parent_actual,
        parent_target,
        cast(null as {{ dbt.type_string() }}) as driver_node_id,
        cast(null as {{ dbt.type_string() }}) as driver_metric_id,
        driver_label,
        cast(null as {{ dbt.type_string() }}) as driver_owner,
        cast(null as {{ kpi_tree.type_double() }}) as driver_actual,
        cast(null as {{ kpi_tree.type_double() }}) as driver_target,
        contribution,
        cast(null as {{ kpi_tree.type_double() }}) as root_if_driver_on_target

    from unexplained

),

-- a sum's leaf cut goes on into its product drivers: a product driver's leaf
-- contributions add up to its own gap, which is exactly its part of the sum
-- (pipeline = target-account pipeline + other: the stage under the first)
sum_leaf_rows as (

    select * from attributed
    where combine = 'sum' and attribution_level = 'leaf'

),

product_leaf_rows as (

    select * from attributed
    where combine = 'product' and attribution_level = 'leaf'

),

sum_leaves_through_products as (

    select
        {%- for key in keys %}
        sum_leaf_rows.{{ key }},
        {%- endfor %}
        sum_leaf_rows.attribution_level,
        sum_leaf_rows.metric_id,
        sum_leaf_rows.label,
        sum_leaf_rows.direction,
        sum_leaf_rows.combine,
        sum_leaf_rows.parent_actual,
        sum_leaf_rows.parent_target,
        sum_leaf_rows.driver_node_id as product_node_id,
        product_leaf_rows.driver_node_id,
        product_leaf_rows.driver_metric_id,
        -- a part no driver explains says under which product driver it sits
        -- (several of a sum's products may each leave one)
        case
            when product_leaf_rows.driver_node_id is null
                then {{ dbt.concat([
                    'product_leaf_rows.driver_label', "' ('", 'product_leaf_rows.label', "')'"
                ]) }}
            else product_leaf_rows.driver_label
        end as driver_label,
        product_leaf_rows.driver_owner,
        product_leaf_rows.driver_actual,
        product_leaf_rows.driver_target,
        product_leaf_rows.contribution,
        -- the sum, had the leaf met its target: the product driver's what-if in its place
        sum_leaf_rows.parent_actual - product_leaf_rows.parent_actual
        + product_leaf_rows.root_if_driver_on_target as root_if_driver_on_target

    from sum_leaf_rows
    inner join product_leaf_rows
        on
            sum_leaf_rows.driver_node_id = product_leaf_rows.node_id
            {%- for key in period_keys %}
            and sum_leaf_rows.{{ key }} = product_leaf_rows.{{ key }}
            {%- endfor %}

),

expanded_sum_drivers as (

    select distinct
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        attribution_level,
        product_node_id

    from sum_leaves_through_products

),

attributed_through_sums as (

    select attributed.*
    from attributed
    -- an equality on every column (the level too, 'leaf' on this side): a constant
    -- in a left join's condition made DuckDB compare every pair of rows (a nested
    -- loop, 85% of this model's time)
    left join expanded_sum_drivers
        on
            attributed.attribution_level = expanded_sum_drivers.attribution_level
            and attributed.driver_node_id = expanded_sum_drivers.product_node_id
            {%- for key in keys %}
            and attributed.{{ key }} = expanded_sum_drivers.{{ key }}
            {%- endfor %}
    where expanded_sum_drivers.product_node_id is null

    union all

    select
        {%- for column in attributed_columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from sum_leaves_through_products

),

-- noqa: enable=LT02
directed as (

    select
        *,
        (case when direction = 'higher_is_better' then 1 else -1 end) * contribution
            as directed_contribution,
        -- within this of the node's size, a part of the gap is rounding, not a move
        {{ kpi_tree.typed_var('kpi_noise_tolerance') }}
        * greatest(abs(parent_actual), abs(parent_target)) as noise_floor

    from attributed_through_sums

),

effects as (

    select
        *,
        case
            when abs(contribution) <= noise_floor then 'negligible'
            when driver_node_id is null then 'unexplained'
            when directed_contribution < 0 then 'against_goal'
            else 'offsetting'
        end as effect

    from directed

),

-- drivers against the goal ranked by size, within the node's total or across
-- the values of one drill-down dimension (the stage and the subgroup together)
ranked as (

    select
        *,
        case
            when effect = 'against_goal'
                then row_number() over (
                    partition by
                        tree_id, node_id, motion, grain, period_start, breakdown, attribution_level,
                        effect
                    -- rounded to 9 decimals: drivers with the same share of the gap
                    -- (equal up to floating-point noise) rank in the same order on
                    -- every engine
                    order by
                        {{ kpi_tree.round_to('directed_contribution', 9) }},
                        breakdown_value,
                        driver_node_id
                )
        end as where_to_look_rank,
        sum(case when effect = 'against_goal' then contribution end) over (
            partition by
                tree_id, node_id, motion, grain, period_start, breakdown, breakdown_value,
                attribution_level
        ) as shortfall

    from effects

),

final as (

    select
        tree_id,
        node_id,
        metric_id,
        label,
        motion,
        grain,
        period_start,
        breakdown,
        breakdown_value,
        attribution_level,
        combine,
        parent_actual,
        parent_target,
        parent_actual - parent_target as parent_gap,
        driver_node_id,
        driver_metric_id,
        driver_label,
        driver_owner,
        driver_actual,
        driver_target,
        contribution,
        effect,
        cast(where_to_look_rank as integer) as where_to_look_rank,
        case when effect = 'against_goal' then contribution / nullif(shortfall, 0) end
            as share_of_shortfall,
        root_if_driver_on_target,
        coalesce(where_to_look_rank = 1, false) as is_where_to_look_first

    from ranked

)

select * from final
