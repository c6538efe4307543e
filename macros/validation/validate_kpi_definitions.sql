{#-
    Definition rules, checked before anything builds (on-run-start in
    dbt_project.yml): a broken definition fails `dbt build`, `dbt run` and
    `dbt test` with the metric and the rule in the message, e.g.

        KPI definition error in metric 'meetings_held' [missing_owner]: ...

    Rules on data (targets are numbers, identities hold) are checked where the
    data is: macros/validation/validate_targets.sql and the kpi_tree identity check.
-#}

{% macro validate_kpi_definitions() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- do kpi_tree.validate_tree_metadata() -%}
    {%- do kpi_tree.validate_tree_shape() -%}
    {%- do kpi_tree.validate_tree_sizes() -%}
    {%- do kpi_tree.assert_every_tree_metric_has_a_view() -%}
    {%- do kpi_tree.assert_metric_values_list_every_view() -%}
    {{ return('') }}
{%- endmacro %}


{% macro tree_metrics() -%}
    {#- {name: metric node} of the metrics with a config.meta.kpi block. -#}
    {%- set metrics = {} -%}
    {%- for metric in graph.metrics.values() if 'kpi' in metric.config.meta -%}
        {%- do metrics.update({metric.name: metric}) -%}
    {%- endfor -%}
    {{ return(metrics) }}
{%- endmacro %}


{% macro validate_tree_metadata() -%}
    {#- Every key known, every required key set, every enumerated value allowed. -#}
    {%- set schema = kpi_tree.kpi_meta_schema() -%}
    {%- set metrics = kpi_tree.tree_metrics() -%}
    {%- for name, metric in metrics.items() -%}
        {%- set meta = metric.config.meta.kpi -%}
        {%- if meta is not mapping -%}
            {{ kpi_tree.fail(name, 'invalid_kpi_meta', 'config.meta.kpi must be a mapping of keys') }}
        {%- endif -%}
        {%- for key in meta if key not in schema.required + schema.optional -%}
            {{ kpi_tree.fail(name, 'unknown_meta_key', "config.meta.kpi has an unknown key '" ~ key
                ~ "' (allowed: " ~ (schema.required + schema.optional) | join(', ') ~ ")") }}
        {%- endfor -%}
        {%- for key in schema.required -%}
            {%- if meta[key] is not defined or meta[key] is none or (meta[key] | string | trim) == '' -%}
                {{ kpi_tree.fail(name, 'missing_' ~ key, "config.meta.kpi." ~ key ~ " is required") }}
            {%- endif -%}
        {%- endfor -%}
        {%- for key, allowed in schema.allowed.items() if meta[key] is defined and meta[key] is not none -%}
            {%- if meta[key] not in allowed -%}
                {{ kpi_tree.fail(name, 'invalid_' ~ key, "config.meta.kpi." ~ key ~ " is '" ~ meta[key]
                    ~ "'; allowed: " ~ allowed | join(', ')) }}
            {%- endif -%}
        {%- endfor -%}
        {%- if meta.owner is not string or meta.owner | length > 200 -%}
            {{ kpi_tree.fail(name, 'invalid_owner', 'config.meta.kpi.owner must be text of at most 200 characters') }}
        {%- endif -%}
        {%- if meta.executive is defined and meta.executive is not none and meta.executive is not boolean -%}
            {{ kpi_tree.fail(name, 'invalid_executive', 'config.meta.kpi.executive must be true or false') }}
        {%- endif -%}
        {%- if meta.executive is sameas true and meta.layer == 'channel_diagnostic' -%}
            {{ kpi_tree.fail(name, 'executive_diagnostic',
                'a channel diagnostic cannot be on the executive scorecard (outcomes and diagnostics never mix)') }}
        {%- endif -%}
        {%- do kpi_tree.safe_identifier(meta.tree | string, name, 'tree name') -%}
    {%- endfor -%}
{%- endmacro %}


{% macro validate_tree_shape() -%}
    {#- Parents exist in the same tree, no cycles, one root per tree, drivers combine. -#}
    {%- set metrics = kpi_tree.tree_metrics() -%}
    {%- set roots = {} -%}
    {%- for name, metric in metrics.items() -%}
        {%- set meta = metric.config.meta.kpi -%}
        {%- if meta.parent is none or meta.parent is not defined -%}
            {%- if meta.role == 'diagnostic' -%}
                {{ kpi_tree.fail(name, 'diagnostic_without_parent', 'a diagnostic needs the parent it explains') }}
            {%- endif -%}
            {%- do roots.setdefault(meta.tree, []).append(name) -%}
        {%- elif meta.parent not in metrics -%}
            {{ kpi_tree.fail(name, 'unknown_parent', "parent '" ~ meta.parent
                ~ "' is not a metric of the tree (no metric by that name has a config.meta.kpi block)") }}
        {%- elif metrics[meta.parent].config.meta.kpi.tree != meta.tree -%}
            {{ kpi_tree.fail(name, 'parent_in_other_tree', "parent '" ~ meta.parent ~ "' belongs to tree '"
                ~ metrics[meta.parent].config.meta.kpi.tree ~ "', not '" ~ meta.tree ~ "'") }}
        {%- endif -%}
    {%- endfor -%}

    {%- for name in metrics -%}
        {%- set walk = namespace(current=name, path=[name]) -%}
        {%- for _ in range(metrics | length) if metrics[walk.current].config.meta.kpi.parent -%}
            {%- set walk.current = metrics[walk.current].config.meta.kpi.parent -%}
            {%- if walk.current in walk.path -%}
                {{ kpi_tree.fail(name, 'cycle', 'the parent chain loops: '
                    ~ (walk.path + [walk.current]) | join(' -> ')) }}
            {%- endif -%}
            {%- do walk.path.append(walk.current) -%}
        {%- endfor -%}
        {%- set tree = metrics[name].config.meta.kpi.tree -%}
        {%- if walk.current not in roots.get(tree, []) -%}
            {{ kpi_tree.fail(name, 'not_connected', "does not connect to a root of tree '" ~ tree ~ "'") }}
        {%- endif -%}
    {%- endfor -%}

    {%- for tree, tree_roots in roots.items() if tree_roots | length > 1 -%}
        {{ kpi_tree.fail(tree_roots | sort | first, 'multiple_roots', "tree '" ~ tree
            ~ "' has more than one root (metrics without a parent): " ~ tree_roots | sort | join(', ')) }}
    {%- endfor -%}

    {%- for name, metric in metrics.items() -%}
        {%- set meta = metric.config.meta.kpi -%}
        {%- set drivers = [] -%}
        {%- for child_name, child in metrics.items() if child.config.meta.kpi.parent == name
            and (child.config.meta.kpi.role or 'driver') == 'driver' -%}
            {%- do drivers.append(child_name) -%}
        {%- endfor -%}
        {%- if drivers and not meta.combine -%}
            {{ kpi_tree.fail(name, 'missing_combine', 'has drivers (' ~ drivers | join(', ')
                ~ ') but no config.meta.kpi.combine (product or sum)') }}
        {%- elif meta.combine and drivers | length < 2 -%}
            {{ kpi_tree.fail(name, 'too_few_drivers', "combines its drivers by " ~ meta.combine
                ~ " but has " ~ drivers | length ~ " (at least 2 needed)") }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{% macro validate_tree_sizes() -%}
    {#- At most 15 core metrics (outcomes + mechanics) per tree; 8 to 12 executive metrics. -#}
    {%- set schema = kpi_tree.kpi_meta_schema() -%}
    {%- set trees = {} -%}
    {%- for name, metric in kpi_tree.tree_metrics().items() -%}
        {%- set meta = metric.config.meta.kpi -%}
        {%- set tree = trees.setdefault(meta.tree, {'core': [], 'executive': []}) -%}
        {%- if meta.layer in schema.core_layers -%}
            {%- do tree.core.append(name) -%}
        {%- endif -%}
        {%- if meta.executive is sameas true -%}
            {%- do tree.executive.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set low, high = schema.executive_size -%}
    {%- for tree_name, tree in trees.items() -%}
        {%- if tree.core | length > schema.max_core_metrics -%}
            {{ kpi_tree.fail(tree.core | sort | last, 'core_tree_too_large', "tree '" ~ tree_name ~ "' has "
                ~ tree.core | length ~ " business_outcome and pipeline_mechanics metrics (at most "
                ~ schema.max_core_metrics ~ "): " ~ tree.core | sort | join(', ')) }}
        {%- endif -%}
        {%- if tree.executive | length < low or tree.executive | length > high -%}
            {{ kpi_tree.fail((tree.executive | sort | first) or tree_name, 'executive_layer_size', "tree '"
                ~ tree_name ~ "' has " ~ tree.executive | length ~ " executive metrics (" ~ low ~ " to "
                ~ high ~ " needed): " ~ tree.executive | sort | join(', ')) }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{% macro metric_views() -%}
    {#- {metric name: model node} for every model whose body is metric_view('...'). -#}
    {%- set views = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model'
        and 'metric_view(' in node.raw_code -%}
        {%- for metric_id in node.depends_on.nodes if metric_id.startswith('metric.') -%}
            {%- do views.update({metric_id.split('.')[-1]: node}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(views) }}
{%- endmacro %}


{% macro assert_every_tree_metric_has_a_view() -%}
    {%- set views = kpi_tree.metric_views() -%}
    {%- for name in kpi_tree.tree_metrics() if name not in views -%}
        {{ kpi_tree.fail(name, 'missing_metric_view',
            "tree metric has no view: add models/metrics/" ~ name ~ ".sql containing "
            ~ "{{ kpi_tree.metric_view('" ~ name ~ "') }}") }}
    {%- endfor -%}
{%- endmacro %}


{% macro assert_metric_values_list_every_view() -%}
    {#- int_metric_values_unioned lists the views by hand (for lineage): none may be missing. -#}
    {%- set views = kpi_tree.metric_views() -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model'
        and node.name == 'int_metric_values_unioned' -%}
        {%- for name in kpi_tree.tree_metrics() if views[name].unique_id not in node.depends_on.nodes -%}
            {{ kpi_tree.fail(name, 'missing_from_metric_values',
                "add ref('" ~ views[name].name ~ "') to models/intermediate/int_metric_values_unioned.sql") }}
        {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}
