{#-
    Typed vars: every var that reaches SQL is declared once in var_types() with
    its type, read through typed_var(name), and checked on every parse
    (check_vars, from models/semantic/kpi_time_spine.sql) whatever code path
    reads it later. A checked value is safe where it lands (a number, a
    YYYY-MM-DD text, a lower snake_case name, ...); anything else stops the parse
    with a message naming the var. A value given with --vars is checked like one
    in dbt_project.yml: `1 then null end, (select 42) ...` where a number is
    expected fails instead of being pasted into the SQL. Text vars that land in
    tables (vars.kpi_trees: labels, owners, descriptions) are quoted as literals
    (kpi_tree.literal_rows) and checked by the definition rules.
-#}

{% macro var_types() -%}
    {#- Every typed var: {name: {type, and the accessor's arguments}}. default: the
        value when the var is set nowhere (a project that installs kpi-tree as a
        package for its compiler sets only what it uses). -#}
    {%- set vocabulary = {'type': 'name_list'} -%}
    {%- set tolerance = {'type': 'number', 'minimum': 0} -%}
    {{ return({
        'kpi_calendar_start': {'type': 'date', 'nullable': true, 'default': none},
        'kpi_calendar_end': {'type': 'date', 'nullable': true, 'default': none},
        'kpi_as_of_date': {'type': 'date', 'nullable': true},
        'kpi_status_tolerance': tolerance,
        'kpi_trend_flat_band': tolerance,
        'kpi_target_cascade_tolerance': tolerance,
        'kpi_identity_tolerance': tolerance,
        'kpi_noise_tolerance': tolerance,
        'kpi_tree_attribution_model': {'type': 'name',
            'choices': ['first_touch', 'last_touch', 'even_influence']},
        'metric_time_spine': {'type': 'name', 'nullable': true, 'default': 'metricflow_time_spine'},
        'metric_view_grains': {'type': 'name_list', 'choices': kpi_tree.standard_grains(),
            'default': kpi_tree.standard_grains()},
        'metric_view_breakdowns': {'type': 'name_lists', 'default': [[]]},
        'metric_views_depend_on': {'type': 'name_list', 'allow_empty': true, 'default': []},
        'metric_rows_outside_time_spine': {'type': 'name', 'choices': ['error', 'warn'],
            'default': 'error'},
        'kpi_tree_grains': {'type': 'name_list', 'choices': ['week', 'month', 'quarter'],
            'default': ['week', 'month', 'quarter']},
        'kpi_drill_downs': {'type': 'name_lists', 'default': []},
        'kpi_tree_without_data': {'type': 'name', 'choices': ['error', 'warn'], 'default': 'error'},
        'kpi_layers': {'type': 'name_list', 'default': ['outcome', 'driver', 'diagnostic']},
        'kpi_core_layers': {'type': 'name_list', 'default': ['outcome', 'driver']},
        'kpi_max_core_metrics': {'type': 'number', 'minimum': 1, 'integer': true, 'default': 15},
        'kpi_executive_metrics_min': {'type': 'number', 'minimum': 0, 'integer': true, 'default': 0},
        'kpi_executive_metrics_max': {'type': 'number', 'minimum': 0, 'integer': true,
            'default': 1000},
        'funnel_event_types': vocabulary,
        'motions': vocabulary,
        'kpi_motions': {'type': 'name_list', 'allow_empty': true, 'default': []},
        'channels': vocabulary,
        'segments': vocabulary,
        'regions': vocabulary,
        'engagement_types': vocabulary,
        'attendee_personas': vocabulary,
        'partner_registration_statuses': vocabulary,
        'product_event_types': vocabulary,
        'subscription_change_types': vocabulary,
        'account_health_statuses': vocabulary,
        'amount_event_types': vocabulary,
        'raw_timestamp_time_zone': {'type': 'time_zone'},
        'max_plausible_amount_usd': {'type': 'number', 'minimum': 0},
        'kpi_load_time': {'type': 'timestamp', 'nullable': true, 'default': none},
        'kpi_driver_check_max_lag_weeks': {'type': 'number', 'minimum': 0, 'maximum': 52,
            'integer': true, 'default': 12},
        'kpi_driver_check_min_correlation': {'type': 'number', 'minimum': 0, 'maximum': 1,
            'default': 0.3},
        'kpi_driver_check_min_weeks': {'type': 'number', 'minimum': 3, 'integer': true,
            'default': 26},
        'kpi_forecast_reference_periods': {'type': 'number', 'minimum': 2, 'maximum': 52,
            'integer': true, 'default': 6},
        'kpi_pipeline_cohort_max_months': {'type': 'number', 'minimum': 1, 'maximum': 36,
            'integer': true, 'default': 12},
        'crm_touch_window_days': {'type': 'number', 'minimum': 0, 'integer': true, 'default': 90},
        'salesforce_time_zone': {'type': 'time_zone', 'default': 'UTC'},
        'hubspot_time_zone': {'type': 'time_zone', 'default': 'UTC'},
        'ad_platforms': {'type': 'name_list', 'choices': ['google_ads', 'linkedin_ads',
            'facebook_ads'], 'allow_empty': true, 'default': []},
        'google_ads_time_zone': {'type': 'time_zone', 'default': 'UTC'},
        'linkedin_ads_time_zone': {'type': 'time_zone', 'default': 'UTC'},
        'facebook_ads_time_zone': {'type': 'time_zone', 'default': 'UTC'},
        'billing_connector': {'type': 'name', 'choices': ['contract', 'stripe'],
            'default': 'contract'},
        'stripe_time_zone': {'type': 'time_zone', 'default': 'UTC'},
        'stripe__customer_account_keys': {'type': 'name_list', 'allow_empty': true,
            'default': ['crm_account_id']},
        'stripe__customer_domain_keys': {'type': 'name_list', 'allow_empty': true,
            'default': ['domain']},
        'stripe__subscription_opportunity_keys': {'type': 'name_list', 'allow_empty': true,
            'default': ['opportunity_id']},
        'stripe__subscription_term_keys': {'type': 'name_list', 'allow_empty': true,
            'default': ['term_months']},
        'reconciliation_tolerance': {'type': 'number', 'minimum': 0, 'default': 0.05},
        'web_analytics_connector': {'type': 'name', 'choices': ['contract', 'ga4'],
            'default': 'contract'},
        'ga4_shape': {'type': 'name', 'choices': ['bigquery_export', 'flattened'],
            'default': 'bigquery_export'},
        'ga4_time_zone': {'type': 'time_zone', 'default': 'UTC'},
        'ga4_hashed_email_param': {'type': 'name', 'default': 'hashed_email'},
        'ga4_account_param': {'type': 'name', 'default': 'crm_account_id'},
    }) }}
{%- endmacro %}


{% macro typed_var(name) -%}
    {#- The value of a declared var, checked by the accessor of its type. -#}
    {%- set declaration = kpi_tree.var_types().get(name) -%}
    {%- if declaration is none -%}
        {{ exceptions.raise_compiler_error(
            "var '" ~ name ~ "' has no declared type: add it to kpi_tree.var_types() "
            ~ "(macros/validation/typed_vars.sql)") }}
    {%- endif -%}
    {%- set arguments = {} -%}
    {%- for key, value in declaration.items() if key != 'type' -%}
        {%- do arguments.update({key: value}) -%}
    {%- endfor -%}
    {%- set accessors = {
        'number': kpi_tree.number_var,
        'date': kpi_tree.date_var,
        'timestamp': kpi_tree.timestamp_var,
        'time_zone': kpi_tree.time_zone_var,
        'name': kpi_tree.name_var,
        'name_list': kpi_tree.name_list_var,
        'name_lists': kpi_tree.name_lists_var,
    } -%}
    {{ return(accessors[declaration.type](name, **arguments)) }}
{%- endmacro %}


{% macro check_vars() -%}
    {#- Checks every declared var (parse time: one bad value stops the parse). -#}
    {%- for name in kpi_tree.var_types() -%}
        {%- do kpi_tree.typed_var(name) -%}
    {%- endfor -%}
{%- endmacro %}


{% macro read_var(name, default='__required__') -%}
    {#- var(name), or default when given and the var is set nowhere. -#}
    {#- The demo's values of the settings an adopter must not inherit are in
        var('kpi_tree_demo'), read only when the demo is the root project
        (macros/tree/package_mode.sql). -#}
    {%- if name in kpi_tree.demo_setting_names() and kpi_tree.demo_enabled() -%}
        {%- set default = var('kpi_tree_demo', {}).get(name, default) -%}
    {%- endif -%}
    {%- if default is string and default == '__required__' -%}
        {{ return(var(name)) }}
    {%- endif -%}
    {{ return(var(name, default)) }}
{%- endmacro %}


{% macro var_error(name, value, expected) -%}
    {#- Stops the parse or compile: var `name` is `value`, `expected` says what it must be. -#}
    {%- set shown = value | string -%}
    {%- set shown = shown[:120] ~ ('...' if shown | length > 120 else '') -%}
    {{ exceptions.raise_compiler_error(
        "var '" ~ name ~ "' must be " ~ expected ~ ", not " ~ shown
        ~ " (set it in dbt_project.yml vars or with --vars)") }}
{%- endmacro %}


{% macro number_var(name, minimum=none, maximum=none, integer=false, default='__required__') -%}
    {#- A finite number (an integer when integer=true) within [minimum, maximum]; a
        numeric text ('0.05') is read as its number. Renders as a SQL number. -#}
    {%- set value = kpi_tree.read_var(name, default) -%}
    {%- set expected = ('an integer' if integer else 'a number')
        ~ (' >= ' ~ minimum if minimum is not none else '')
        ~ (' <= ' ~ maximum if maximum is not none else '') -%}
    {%- if value is string
        and modules.re.fullmatch('-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?', value | trim) -%}
        {%- set number = (value | trim | float) -%}
    {%- elif value is number and value is not boolean -%}
        {%- set number = value -%}
    {%- else -%}
        {%- do kpi_tree.var_error(name, value, expected) -%}
    {%- endif -%}
    {%- if number != number or number > 1e300 or number < -1e300 -%}
        {%- do kpi_tree.var_error(name, value, expected ~ ' (finite)') -%}
    {%- endif -%}
    {%- if integer and number != (number | int) -%}
        {%- do kpi_tree.var_error(name, value, expected) -%}
    {%- endif -%}
    {%- if (minimum is not none and number < minimum)
        or (maximum is not none and number > maximum) -%}
        {%- do kpi_tree.var_error(name, value, expected) -%}
    {%- endif -%}
    {{ return(number | int if integer or number is integer else number) }}
{%- endmacro %}


{% macro checked_date(name, value) -%}
    {#- value (a YYYY-MM-DD text or a YAML date) as YYYY-MM-DD, or stop naming the var. -#}
    {%- set text = value.isoformat() if value is not string and value.isoformat is defined
        else value | string -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text)
        or kpi_tree.parse_date(text) is none -%}
        {%- do kpi_tree.var_error(name, value, 'a calendar date written YYYY-MM-DD') -%}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro %}


{% macro date_var(name, nullable=false, default='__required__') -%}
    {#- A calendar date as YYYY-MM-DD text (quote it where it lands); none when
        nullable and the var is null or empty. -#}
    {%- set value = kpi_tree.read_var(name, default) -%}
    {%- if nullable and (value is none or (value is string and value | trim == '')) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(kpi_tree.checked_date(name, value)) }}
{%- endmacro %}


{% macro timestamp_var(name, nullable=false, default='__required__') -%}
    {#- A point in time, YYYY-MM-DD[ HH:MM[:SS[.ffffff]]] with an optional UTC offset
        (none: UTC), as a UTC datetime; none when nullable and null or empty. -#}
    {%- set value = kpi_tree.read_var(name, default) -%}
    {%- if nullable and (value is none or (value is string and value | trim == '')) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value.isoformat() if value is not string and value.isoformat is defined
        else value | string -%}
    {%- set shape = '([0-9]{4}-[0-9]{2}-[0-9]{2})'
        ~ '([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?'
        ~ '(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?' -%}
    {%- set match = modules.re.fullmatch(shape, text) -%}
    {%- if not match or kpi_tree.parse_date(match.group(1)) is none -%}
        {%- do kpi_tree.var_error(name, value,
            'a time written YYYY-MM-DD HH:MM:SS, with an optional UTC offset') -%}
    {%- endif -%}
    {%- set moment = modules.datetime.datetime.fromisoformat(text) -%}
    {%- if moment.tzinfo is not none -%}
        {%- set moment = moment.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
    {%- endif -%}
    {{ return(moment) }}
{%- endmacro %}


{% macro time_zone_var(name, default='__required__') -%}
    {#- An IANA time zone name (UTC, America/New_York, ...), as the tz database spells it. -#}
    {%- set value = kpi_tree.read_var(name, default) -%}
    {%- if value is not string or value not in modules.pytz.all_timezones_set -%}
        {%- do kpi_tree.var_error(name, value, 'an IANA time zone name such as UTC or Europe/Paris') -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro is_plain_name(value) -%}
    {#- True for a lower snake_case name (a-z, 0-9, _; at most 63 characters). -#}
    {{ return(value is string and modules.re.fullmatch('[a-z][a-z0-9_]{0,62}', value) is not none) }}
{%- endmacro %}


{% macro name_var(name, choices=none, nullable=false, default='__required__') -%}
    {#- A lower snake_case name, one of choices when given; none when nullable and null. -#}
    {%- set value = kpi_tree.read_var(name, default) -%}
    {%- if nullable and value is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not kpi_tree.is_plain_name(value) or (choices is not none and value not in choices) -%}
        {%- do kpi_tree.var_error(name, value, 'one of ' ~ choices | join(', ') if choices is not none
            else 'a lower snake_case name (a-z, 0-9, _; at most 63 characters)') -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro name_list_var(name, choices=none, allow_empty=false, default='__required__') -%}
    {#- A list of lower snake_case names (a vocabulary, grains, model names), each one
        of choices when given; not empty unless allow_empty. -#}
    {%- set value = kpi_tree.read_var(name, default) -%}
    {%- set expected = 'a list of ' ~ ('names among ' ~ choices | join(', ') if choices is not none
        else 'lower snake_case names (a-z, 0-9, _; at most 63 characters)')
        ~ ('' if allow_empty else ', not empty') -%}
    {%- if value is string or value is mapping or value is not iterable
        or (not allow_empty and value | length == 0) -%}
        {%- do kpi_tree.var_error(name, value, expected) -%}
    {%- endif -%}
    {%- for item in value
        if not kpi_tree.is_plain_name(item) or (choices is not none and item not in choices) -%}
        {%- do kpi_tree.var_error(name, value, expected) -%}
    {%- endfor -%}
    {{ return(value | list) }}
{%- endmacro %}


{% macro name_lists_var(name, default='__required__') -%}
    {#- A list of lists of lower snake_case names (breakdowns, drill-downs: group-by
        names, entity or entity__dimension); an inner list may be empty (the total). -#}
    {%- set value = kpi_tree.read_var(name, default) -%}
    {%- set expected = 'a list of lists of lower snake_case names, e.g. [[channel], [segment, channel]]' -%}
    {%- if value is string or value is mapping or value is not iterable -%}
        {%- do kpi_tree.var_error(name, value, expected) -%}
    {%- endif -%}
    {%- for names in value -%}
        {%- if names is string or names is mapping or names is not iterable -%}
            {%- do kpi_tree.var_error(name, value, expected) -%}
        {%- endif -%}
        {%- for item in names if not kpi_tree.is_plain_name(item) -%}
            {%- do kpi_tree.var_error(name, value, expected) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(value | map('list') | list) }}
{%- endmacro %}
