{#-
    The values of every metric the trees read, compiled by the metric compiler
    into one query (inputs the metrics share are computed once): at the trees'
    grains, in total, by motion, and by each drill-down dimension, alone and
    within a motion (without motions, a null motion column). One row per metric, grain, period and breakdown member.
    Built only when every definition rule passes, like the tree's other models.
-#}
-- depends_on: {{ ref('definition_violations') }}
{%- do kpi_tree.record_tree_lineage() %}
{%- do kpi_tree.record_compiler_lineage() %}
{%- if execute and kpi_tree.typed_var('kpi_motions') %}
{{ kpi_tree.metric_query(
    kpi_tree.tree_metric_names(),
    kpi_tree.tree_breakdowns(),
    kpi_tree.typed_var('kpi_tree_grains'),
) }}
{%- elif execute %}
{#- a semantic layer without motions (var kpi_motions empty): every row is of no motion #}
select
    metric_values.*,
    cast(null as {{ dbt.type_string() }}) as motion
from (
{{ kpi_tree.metric_query(
    kpi_tree.tree_metric_names(),
    kpi_tree.tree_breakdowns(),
    kpi_tree.typed_var('kpi_tree_grains'),
) }}
) as metric_values
{%- endif %}
