{#-
    The definition rules, as data: each macro returns one violation per broken
    piece of a definition, a dict {rule, tree_id, node_id, metric_id, message,
    fix}, rather than raising. models/semantic/definition_violations.sql stacks
    them and models/semantic/_definition_rules.yml gives each rule its own named
    test, so one `dbt build` reports every broken definition at once. Execute
    time only (they read the parsed graph).
-#}

{% macro violation(rule, tree_id, node_id, metric_id, message, fix) -%}
    {{ return({
        'rule': rule,
        'tree_id': tree_id,
        'node_id': node_id,
        'metric_id': metric_id,
        'message': message,
        'fix': fix,
    }) }}
{%- endmacro %}


{% macro metric_meta_schema() -%}
    {#- The keys of a metric's config.meta.kpi, and the values the enumerated ones allow.
        The layers and the size rules are vars (the demo's in vars.kpi_tree_demo). -#}
    {%- set layers = kpi_tree.typed_var('kpi_layers') -%}
    {%- set core_layers = kpi_tree.typed_var('kpi_core_layers') -%}
    {{ return({
        'required': ['layer', 'owner', 'cadence', 'direction', 'unit'],
        'optional': ['executive', 'unbounded', 'system_of_record'],
        'allowed': {
            'layer': layers,
            'system_of_record': ['crm', 'web_analytics', 'marketing_automation', 'ad_platforms',
                'billing', 'product_analytics', 'partner_portal', 'intent_data'],
            'cadence': ['weekly', 'monthly', 'quarterly'],
            'direction': ['higher_is_better', 'lower_is_better'],
            'unit': ['count', 'usd', 'ratio', 'hours', 'months', 'multiple'],
        },
        'core_layers': core_layers,
        'diagnostic_layers': layers | reject('in', core_layers) | list,
        'max_core_metrics': kpi_tree.typed_var('kpi_max_core_metrics'),
        'executive_size': [kpi_tree.typed_var('kpi_executive_metrics_min'),
            kpi_tree.typed_var('kpi_executive_metrics_max')],
    }) }}
{%- endmacro %}


{% macro kpi_metrics() -%}
    {#- {name: metric node} of the metrics with a config.meta.kpi block, and of
        every metric a tree names (with or without one). -#}
    {%- set metrics = {} -%}
    {%- set named = kpi_tree.tree_metric_names() -%}
    {%- for metric in graph.metrics.values()
        if 'kpi' in (metric.config.meta or {}) or metric.name in named -%}
        {%- do metrics.update({metric.name: metric}) -%}
    {%- endfor -%}
    {{ return(metrics) }}
{%- endmacro %}


{% macro metric_meta_violations() -%}
    {#- Rules meta_missing_key, meta_unknown_key, meta_invalid_value, executive_diagnostic,
        over every metric with a config.meta.kpi block or in a tree. -#}
    {%- set violations = [] -%}
    {%- for name, metric in kpi_tree.kpi_metrics().items() | sort -%}
        {%- do violations.extend(kpi_tree.metric_rule_violations(name, metric)) -%}
    {%- endfor -%}
    {{ return(violations) }}
{%- endmacro %}


{% macro metric_rule_violations(name, metric) -%}
    {#- The rules of metric_meta_violations over one metric (a node of graph.metrics). -#}
    {%- set schema = kpi_tree.metric_meta_schema() -%}
    {%- set violations = [] -%}
    {%- set kpi = (metric.config.meta or {}).get('kpi') -%}
    {%- set where = " in " ~ metric.original_file_path -%}
    {%- if kpi is not mapping -%}
        {%- do violations.append(kpi_tree.violation('meta_missing_key', none, none, name,
            "metric '" ~ name ~ "' is in a tree but has no config.meta.kpi block",
            "add config.meta.kpi with " ~ schema.required | join(', ') ~ where)) -%}
    {%- else -%}
        {%- for key in kpi if key not in schema.required + schema.optional -%}
            {%- do violations.append(kpi_tree.violation('meta_unknown_key', none, none, name,
                "config.meta.kpi has an unknown key '" ~ key ~ "'",
                "use only " ~ (schema.required + schema.optional) | join(', ')
                ~ " (tree structure belongs to vars.kpi_trees in dbt_project.yml)" ~ where)) -%}
        {%- endfor -%}
        {%- for key in schema.required
            if kpi[key] is not defined or kpi[key] is none or (kpi[key] | string | trim) == '' -%}
            {%- do violations.append(kpi_tree.violation('meta_missing_key', none, none, name,
                "config.meta.kpi." ~ key ~ " is required",
                "set config.meta.kpi." ~ key
                ~ (" (one of " ~ schema.allowed[key] | join(', ') ~ ")" if key in schema.allowed else '')
                ~ where)) -%}
        {%- endfor -%}
        {%- for key, allowed in schema.allowed.items()
            if kpi[key] is defined and kpi[key] is not none and (kpi[key] | string | trim) != ''
            and kpi[key] not in allowed -%}
            {%- do violations.append(kpi_tree.violation('meta_invalid_value', none, none, name,
                "config.meta.kpi." ~ key ~ " is '" ~ kpi[key] ~ "'",
                "use one of " ~ allowed | join(', ') ~ where)) -%}
        {%- endfor -%}
        {%- if kpi.owner is defined and kpi.owner is not none
            and (kpi.owner is not string or kpi.owner | length > 200) -%}
            {%- do violations.append(kpi_tree.violation('meta_invalid_value', none, none, name,
                "config.meta.kpi.owner is not text of at most 200 characters",
                "name one accountable person or role" ~ where)) -%}
        {%- endif -%}
        {%- for key in ['executive', 'unbounded']
            if kpi[key] is defined and kpi[key] is not none and kpi[key] is not boolean -%}
            {%- do violations.append(kpi_tree.violation('meta_invalid_value', none, none, name,
                "config.meta.kpi." ~ key ~ " is '" ~ kpi[key] ~ "'", "use true or false" ~ where)) -%}
        {%- endfor -%}
        {%- if kpi.executive is sameas true and kpi.layer in schema.diagnostic_layers -%}
            {%- do violations.append(kpi_tree.violation('executive_diagnostic', none, none, name,
                "a channel diagnostic is on the executive scorecard (outcomes and diagnostics never mix)",
                "remove executive: true, or move the metric to " ~ schema.core_layers | join(' or ') ~ where)) -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(violations) }}
{%- endmacro %}


{% macro tree_definition_violations() -%}
    {#- Rules tree_missing_key, tree_unknown_key, tree_invalid_value: the shape of
        each tree's definition in vars.kpi_trees. -#}
    {%- set keys = kpi_tree.tree_keys() -%}
    {%- set trees = kpi_tree.tree_definitions() -%}
    {%- set tree_ids = trees | map(attribute='tree_id') | list -%}
    {%- set motions = kpi_tree.typed_var('kpi_motions') + [keys.all_motions] -%}
    {%- set fix_where = " in dbt_project.yml, vars.kpi_trees." -%}
    {%- set violations = [] -%}
    {%- if kpi_tree.declared_trees() is not mapping -%}
        {%- do violations.append(kpi_tree.violation('tree_missing_key', none, none, none,
            "vars.kpi_trees is not a mapping of trees", "define the trees" ~ fix_where)) -%}
    {%- endif -%}
    {%- for tree in trees -%}
        {%- set where = fix_where ~ tree.tree_id -%}
        {%- if not modules.re.fullmatch('[a-z][a-z0-9_]{0,62}', tree.tree_id) -%}
            {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, none, none,
                "tree name '" ~ tree.tree_id ~ "' is not lower snake_case",
                "rename the tree (a-z, 0-9, _; at most 63 characters)" ~ fix_where)) -%}
        {%- endif -%}
        {%- for key in keys.tree_required if not tree.is_mapping or key not in tree.written_keys -%}
            {%- do violations.append(kpi_tree.violation('tree_missing_key', tree.tree_id, none, none,
                "tree '" ~ tree.tree_id ~ "' has no " ~ key, "set " ~ key ~ where)) -%}
        {%- endfor -%}
        {%- for key in tree.written_keys if key not in keys.tree -%}
            {%- do violations.append(kpi_tree.violation('tree_unknown_key', tree.tree_id, none, none,
                "tree '" ~ tree.tree_id ~ "' has an unknown key '" ~ key ~ "'",
                "use only " ~ keys.tree | join(', ') ~ where)) -%}
        {%- endfor -%}
        {%- for motion in tree.scope if motion not in motions -%}
            {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, none, none,
                "scope names motion '" ~ motion ~ "'",
                "use motions of var('kpi_motions') or all: " ~ motions | join(', ') ~ where)) -%}
        {%- endfor -%}
        {%- if tree.owner is not none and (tree.owner is not string or tree.owner | trim == '') -%}
            {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, none, none,
                "owner is not text", "name the person or role accountable for the tree" ~ where)) -%}
        {%- endif -%}
        {%- for node in tree.nodes -%}
            {%- if not node.is_mapping -%}
                {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, node.node_id,
                    node.metric_id, "node '" ~ node.node_id ~ "' is not a mapping of keys",
                    "write the node as {parent: ..., role: ...}" ~ where ~ ".nodes")) -%}
            {%- endif -%}
            {%- if not modules.re.fullmatch('[a-z][a-z0-9_]{0,62}', node.node_id) -%}
                {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, node.node_id,
                    node.metric_id, "node id '" ~ node.node_id ~ "' is not lower snake_case",
                    "rename the node" ~ where ~ ".nodes")) -%}
            {%- endif -%}
            {%- for key in node.written_keys if key not in keys.node -%}
                {%- do violations.append(kpi_tree.violation('tree_unknown_key', tree.tree_id, node.node_id,
                    node.metric_id, "node '" ~ node.node_id ~ "' has an unknown key '" ~ key ~ "'",
                    "use only " ~ keys.node | join(', ')
                    ~ " (facts about the metric belong to its config.meta.kpi)" ~ where ~ ".nodes")) -%}
            {%- endfor -%}
            {%- if node.role not in keys.role -%}
                {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, node.node_id,
                    node.metric_id, "role is '" ~ node.role ~ "'",
                    "use " ~ keys.role | join(' or ') ~ where ~ ".nodes." ~ node.node_id)) -%}
            {%- endif -%}
            {%- if node.combine is not none and node.combine not in keys.combine -%}
                {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, node.node_id,
                    node.metric_id, "combine is '" ~ node.combine ~ "'",
                    "use " ~ keys.combine | join(' or ') ~ where ~ ".nodes." ~ node.node_id)) -%}
            {%- endif -%}
            {%- if node.expected_sign is not none and node.expected_sign not in keys.expected_sign -%}
                {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, node.node_id,
                    node.metric_id, "expected_sign is '" ~ node.expected_sign ~ "'",
                    "use " ~ keys.expected_sign | join(' or ') ~ where ~ ".nodes." ~ node.node_id)) -%}
            {%- endif -%}
            {%- if node.motion is not none and node.motion not in kpi_tree.typed_var('kpi_motions') -%}
                {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, node.node_id,
                    node.metric_id, "motion is '" ~ node.motion ~ "'",
                    "use one of " ~ kpi_tree.typed_var('kpi_motions') | join(', ') ~ where ~ ".nodes." ~ node.node_id)) -%}
            {%- elif node.motion is not none and tree.scope != [keys.all_motions] -%}
                {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, node.node_id,
                    node.metric_id, "node reads motion '" ~ node.motion ~ "' but the tree is evaluated for "
                    ~ tree.scope | join(', '),
                    "pin nodes to a motion only in a tree whose scope is [all]" ~ where)) -%}
            {%- endif -%}
            {%- if node.subtree is not none and node.subtree not in tree_ids -%}
                {%- do violations.append(kpi_tree.violation('tree_invalid_value', tree.tree_id, node.node_id,
                    node.metric_id, "subtree '" ~ node.subtree ~ "' is not a tree",
                    "name one of " ~ tree_ids | join(', ') ~ where ~ ".nodes." ~ node.node_id)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(violations) }}
{%- endmacro %}


