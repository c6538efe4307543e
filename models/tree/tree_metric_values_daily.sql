{#-
    The daily values of every metric the trees read, in total and by motion:
    what the forecast (tree_forecast_curves) learns a period's shape from, the
    share of a period's final value that had landed by each elapsed day.
    Compiled by the metric compiler like tree_metric_values, at grain day.
-#}
-- depends_on: {{ ref('definition_violations') }}
{%- do kpi_tree.record_tree_lineage() %}
{%- do kpi_tree.record_compiler_lineage() %}
{%- if execute %}
{{ kpi_tree.metric_query(
    kpi_tree.tree_metric_names(),
    [[], ['motion']],
    ['day'],
    ['motion'],
) }}
{%- endif %}
