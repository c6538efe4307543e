{#-
    Which relation feeds each raw contract table (docs/raw_data.md). Var crm_connector
    chooses what feeds the tables a CRM covers: `contract` (the contract's own tables,
    source `marketing`), `salesforce` or `hubspot` (the connector's output model
    `<connector>__<table>`, models/sources/<connector>/, with exactly the contract's
    columns and types). Var ad_platforms does the same for ad_spend (`ads__ad_spend`,
    models/sources/ads/), var billing_connector for subscriptions and
    subscription_changes (`stripe__<table>`, models/sources/stripe/), and var
    web_analytics_connector for funnel_events without a CRM (`ga4`:
    ga4__funnel_events_with_contract, models/sources/ga4/; with a CRM, its
    <crm>__funnel_events take GA4's rows). Every other table is always read from the
    contract.
-#}

{% macro crm_connectors() -%}
    {#- The CRM connectors this project ships, and the contract tables each feeds. -#}
    {{ return({
        'salesforce': ['funnel_events', 'accounts', 'touches', 'meeting_attendees'],
        'hubspot': ['funnel_events', 'accounts', 'touches', 'meeting_attendees'],
    }) }}
{%- endmacro %}


{% macro crm_connector() -%}
    {#- The connector var crm_connector names, checked: `contract` or a shipped one. -#}
    {%- set chosen = var('crm_connector', 'contract') -%}
    {%- if chosen != 'contract' and chosen not in kpi_tree.crm_connectors() -%}
        {{ exceptions.raise_compiler_error(
            "var crm_connector is '" ~ chosen ~ "': it must be `contract` (the raw contract "
            ~ "tables) or one of " ~ (kpi_tree.crm_connectors().keys() | list | join(', '))) }}
    {%- endif -%}
    {{ return(chosen) }}
{%- endmacro %}


{% macro crm_landed(crm) -%}
    {#- Whether a CRM's tables are in the warehouse: the chosen connector, or one var
        crm_also_landed lists (its people are then matched with the chosen one's by email,
        crm__people_across_crms; nothing else of it is built). -#}
    {{ return(var('crm_connector', 'contract') == crm or crm in var('crm_also_landed', [])) }}
{%- endmacro %}


{% macro ad_platforms() -%}
    {#- The ad platforms var ad_platforms names (checked): with any, the contract's
        ad_spend is read from the ads connector (models/sources/ads/). -#}
    {{ return(kpi_tree.typed_var('ad_platforms')) }}
{%- endmacro %}


{% macro raw_relation(table_name) -%}
    {#- The relation staging reads the raw contract table table_name from. -#}
    {%- set connector = kpi_tree.crm_connector() -%}
    {%- set model_name = none -%}
    {%- if connector != 'contract'
        and table_name in kpi_tree.crm_connectors()[connector] -%}
        {%- set model_name = connector ~ '__' ~ table_name -%}
    {%- elif table_name == 'funnel_events'
        and kpi_tree.web_analytics_connector() == 'ga4' -%}
        {%- set model_name = 'ga4__funnel_events_with_contract' -%}
    {%- elif table_name == 'ad_spend' and kpi_tree.ad_platforms() | length > 0 -%}
        {%- set model_name = 'ads__ad_spend' -%}
    {%- elif table_name in ['subscriptions', 'subscription_changes']
        and kpi_tree.typed_var('billing_connector') == 'stripe' -%}
        {%- set model_name = 'stripe__' ~ table_name -%}
    {%- endif -%}
    {%- if model_name is not none -%}
        {%- if execute and model is defined and model.resource_type == 'test' -%}
            {#- A test's dependencies are the ref() calls of its arguments, read before
                they are rendered: the connector's model is named here without ref()
                (the test depends on the base model that reads it). -#}
            {%- set node = graph.nodes['model.kpi_tree.' ~ model_name] -%}
            {{ return(api.Relation.create(
                database=node.database, schema=node.schema, identifier=node.alias)) }}
        {%- endif -%}
        {{ return(ref(model_name)) }}
    {%- endif -%}
    {{ return(source('marketing', table_name)) }}
{%- endmacro %}
