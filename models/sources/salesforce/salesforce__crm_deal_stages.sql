{#- Every stage an opportunity entered, with its amount then, in the canonical CRM shape:
    OpportunityHistory rows (stage and amount after each change), StageName changes of
    field history that OpportunityHistory does not already hold (the stage at creation:
    the first change's old value), and, for an opportunity with no history, its current
    stage (entered on its close date when closed, else when created). -#}
{{ config(materialized="table") }}

with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

history as (

    select * from {{ ref('stg_salesforce__opportunity_history') }}

),

field_history as (

    select * from {{ ref('stg_salesforce__opportunity_field_history') }}

),

history_entries as (

    select
        history.id as stage_entry_id,
        history.opportunity_id as deal_id,
        history.stage_name,
        history.created_date as entered_at,
        history.amount

    from history
    where history.stage_name is not null

),

stage_changes as (

    select
        id,
        opportunity_id,
        old_value,
        new_value,
        created_date,
        row_number() over (partition by opportunity_id order by created_date, id)
            as change_number

    from field_history
    where lower(field) = 'stagename'

),

field_entries as (

    select
        stage_changes.id as stage_entry_id,
        stage_changes.opportunity_id as deal_id,
        stage_changes.new_value as stage_name,
        stage_changes.created_date as entered_at,
        cast(null as {{ kpi_tree.type_double() }}) as amount
    from stage_changes
    union all
    select
        stage_changes.id || ':created' as stage_entry_id,
        stage_changes.opportunity_id as deal_id,
        stage_changes.old_value as stage_name,
        opportunities.created_date as entered_at,
        cast(null as {{ kpi_tree.type_double() }}) as amount
    from stage_changes
    inner join opportunities
        on stage_changes.opportunity_id = opportunities.id
    where stage_changes.change_number = 1

),

new_field_entries as (

    select field_entries.*
    from field_entries
    where not exists (
        select 1
        from history_entries
        where
            history_entries.deal_id = field_entries.deal_id
            and history_entries.stage_name = field_entries.stage_name
            and history_entries.entered_at = field_entries.entered_at
    )

),

current_stages as (

    select
        opportunities.id || ':current' as stage_entry_id,
        opportunities.id as deal_id,
        opportunities.stage_name,
        case
            when coalesce(opportunities.is_closed, false)
                then cast(opportunities.close_date as {{ dbt.type_timestamp() }})
            else opportunities.created_date
        end as entered_at,
        opportunities.amount

    from opportunities
    where
        not exists (
            select 1
            from history_entries
            where history_entries.deal_id = opportunities.id
        )
        and not exists (
            select 1
            from field_entries
            where field_entries.deal_id = opportunities.id
        )

),

entries as (

    select * from history_entries
    union all
    select * from new_field_entries
    union all
    select * from current_stages

),

final as (

    select entries.*
    from entries
    inner join opportunities
        on entries.deal_id = opportunities.id

)

select * from final
