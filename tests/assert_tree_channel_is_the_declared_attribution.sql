{#-
    The tree places an opportunity in the funnel's channel; var
    kpi_tree_attribution_model declares which attribution model that channel
    follows (first_touch or last_touch). On every complete journey (no touch
    quarantined) the declared model's channel must be the funnel's: a row here
    is an opportunity the tree counts under another channel than declared.
-#}
{%- set declared = kpi_tree.typed_var('kpi_tree_attribution_model') %}
{%- if declared not in ['first_touch', 'last_touch'] %}
    {{ exceptions.raise_compiler_error(
        "var kpi_tree_attribution_model is '" ~ declared ~ "': the tree places each "
        ~ "opportunity in one channel, so it must be first_touch or last_touch"
    ) }}
{%- endif %}

with

credits as (

    select * from {{ ref('int_opportunity_touch_credits') }}

),

final as (

    select
        opportunity_id,
        motion,
        sourcing_channel,
        channel as declared_model_channel

    from credits
    where
        attribution_model = '{{ declared }}'
        and is_complete_journey
        and touch_count > 0
        and channel != sourcing_channel

)

select * from final
