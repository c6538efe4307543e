{#-
    The definition rules a metric view waits for. A view is computed from its
    metric and the metrics that metric reads (at any depth), so it builds only
    when those pass the rules about one metric's definition (meta_missing_key,
    meta_unknown_key, meta_invalid_value, executive_diagnostic: the rules of
    metric_meta_violations), less the unexpired exceptions in
    seeds/kpi_rule_exceptions.csv; otherwise the view fails, naming the metric,
    the rule and the fix. Run as a pre-hook (dbt_project.yml), so `dbt compile`
    and `dbt docs generate` still work on a broken definition.

    The rules that read several definitions at once (the trees, their sizes,
    targets, thresholds) stay in definition_violations, whose tests gate the
    trees and the marts. The views do not wait for that model: it depends on
    every metric a tree reads, so a view downstream of it would be a descendant
    of every metric, and `state:modified+` after one metric's change would
    select every view (docs/trees.md, "Lineage").
-#}
{% macro check_metric_view_definitions() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set checked = kpi_tree.kpi_metrics() -%}
    {%- set violations = [] -%}
    {%- for name in kpi_tree.metrics_computed_from(model.depends_on.nodes) if name in checked -%}
        {%- do violations.extend(kpi_tree.metric_rule_violations(name, checked[name])) -%}
    {%- endfor -%}
    {%- if violations -%}
        {%- set excepted = kpi_tree.excepted_metric_rules() -%}
        {%- set errors = [] -%}
        {%- for v in violations
            if (v.rule ~ '|' ~ v.metric_id) not in excepted and (v.rule ~ '|') not in excepted -%}
            {%- do errors.append([v.metric_id, v.rule, v.message ~ '; ' ~ v.fix]) -%}
        {%- endfor -%}
        {%- do kpi_tree.fail_all(errors) -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{% macro metrics_computed_from(depends_on) -%}
    {#- The names of the metrics among the unique ids in depends_on and of every
        metric they read, at any depth (graph.metrics). -#}
    {%- set found = [] -%}
    {%- set ns = namespace(frontier=depends_on) -%}
    {#- one pass per level of inputs: a chain is no deeper than the number of metrics -#}
    {%- for _ in range(graph.metrics | length) -%}
        {%- set inputs = [] -%}
        {%- for unique_id in ns.frontier if unique_id in graph.metrics
            and graph.metrics[unique_id].name not in found -%}
            {%- do found.append(graph.metrics[unique_id].name) -%}
            {%- do inputs.extend(graph.metrics[unique_id].depends_on.nodes) -%}
        {%- endfor -%}
        {%- set ns.frontier = inputs -%}
    {%- endfor -%}
    {{ return(found | sort) }}
{%- endmacro %}


{% macro excepted_metric_rules() -%}
    {#- The unexpired exceptions (seeds/kpi_rule_exceptions.csv) that can accept a
        rule about one metric (no tree named), as 'rule|metric_id' ('rule|' for
        every metric): the match definition_violations makes. -#}
    {%- set query -%}
        select rule, metric_id
        from ({{ kpi_tree.engine_seed_rows('kpi_rule_exceptions') }}) as exceptions
        where tree_id is null and expires_on >= cast({{ dbt.current_timestamp() }} as date)
    {%- endset -%}
    {%- set excepted = [] -%}
    {%- for row in run_query(query) -%}
        {%- do excepted.append(row[0] ~ '|' ~ (row[1] or '')) -%}
    {%- endfor -%}
    {{ return(excepted) }}
{%- endmacro %}
