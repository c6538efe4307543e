{#- A post-hook of the metric views (dbt_project.yml): the view's comment in the warehouse is
    its metric's definition, read from the semantic layer when the view is built, so a
    dashboard author browsing the catalog reads what the number means and who owns it, and
    the definition is typed once. The columns' comments come from persist_docs. -#}
{% macro comment_on_metric_view() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {#- the view's metric (its name is its author's choice), else the view's name -#}
    {%- set metric_names = kpi_tree.view_metric_names(model) -%}
    {%- set facts = kpi_tree.metric_facts(metric_names[0] if metric_names | length == 1 else this.identifier) -%}
    {%- if not facts.exists -%}
        {{ return('') }}
    {%- endif -%}
    {%- set text = facts.label ~ ': ' ~ (facts.description | replace('\n', ' ') | trim)
        ~ ' Unit: ' ~ (facts.unit or 'n/a') ~ ', ' ~ ((facts.direction or 'n/a') | replace('_', ' '))
        ~ '; owner: ' ~ (facts.owner or 'n/a') ~ '; layer: ' ~ (facts.layer or 'n/a')
        ~ '. One row per grain, period and breakdown member: filter on breakdown.' -%}
    {{ kpi_tree.comment_on_view(this, text) }}
{%- endmacro %}