{% macro tree_shape_violations(nodes) -%}
    {#- Rules unknown_parent, invalid_root, multiple_roots, cycle, not_connected,
        missing_combine, too_few_drivers, sum_unit_mismatch. -#}
    {%- set violations = [] -%}
    {%- for tree in kpi_tree.tree_definitions() -%}
        {%- set where = " in dbt_project.yml, vars.kpi_trees." ~ tree.tree_id -%}
        {%- set tree_nodes = nodes | selectattr('tree_id', 'equalto', tree.tree_id) | list -%}
        {%- set by_id = {} -%}
        {%- for node in tree_nodes -%}
            {%- do by_id.update({node.node_id: node}) -%}
        {%- endfor -%}
        {%- if tree.root is not none and tree.root not in by_id -%}
            {%- do violations.append(kpi_tree.violation('invalid_root', tree.tree_id, tree.root, none,
                "root '" ~ tree.root ~ "' is not a node of the tree",
                "add it to the nodes or name another root" ~ where)) -%}
        {%- endif -%}
        {%- for node in tree_nodes -%}
            {%- set node_where = where ~ ".nodes." ~ node.node_id -%}
            {%- if node.is_root and node.parent_node_id is not none -%}
                {%- do violations.append(kpi_tree.violation('invalid_root', tree.tree_id, node.node_id,
                    node.metric_id, "the root has a parent ('" ~ node.parent_node_id ~ "')",
                    "remove the root's parent" ~ node_where)) -%}
            {%- elif node.parent_node_id is none and not node.is_root -%}
                {%- do violations.append(kpi_tree.violation('multiple_roots', tree.tree_id, node.node_id,
                    node.metric_id, "node '" ~ node.node_id ~ "' has no parent and is not the root ('"
                    ~ tree.root ~ "'): the tree would have two roots",
                    "give it the parent it explains" ~ node_where)) -%}
            {%- elif node.parent_node_id is not none and node.parent_node_id not in by_id -%}
                {%- do violations.append(kpi_tree.violation('unknown_parent', tree.tree_id, node.node_id,
                    node.metric_id, "parent '" ~ node.parent_node_id ~ "' is not a node of tree '"
                    ~ tree.tree_id ~ "'", "name one of its nodes as parent, or add the parent" ~ node_where)) -%}
            {%- else -%}
                {#- walk up: a loop is a cycle; ending anywhere but the root is not connected -#}
                {%- set walk = namespace(current=node.node_id, path=[node.node_id], looped=false) -%}
                {%- for _ in range(tree_nodes | length + 1)
                    if not walk.looped and walk.current in by_id and by_id[walk.current].parent_node_id -%}
                    {%- set walk.current = by_id[walk.current].parent_node_id -%}
                    {%- if walk.current in walk.path -%}
                        {%- set walk.looped = true -%}
                    {%- endif -%}
                    {%- do walk.path.append(walk.current) -%}
                {%- endfor -%}
                {%- if walk.looped -%}
                    {%- do violations.append(kpi_tree.violation('cycle', tree.tree_id, node.node_id,
                        node.metric_id, "the parent chain loops: " ~ walk.path | join(' -> '),
                        "break the loop: one of these nodes must have another parent" ~ where)) -%}
                {%- elif walk.current != tree.root and walk.current in by_id
                    and by_id[walk.current].parent_node_id is none and not node.is_root
                    and walk.current != node.node_id -%}
                    {%- do violations.append(kpi_tree.violation('not_connected', tree.tree_id, node.node_id,
                        node.metric_id, "node '" ~ node.node_id ~ "' connects to '" ~ walk.current
                        ~ "', not to the root '" ~ tree.root ~ "'",
                        "attach '" ~ walk.current ~ "' under a node of the tree" ~ where)) -%}
                {%- endif -%}
            {%- endif -%}
            {%- if node.driver_node_ids and not node.combine -%}
                {%- do violations.append(kpi_tree.violation('missing_combine', tree.tree_id, node.node_id,
                    node.metric_id, "node has drivers (" ~ node.driver_node_ids | join(', ')
                    ~ ") but no combine", "set combine: product or combine: sum" ~ node_where)) -%}
            {%- elif node.combine and node.driver_node_ids | length < 2 -%}
                {%- do violations.append(kpi_tree.violation('too_few_drivers', tree.tree_id, node.node_id,
                    node.metric_id, "combines its drivers by " ~ node.combine ~ " but has "
                    ~ node.driver_node_ids | length ~ " (at least 2 needed)",
                    "add the drivers, or remove combine (a leaf has none)" ~ node_where)) -%}
            {%- endif -%}
            {%- if node.combine == 'sum' -%}
                {%- for driver_id in node.driver_node_ids
                    if by_id[driver_id].unit is not none and by_id[driver_id].unit != node.unit -%}
                    {%- do violations.append(kpi_tree.violation('sum_unit_mismatch', tree.tree_id, driver_id,
                        by_id[driver_id].metric_id, "a sum of '" ~ node.unit ~ "' (" ~ node.node_id
                        ~ ") cannot have a driver in '" ~ by_id[driver_id].unit ~ "'",
                        "sum drivers of the parent's unit, or make the node a product" ~ node_where)) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(violations) }}
{%- endmacro %}


{% macro size_violations(nodes) -%}
    {#- Rules core_tree_too_large (at most 15 outcome and mechanics metrics per
        tree, naming the ones declared past the 15th) and executive_layer_size (8
        to 12 executive metrics across the trees). -#}
    {%- set schema = kpi_tree.metric_meta_schema() -%}
    {%- set violations = [] -%}
    {%- for tree in kpi_tree.tree_definitions() -%}
        {%- set core = [] -%}
        {%- for node in nodes | selectattr('tree_id', 'equalto', tree.tree_id) | sort(attribute='declaration_order')
            if node.layer in schema.core_layers and node.metric_id not in core | map(attribute='metric_id') | list -%}
            {%- do core.append(node) -%}
        {%- endfor -%}
        {%- for node in core[schema.max_core_metrics:] -%}
            {%- do violations.append(kpi_tree.violation('core_tree_too_large', tree.tree_id, node.node_id,
                node.metric_id, "metric '" ~ node.metric_id ~ "' is core metric number "
                ~ (schema.max_core_metrics + loop.index) ~ " of tree '" ~ tree.tree_id
                ~ "' (" ~ schema.core_layers | join(' and ') ~ ": at most " ~ schema.max_core_metrics ~ ")",
                "move it to " ~ schema.diagnostic_layers | join(' or ') ~ ", into a subtree, or out of the tree")) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set executive = [] -%}
    {%- for node in nodes | sort(attribute='metric_id')
        if node.is_executive and node.metric_id not in executive -%}
        {%- do executive.append(node.metric_id) -%}
    {%- endfor -%}
    {%- set low, high = schema.executive_size -%}
    {%- if executive | length > high -%}
        {%- for metric_id in executive[high:] -%}
            {%- do violations.append(kpi_tree.violation('executive_layer_size', none, none, metric_id,
                "the executive scorecard has " ~ executive | length ~ " metrics (" ~ low ~ " to " ~ high
                ~ "): " ~ executive | join(', '),
                "set executive: false on " ~ (executive | length - high) ~ " of them")) -%}
        {%- endfor -%}
    {%- elif executive | length < low and nodes -%}
        {%- do violations.append(kpi_tree.violation('executive_layer_size', none, none, none,
            "the executive scorecard has " ~ executive | length ~ " metrics (" ~ low ~ " to " ~ high
            ~ "): " ~ (executive | join(', ') or 'none'),
            "set executive: true on " ~ (low - executive | length) ~ " more outcome or mechanics metrics")) -%}
    {%- endif -%}
    {{ return(violations) }}
{%- endmacro %}


{% macro view_violations(nodes) -%}
    {#- Rule missing_metric_view: every metric a tree reads has a view (a model
        calling metric_view, whatever its name). -#}
    {%- set views = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- do views.extend(kpi_tree.view_metric_names(node)) -%}
    {%- endfor -%}
    {%- set violations = [] -%}
    {%- set seen = [] -%}
    {%- for node in nodes | sort(attribute='metric_id')
        if node.metric_id not in views and node.metric_id not in seen and node.metric_exists -%}
        {%- do seen.append(node.metric_id) -%}
        {%- do violations.append(kpi_tree.violation('missing_metric_view', node.tree_id, node.node_id,
            node.metric_id, "metric '" ~ node.metric_id ~ "' has no view",
            "add a model (models/metrics/" ~ node.metric_id ~ ".sql, or any name) containing "
            ~ "{{ kpi_tree.metric_view('" ~ node.metric_id ~ "') }}")) -%}
    {%- endfor -%}
    {{ return(violations) }}
{%- endmacro %}
