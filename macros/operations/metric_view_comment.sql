{#- A post-hook of the metric views (dbt_project.yml): the view's comment in the warehouse is
    its metric's definition, read from the semantic layer when the view is built, so a
    dashboard author browsing the catalog reads what the number means and who owns it, and
    the definition is typed once. The columns' comments come from persist_docs. -#}
{% macro comment_on_metric_view() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set text = kpi_tree.metric_view_comment_text() -%}
    {%- if text is none -%}
        {{ return('') }}
    {%- endif -%}
    {#- the fingerprint of the view's definition last: stable_view keeps an unchanged view -#}
    {{ kpi_tree.comment_on_view(this, text ~ ' (definition '
        ~ kpi_tree.view_definition_fingerprint(sql) ~ ')') }}
{%- endmacro %}


{% macro metric_view_comment_text() -%}
    {#- The comment of this metric view: its metric's label, definition, unit, direction,
        owner and layer, and how to read it; none for a view of no metric. The view's
        metric is its metric() edge (its name is its author's choice), else its name. -#}
    {%- set metric_names = kpi_tree.view_metric_names(model) -%}
    {%- set facts = kpi_tree.metric_facts(
        metric_names[0] if metric_names | length == 1 else this.identifier) -%}
    {%- if not facts.exists -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(facts.label ~ ': ' ~ (facts.description | replace('\n', ' ') | trim)
        ~ ' Unit: ' ~ (facts.unit or 'n/a') ~ ', ' ~ ((facts.direction or 'n/a') | replace('_', ' '))
        ~ '; owner: ' ~ (facts.owner or 'n/a') ~ '; layer: ' ~ (facts.layer or 'n/a')
        ~ '. One row per grain, period and breakdown member: filter on breakdown.') }}
{%- endmacro %}
