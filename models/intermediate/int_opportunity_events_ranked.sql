{#-
    The funnel events an opportunity has once: its creation, its qualification and
    its close (won or lost), one row per event, each with the rule that decides which
    one counts when the CRM sends more than one (a second qualification, a re-close,
    the same opportunity from two source systems):
      created    the earliest creation counts        (others: duplicate_creation)
      qualified  the earliest qualification counts   (others: duplicate_qualification)
      closed     the latest close counts, won before
                 lost at the same moment             (others: superseded_close)
    Ties on time go to the byte-wise smallest source_system, then event_id, the same
    on every engine. An event without an opportunity_id cannot be placed and never
    counts (missing_opportunity_id). The daily funnel facts, int_opportunities_qualified
    and int_opportunities_closed count only the events with is_counted, so the trees'
    identities hold; the others are listed here with their reason (a warning test
    reports how many).
-#}

with

funnel_events as (

    select * from {{ ref('stg_marketing__funnel_events') }}
    where event_type in (
        'opportunity_created', 'opportunity_qualified', 'closed_won', 'closed_lost'
    )

),

milestones as (

    select
        *,
        case
            when event_type = 'opportunity_created' then 'created'
            when event_type = 'opportunity_qualified' then 'qualified'
            else 'closed'
        end as milestone

    from funnel_events

),

ranked as (

    select
        *,
        row_number() over (
            partition by opportunity_id, milestone
            order by
                case when milestone = 'closed' then occurred_at end desc nulls last,
                case when milestone != 'closed' then occurred_at end asc nulls last,
                {{ kpi_tree.binary_collation('event_type') }} desc,
                {{ kpi_tree.binary_collation('source_system') }} asc,
                {{ kpi_tree.binary_collation('event_id') }} asc
        ) as milestone_rank

    from milestones

),

counted as (

    select
        opportunity_id,
        milestone,
        {{ dbt.concat(['source_system', "':'", 'event_id']) }} as counted_event

    from ranked
    where milestone_rank = 1 and opportunity_id is not null

),

final as (

    select
        ranked.source_system,
        ranked.event_id,
        ranked.opportunity_id,
        ranked.milestone,
        ranked.event_type,
        ranked.account_id,
        ranked.contact_id,
        ranked.motion,
        ranked.channel,
        ranked.occurred_at,
        ranked.occurred_date,
        ranked.amount_usd,
        ranked.opportunity_id is not null and ranked.milestone_rank = 1 as is_counted,
        case
            when ranked.opportunity_id is null then 'missing_opportunity_id'
            when ranked.milestone_rank = 1 then null
            when ranked.milestone = 'created' then 'duplicate_creation'
            when ranked.milestone = 'qualified' then 'duplicate_qualification'
            else 'superseded_close'
        end as set_aside_reason,
        case when ranked.milestone_rank > 1 then counted.counted_event end as counted_event

    from ranked
    left join counted
        on
            ranked.opportunity_id = counted.opportunity_id
            and ranked.milestone = counted.milestone

)

select * from final
