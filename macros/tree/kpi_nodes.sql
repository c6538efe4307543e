{#-
    The KPI tree as the rest of the project sees it, read from the metrics'
    config.meta.kpi blocks (README.md, "Metric meta schema"). Execute time only.
-#}

{% macro kpi_meta_schema() -%}
    {#- The meta keys a tree metric may carry, and the values the enumerated ones allow. -#}
    {{ return({
        'required': ['tree', 'layer', 'owner', 'cadence', 'direction', 'unit'],
        'optional': ['parent', 'role', 'combine', 'executive'],
        'allowed': {
            'layer': ['business_outcome', 'pipeline_mechanics', 'channel_diagnostic'],
            'cadence': ['weekly', 'monthly', 'quarterly'],
            'direction': ['higher_is_better', 'lower_is_better'],
            'unit': ['count', 'usd', 'ratio', 'hours', 'multiple'],
            'role': ['driver', 'diagnostic'],
            'combine': ['product', 'sum'],
        },
        'core_layers': ['business_outcome', 'pipeline_mechanics'],
        'max_core_metrics': 15,
        'executive_size': [8, 12],
    }) }}
{%- endmacro %}


{% macro kpi_nodes() -%}
    {#-
        {metric name: node} for every tree metric, each node a dict of its meta
        plus what follows from the tree: depth (root 0), root, drivers (children
        with role driver), is_additive (sums across days and periods).
        Assumes validate_kpi_definitions has passed.
    -#}
    {%- set nodes = {} -%}
    {%- for metric in kpi_tree.tree_metrics().values() -%}
        {%- set meta = metric.config.meta.kpi -%}
        {%- set measure_agg = none -%}
        {%- if metric.type == 'simple' -%}
            {%- set measure_agg = kpi_tree.semantic_model_of_measure(
                metric.type_params.measure.name, metric.name)[1].agg -%}
        {%- endif -%}
        {%- do nodes.update({metric.name: {
            'metric_id': metric.name,
            'label': metric.label or metric.name,
            'description': (metric.description or '') | trim,
            'metric_type': metric.type,
            'tree': meta.tree,
            'parent': meta.get('parent'),
            'role': meta.get('role') or 'driver',
            'combine': meta.get('combine'),
            'layer': meta.layer,
            'owner': meta.owner,
            'cadence': meta.cadence,
            'direction': meta.direction,
            'unit': meta.unit,
            'is_executive': meta.get('executive') is sameas true,
            'is_additive': measure_agg in ['sum', 'count', 'sum_boolean'],
            'definition_file': metric.original_file_path,
            'drivers': [],
        }}) -%}
    {%- endfor -%}
    {#- drivers in name order: the parse order of metrics is not stable -#}
    {%- for node in nodes.values() | sort(attribute='metric_id') if node.parent and node.role == 'driver' -%}
        {%- do nodes[node.parent].drivers.append(node.metric_id) -%}
    {%- endfor -%}
    {%- for node in nodes.values() -%}
        {%- set chain = namespace(current=node, depth=0) -%}
        {%- for _ in range(nodes | length) if chain.current.parent -%}
            {%- set chain.current = nodes[chain.current.parent] -%}
            {%- set chain.depth = chain.depth + 1 -%}
        {%- endfor -%}
        {%- do node.update({'depth': chain.depth, 'root': chain.current.metric_id}) -%}
    {%- endfor -%}
    {{ return(nodes) }}
{%- endmacro %}


{% macro kpi_max_depth() -%}
    {#- The depth of the deepest tree node (the root is 0); 0 at parse time. -#}
    {%- if not execute -%}
        {{ return(0) }}
    {%- endif -%}
    {{ return(kpi_tree.kpi_nodes().values() | map(attribute='depth') | max) }}
{%- endmacro %}
