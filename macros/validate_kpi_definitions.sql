{#-
    Definition rules checked before anything builds (on-run-start): a broken
    definition fails `dbt build` with the metric and the rule in the message.
-#}

{% macro validate_kpi_definitions() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- do kpi_tree.assert_every_tree_metric_has_a_view() -%}
    {{ return('') }}
{%- endmacro %}


{% macro metric_views() -%}
    {#- {metric name: model node} for every model whose body is metric_view('...'). -#}
    {%- set views = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- for metric_id in node.depends_on.nodes if metric_id.startswith('metric.') -%}
            {%- if 'metric_view(' in node.raw_code -%}
                {%- do views.update({metric_id.split('.')[-1]: node}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(views) }}
{%- endmacro %}


{% macro assert_every_tree_metric_has_a_view() -%}
    {%- set views = kpi_tree.metric_views() -%}
    {%- for node in graph.metrics.values() if node.config.meta.kpi -%}
        {%- if node.name not in views -%}
            {{ kpi_tree.fail(node.name, 'missing_metric_view',
                "tree metric has no view: add models/metrics/" ~ node.name ~ ".sql containing "
                ~ "{{ kpi_tree.metric_view('" ~ node.name ~ "') }}") }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
