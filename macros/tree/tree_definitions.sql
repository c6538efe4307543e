{#-
    The KPI trees as the rest of the project sees them: the trees of
    var('kpi_trees') (dbt_project.yml), each node joined to the facts its metric
    carries in the semantic layer (config.meta.kpi). Trees are read from a var
    because dbt resolves lineage at parse time and only dbt_project.yml is
    visible then: that is what lets every model built from the trees depend on
    the metrics they name.

    Nothing here raises on a broken definition: the definition rules
    (models/semantic/definition_violations.sql) report each broken piece as a
    row and a named test, and the models built from the trees still compile,
    so `dbt ls`, `dbt docs generate` and the rule tests themselves run.
-#}

{% macro tree_keys() -%}
    {#- The keys a tree and a tree node may carry, and the values the enumerated ones allow. -#}
    {{ return({
        'tree': ['label', 'owner', 'scope', 'root', 'north_star', 'description', 'nodes'],
        'tree_required': ['label', 'owner', 'scope', 'root', 'nodes']
            if kpi_tree.typed_var('kpi_motions') else ['label', 'owner', 'root', 'nodes'],
        'node': ['parent', 'role', 'combine', 'metric', 'motion', 'subtree', 'expected_sign'],
        'role': ['driver', 'diagnostic'],
        'expected_sign': ['positive', 'negative'],
        'combine': ['product', 'sum'],
        'all_motions': 'all',
    }) }}
{%- endmacro %}


{% macro tree_definitions() -%}
    {#-
        [tree] from var('kpi_trees'), normalised: each tree {tree_id, label, owner,
        scope (list), root, north_star, description, keys (as written), nodes:
        [{node_id, metric_id, parent, role, combine, motion, subtree,
        expected_sign, keys, declaration_order}]}. Tolerates any shape (a rule reports what is wrong).
        Works at parse time (vars only).
    -#}
    {%- set raw_trees = kpi_tree.declared_trees() or {} -%}
    {%- set trees = [] -%}
    {%- if raw_trees is not mapping -%}
        {{ return(trees) }}
    {%- endif -%}
    {%- for tree_id, raw in raw_trees.items() -%}
        {%- set tree = raw if raw is mapping else {} -%}
        {%- set raw_nodes = tree.get('nodes') if tree.get('nodes') is mapping else {} -%}
        {#- without motions (var kpi_motions empty), a tree is over all the data: scope [all] -#}
        {%- set scope = tree.get('scope')
            if tree.get('scope') is not none or kpi_tree.typed_var('kpi_motions') else ['all'] -%}
        {%- set nodes = [] -%}
        {%- for node_id, raw_node in raw_nodes.items() -%}
            {%- set node = raw_node if raw_node is mapping else {} -%}
            {%- do nodes.append({
                'node_id': node_id | string,
                'metric_id': (node.get('metric') or node_id) | string,
                'parent': node.get('parent') | string if node.get('parent') is not none else none,
                'role': node.get('role') or 'driver',
                'combine': node.get('combine'),
                'motion': node.get('motion') | string if node.get('motion') is not none else none,
                'subtree': node.get('subtree'),
                'expected_sign': node.get('expected_sign') | string
                    if node.get('expected_sign') is not none else none,
                'written_keys': node.keys() | list if node is mapping else [],
                'is_mapping': raw_node is mapping or raw_node is none,
                'declaration_order': loop.index,
            }) -%}
        {%- endfor -%}
        {%- do trees.append({
            'tree_id': tree_id | string,
            'label': tree.get('label') or tree_id,
            'owner': tree.get('owner'),
            'scope': (scope if scope is iterable and scope is not string else [scope]) | map('string') | list
                if scope is not none else [],
            'root': tree.get('root'),
            'north_star': tree.get('north_star') or tree.get('root'),
            'description': tree.get('description'),
            'written_keys': tree.keys() | list,
            'is_mapping': raw is mapping,
            'nodes': nodes,
        }) -%}
    {%- endfor -%}
    {{ return(trees) }}
{%- endmacro %}


{% macro tree_metric_names() -%}
    {#- The distinct metrics the trees name, sorted. Works at parse time. -#}
    {%- set names = [] -%}
    {%- for tree in kpi_tree.tree_definitions() -%}
        {%- for node in tree.nodes if node.metric_id not in names -%}
            {%- do names.append(node.metric_id) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names | sort) }}
{%- endmacro %}


{% macro record_tree_lineage() -%}
    {#- Parse time: makes the calling model depend on every metric the trees name,
        so `dbt build -s +metric+` and `state:modified+` reach it. A tree naming
        a metric that does not exist fails `dbt parse` here (dbt's own message
        names the metric). -#}
    {%- for metric_name in kpi_tree.tree_metric_names() -%}
        {%- do metric(metric_name) -%}
    {%- endfor -%}
{%- endmacro %}


{% macro find_metric(metric_name) -%}
    {#- The metric node called metric_name, or none. -#}
    {%- for node in graph.metrics.values() if node.name == metric_name -%}
        {{ return(node) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{% macro metric_facts(metric_name) -%}
    {#- What a tree needs to know about a metric, from its definition and its
        config.meta.kpi block; none for the facts that are missing. -#}
    {%- set metric = kpi_tree.find_metric(metric_name) -%}
    {%- set meta = ((metric.config.meta or {}).get('kpi') if metric else none) -%}
    {%- set kpi = meta if meta is mapping else {} -%}
    {{ return({
        'exists': metric is not none,
        'has_kpi_meta': meta is not none,
        'label': (metric.label if metric and metric.label else metric_name),
        'description': ((metric.description or '') | trim) if metric else '',
        'metric_type': metric.type if metric else none,
        'layer': kpi.get('layer'),
        'owner': kpi.get('owner'),
        'cadence': kpi.get('cadence'),
        'direction': kpi.get('direction'),
        'unit': kpi.get('unit'),
        'is_executive': kpi.get('executive') is sameas true,
        'is_additive': kpi_tree.metric_is_additive(metric) if metric else false,
        'value_without_data': kpi_tree.metric_value_without_data(metric) if metric else none,
        'drill_downs': kpi_tree.metric_drill_downs(metric_name) if metric else '',
        'conversion_window': kpi_tree.metric_conversion_window(metric) if metric else none,
        'definition_file': metric.original_file_path if metric else none,
    }) }}
{%- endmacro %}


{% macro metric_conversion_window(metric) -%}
    {#- A lag-aware conversion metric's window as the compiler reads it,
        {count, granularity} ('30 days': {count: 30, granularity: day}); none for
        any other metric and for a conversion without a window. -#}
    {%- set params = metric.type_params.conversion_type_params if metric.type == 'conversion' else none -%}
    {{ return(kpi_tree.parse_window(params.window, metric.name) if params and params.window else none) }}
{%- endmacro %}


{% macro metric_value_without_data(metric) -%}
    {#- A simple metric's value in a period (or subgroup) without data: its
        measure's fill_nulls_with (0 for a count), none for the others. -#}
    {%- set measure = metric.type_params.measure if metric.type == 'simple' else none -%}
    {{ return(measure.fill_nulls_with if measure else none) }}
{%- endmacro %}


{% macro metric_drill_downs(metric_name) -%}
    {#- The drill-downs of var('kpi_drill_downs') the metric's semantic models
        reach, as their labels between bars: '|channel|segment|segment,channel|'
        (a node's subgroup is one of its drill-downs when '|<breakdown>|' is in it). -#}
    {%- set labels = [] -%}
    {%- for drill_down in kpi_tree.reachable_breakdowns(
        metric_name, kpi_tree.typed_var('kpi_drill_downs')
    ) -%}
        {%- do labels.append(drill_down | join(',')) -%}
    {%- endfor -%}
    {{ return('|' ~ labels | join('|') ~ '|') }}
{%- endmacro %}


{% macro metric_is_additive(metric, depth=0) -%}
    {#-
        Whether the metric's values add up across days (a week is the sum of its
        days): a simple metric summing or counting its measure; conversions
        counted at the base event's day; a derived metric that only adds and
        subtracts additive inputs. Ratios, averages, distinct counts, rates and
        snapshots (a semi-additive measure, read on the period's last day:
        non_additive_dimension) are not additive (their targets carry over
        rather than prorate).
    -#}
    {%- set params = metric.type_params -%}
    {%- if depth > 10 -%}
        {{ return(false) }}
    {%- elif metric.type == 'simple' and params.measure -%}
        {%- set found = namespace(agg=none, is_snapshot=false) -%}
        {%- for semantic_model in graph.semantic_models.values() -%}
            {%- for candidate in semantic_model.measures if candidate.name == params.measure.name -%}
                {%- set found.agg = candidate.agg -%}
                {%- set found.is_snapshot = candidate.non_additive_dimension is not none -%}
            {%- endfor -%}
        {%- endfor -%}
        {{ return(found.agg in ['sum', 'count', 'sum_boolean'] and not found.is_snapshot) }}
    {%- elif metric.type == 'conversion' -%}
        {{ return(params.conversion_type_params.calculation == 'conversions') }}
    {%- elif metric.type == 'derived' and params.metrics
        and modules.re.fullmatch('[A-Za-z0-9_\s+()-]*', params.expr or '') -%}
        {%- set additive = namespace(all=true) -%}
        {%- for input in params.metrics -%}
            {%- set input_metric = kpi_tree.find_metric(input.name) -%}
            {%- if input.offset_window or input.offset_to_grain or input_metric is none
                or not kpi_tree.metric_is_additive(input_metric, depth + 1) -%}
                {%- set additive.all = false -%}
            {%- endif -%}
        {%- endfor -%}
        {{ return(additive.all) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}


{% macro tree_nodes() -%}
    {#-
        Every node of every tree as one flat list (execute time): the tree's and
        the node's keys, the metric's facts, and what follows from the tree:
        drivers (children with role driver, by node id), depth (root 0; a node
        whose parent chain breaks or loops stops there), the node its chain
        ends at, and the owner (the subtree's owner when the node has a subtree).
    -#}
    {%- set trees = kpi_tree.tree_definitions() -%}
    {%- set tree_owners = {} -%}
    {%- for tree in trees -%}
        {%- do tree_owners.update({tree.tree_id: tree.owner}) -%}
    {%- endfor -%}
    {%- set flat = [] -%}
    {%- for tree in trees -%}
        {%- set by_id = {} -%}
        {%- for node in tree.nodes -%}
            {%- do by_id.update({node.node_id: node}) -%}
        {%- endfor -%}
        {%- set facts_by_node = {} -%}
        {%- for node in tree.nodes -%}
            {%- do facts_by_node.update({node.node_id: kpi_tree.metric_facts(node.metric_id)}) -%}
        {%- endfor -%}
        {%- for node in tree.nodes -%}
            {%- set facts = facts_by_node[node.node_id] -%}
            {%- set drivers = [] -%}
            {%- for child in tree.nodes if child.parent == node.node_id and child.role == 'driver' -%}
                {%- do drivers.append(child.node_id) -%}
            {%- endfor -%}
            {#- the drill-downs every driver reaches: where the node's subgroup is
                the product (or sum) of its drivers' subgroups -#}
            {%- set combined = [] -%}
            {%- for drill_down in kpi_tree.typed_var('kpi_drill_downs') if node.combine and drivers -%}
                {%- set reach = namespace(all=true) -%}
                {%- for driver in drivers
                    if ('|' ~ drill_down | join(',') ~ '|') not in facts_by_node[driver].drill_downs -%}
                    {%- set reach.all = false -%}
                {%- endfor -%}
                {%- if reach.all -%}
                    {%- do combined.append(drill_down | join(',')) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set walk = namespace(current=node, depth=0, path=[node.node_id]) -%}
            {%- for _ in range(tree.nodes | length + 1)
                if walk.current.parent in by_id and walk.current.parent not in walk.path -%}
                {%- set walk.current = by_id[walk.current.parent] -%}
                {%- set walk.depth = walk.depth + 1 -%}
                {%- do walk.path.append(walk.current.node_id) -%}
            {%- endfor -%}
            {%- set label = facts.label ~ (' (' ~ node.motion ~ ')' if node.motion else '') -%}
            {%- do flat.append({
                'tree_id': tree.tree_id,
                'tree_label': tree.label,
                'tree_owner': tree.owner,
                'scope': tree.scope,
                'node_id': node.node_id,
                'metric_id': node.metric_id,
                'label': label,
                'description': facts.description,
                'metric_type': facts.metric_type,
                'parent_node_id': node.parent,
                'role': node.role,
                'combine': node.combine,
                'pinned_motion': node.motion,
                'subtree': node.subtree,
                'expected_sign': node.expected_sign or 'positive',
                'driver_node_ids': drivers | sort,
                'driver_list': drivers | sort | join(','),
                'driver_count': drivers | length,
                'depth': walk.depth,
                'chain_end': walk.current.node_id,
                'is_root': node.node_id == tree.root,
                'is_north_star': node.node_id == tree.north_star,
                'declaration_order': node.declaration_order,
                'layer': facts.layer,
                'owner': tree_owners.get(node.subtree) or facts.owner,
                'cadence': facts.cadence,
                'direction': facts.direction,
                'unit': facts.unit,
                'is_executive': facts.is_executive,
                'is_additive': facts.is_additive,
                'value_without_data': facts.value_without_data,
                'drill_downs': facts.drill_downs,
                'combined_drill_downs': '|' ~ combined | join('|') ~ '|' if node.combine else none,
                'conversion_window_count': facts.conversion_window.count if facts.conversion_window else none,
                'conversion_window_granularity':
                    facts.conversion_window.granularity if facts.conversion_window else none,
                'definition_file': facts.definition_file,
                'metric_exists': facts.exists,
                'has_kpi_meta': facts.has_kpi_meta,
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(flat) }}
{%- endmacro %}


{% macro tree_max_depth() -%}
    {#- The depth of the deepest node of any tree (the root is 0); 0 at parse time. -#}
    {%- if not execute -%}
        {{ return(0) }}
    {%- endif -%}
    {{ return(kpi_tree.tree_nodes() | map(attribute='depth') | max | default(0)) }}
{%- endmacro %}


{% macro literal_rows(rows, columns) -%}
    {#-
        A relation of literal rows: one `select` of literals per row, unioned.
        columns: [(name, type)] with type text, integer, boolean or double. Text
        becomes quoted literals (quotes escaped), so user text is stored verbatim
        and never runs as SQL; none becomes a typed null. No rows: an empty
        relation with the same columns.
    -#}
    {%- set types = {
        'text': dbt.type_string(),
        'integer': dbt.type_int(),
        'boolean': dbt.type_boolean(),
        'double': kpi_tree.type_double(),
    } -%}
    {%- set selects = [] -%}
    {%- for row in rows -%}
        {%- set values = [] -%}
        {%- for name, type in columns -%}
            {%- set value = row[name] -%}
            {%- if value is none -%}
                {%- set literal = 'null' -%}
            {%- elif type == 'text' -%}
                {%- set literal = kpi_tree.quote_string(value) -%}
            {%- elif type == 'boolean' -%}
                {%- set literal = 'true' if value else 'false' -%}
            {%- else -%}
                {%- set literal = value | string -%}
            {%- endif -%}
            {%- do values.append('cast(' ~ literal ~ ' as ' ~ types[type] ~ ') as ' ~ name) -%}
        {%- endfor -%}
        {%- do selects.append('select\n        ' ~ values | join(',\n        ')) -%}
    {%- endfor -%}
    {%- if not selects -%}
        {%- set nulls = [] -%}
        {%- for name, type in columns -%}
            {%- do nulls.append('cast(null as ' ~ types[type] ~ ') as ' ~ name) -%}
        {%- endfor -%}
        {{ return('select\n        ' ~ nulls | join(',\n        ') ~ '\n    where 1 = 0') }}
    {%- endif -%}
    {{ return(selects | join('\n\n    union all\n\n    ')) }}
{%- endmacro %}


{% macro tree_values_key() -%}
    {#- The columns that identify a row of tree_metric_values: the metric, the period,
        the breakdown, the motion and each dimension of var('kpi_drill_downs') (a
        dimension no drill-down names has no column). -#}
    {%- set dimensions = kpi_tree.breakdown_dimensions(kpi_tree.tree_breakdowns()) -%}
    {{ return(['metric_id', 'grain', 'period_start', 'breakdown'] + dimensions) }}
{%- endmacro %}


{% macro tree_breakdowns() -%}
    {#- The breakdowns the trees read: the total, by motion, and each drill-down
        of var('kpi_drill_downs') alone and within a motion (no motion breakdown
        when var kpi_motions is empty: a semantic layer without motions). -#}
    {%- set motions = (kpi_tree.typed_var('kpi_motions') | length) > 0 -%}
    {%- set breakdowns = [[], ['motion']] if motions else [[]] -%}
    {%- for drill_down in kpi_tree.typed_var('kpi_drill_downs') -%}
        {%- do breakdowns.append(drill_down | list) -%}
        {%- if motions -%}
            {%- do breakdowns.append(['motion'] + drill_down | list) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(breakdowns) }}
{%- endmacro %}
