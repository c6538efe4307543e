{#- Every stage a HubSpot deal entered (deal_stage), named by its label (the stage id when
    no pipeline knows it), with the deal's amount then (deal_property_history); a deal
    without stage history enters its current stage when created (when closed, on its close
    date). Canonical CRM shape. -#}
{{ config(materialized="table") }}

with

deals as (

    select * from {{ ref('hubspot__crm_deals') }}

),

landed_deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

deal_stages as (

    select * from {{ ref('stg_hubspot__deal_stages') }}

),

pipeline_stages as (

    select * from {{ ref('stg_hubspot__deal_pipeline_stages') }}

),

deal_history as (

    select * from {{ ref('stg_hubspot__deal_property_history') }}

),

amount_changes as (

    select
        deal_history.deal_id,
        {{ kpi_tree.try_parse_double('deal_history.value') }} as amount,
        deal_history.timestamp as changed_at

    from deal_history
    where lower(deal_history.name) = 'amount'

),

history_entries as (

    select
        deal_stages.deal_id || ':' || deal_stages.value || ':'
        || cast(deal_stages.date_entered as {{ dbt.type_string() }}) as stage_entry_id,
        deal_stages.deal_id,
        coalesce(pipeline_stages.label, deal_stages.value) as stage_name,
        deal_stages.date_entered as entered_at

    from deal_stages
    inner join deals
        on deal_stages.deal_id = deals.deal_id
    left join pipeline_stages
        on deal_stages.value = pipeline_stages.stage_id

),

current_stages as (

    select
        landed_deals.deal_id || ':current' as stage_entry_id,
        landed_deals.deal_id,
        coalesce(pipeline_stages.label, landed_deals.deal_pipeline_stage_id) as stage_name,
        case
            when coalesce(pipeline_stages.is_closed, false)
                then coalesce(landed_deals.property_closedate, landed_deals.property_createdate)
            else landed_deals.property_createdate
        end as entered_at

    from landed_deals
    inner join deals
        on landed_deals.deal_id = deals.deal_id
    left join pipeline_stages
        on landed_deals.deal_pipeline_stage_id = pipeline_stages.stage_id
    where not exists (
        select 1
        from history_entries
        where history_entries.deal_id = landed_deals.deal_id
    )

),

entries as (

    select * from history_entries
    union all
    select * from current_stages

),

amounts_then as (

    {{ kpi_tree.crm_value_as_of(
        'entries', 'stage_entry_id', 'deal_id', 'entered_at',
        'amount_changes', 'deal_id', 'changed_at', 'amount'
    ) | indent(4) }}

),

final as (

    select
        entries.stage_entry_id,
        entries.deal_id,
        entries.stage_name,
        entries.entered_at,
        amounts_then.value_then as amount

    from entries
    left join amounts_then
        on entries.stage_entry_id = amounts_then.stage_entry_id

)

select * from final
