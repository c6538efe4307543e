{#- The as-of date: the last day with complete data, var kpi_as_of_date when set,
    else, in the demo, the latest day with funnel events, never after the load time
    (staging rejects events dated in the future, occurred_in_future; the cap is a
    second guard); installed as a package (no funnel events), the load time's day.
    Periods after it are not started; the period holding it is in progress, and plans
    count only its elapsed days. -#}
{%- set as_of_date = kpi_tree.typed_var('kpi_as_of_date') %}
{%- set load_day = 'cast(' ~ kpi_tree.load_time() ~ ' as date)' %}
{%- set funnel_days = 'select * from ' ~ ref('int_funnel_events_aggregated_daily')
    if kpi_tree.demo_enabled() else 'select cast(null as date) as activity_date' %}
{#- installed: no funnel events, the load time's day -#}
{%- set no_events = '' if kpi_tree.demo_enabled() else ',\n            ' ~ load_day %}

with

funnel_days as (

    {{ funnel_days }}

),

final as (

    select
        coalesce(
            cast({{ kpi_tree.quote_string(as_of_date) if as_of_date else 'null' }} as date),
            least(max(activity_date), {{ load_day }}){{ no_events }}
        ) as as_of_date

    from funnel_days

)

select * from final
