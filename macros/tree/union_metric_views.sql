{% macro union_metric_views(relations) -%}
    {#- The metric views stacked, with their common columns. -#}
    {%- for relation in relations %}
select
    metric_id,
    grain,
    period_start,
    motion,
    value,
    numerator,
    denominator
from {{ relation }}
where breakdown = 'motion' and grain in ('week', 'month', 'quarter')
{%- if not loop.last %}

union all
{% endif %}
    {%- endfor %}
{% endmacro %}
