{#-
    Every broken piece of a definition, one row each: the metrics' meta, the
    trees in vars.kpi_trees, their shape and sizes, the metric views, the
    targets and thresholds seeds (macros/validation/). Each rule has its own
    named test (_definition_rules.yml), so one `dbt build` lists them all; the
    tree models and the marts wait for those tests and are skipped when one
    fails. The metric views wait for the metric rules alone, checked by each view
    on its own metrics (macros/validation/metric_view_rules.sql): this model
    depends on every metric. A row matching an unexpired exception in
    seeds/kpi_rule_exceptions.csv is accepted, with its reason.
-#}
{%- do kpi_tree.record_tree_lineage() %}
{%- set targets = kpi_tree.engine_seed_relation('kpi_targets') %}
{%- set thresholds = kpi_tree.engine_seed_relation('kpi_thresholds') %}
{%- set benchmarks = kpi_tree.engine_seed_relation('kpi_benchmarks') %}
{%- set target_rules = kpi_tree.engine_seed_relation('kpi_target_rules') %}
{%- set violations = [] %}
{%- if execute %}
    {%- set nodes = kpi_tree.tree_nodes() %}
    {%- do violations.extend(kpi_tree.metric_meta_violations()) %}
    {%- do violations.extend(kpi_tree.tree_definition_violations()) %}
    {%- do violations.extend(kpi_tree.tree_shape_violations(nodes)) %}
    {%- do violations.extend(kpi_tree.size_violations(nodes)) %}
    {%- do violations.extend(kpi_tree.view_violations(nodes)) %}
    {%- do violations.extend(kpi_tree.target_violations(targets)) %}
    {%- do violations.extend(kpi_tree.target_rule_violations(target_rules)) %}
    {%- do violations.extend(kpi_tree.threshold_violations(thresholds, benchmarks)) %}
{%- endif %}

with

exceptions as (

    {{ kpi_tree.engine_seed_rows('kpi_rule_exceptions') }}

),

violations as (

    {{ kpi_tree.literal_rows(violations, [
        ('rule', 'text'),
        ('tree_id', 'text'),
        ('node_id', 'text'),
        ('metric_id', 'text'),
        ('message', 'text'),
        ('fix', 'text'),
    ]) }}

),

-- an exception names a rule and, optionally, a tree and a metric; it holds
-- until its expiry date
matched_exceptions as (

    select
        violations.*,
        exceptions.reason as exception_reason,
        exceptions.expires_on as exception_expires_on,
        row_number() over (
            partition by
                violations.rule,
                violations.tree_id,
                violations.node_id,
                violations.metric_id,
                violations.message
            order by exceptions.expires_on desc
        ) as exception_rank

    from violations
    left join exceptions
        on
            violations.rule = exceptions.rule
            and (exceptions.tree_id is null or violations.tree_id = exceptions.tree_id)
            and (exceptions.metric_id is null or violations.metric_id = exceptions.metric_id)

),

final as (

    select
        {{ kpi_tree.surrogate_key(['rule', 'tree_id', 'node_id', 'metric_id', 'message']) }}
            as violation_id,
        rule,
        tree_id,
        node_id,
        metric_id,
        message,
        fix,
        exception_reason,
        exception_expires_on,
        coalesce(exception_expires_on >= cast({{ dbt.current_timestamp() }} as date), false)
            as is_excepted

    from matched_exceptions
    where exception_rank = 1

)

select * from final
