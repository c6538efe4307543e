{#-
    The staging contract of a raw table, declared once in the source's YAML
    (models/staging/_sources.yml: the table's config.meta.staging and each column's
    config.meta.staging), read into one dict the staging macros build from:

        table, source_name, entity     the raw table, its source, the staged models' name
        key                            the staged columns identifying a row
        load_time                      the staged load-time column; none: a snapshot
        duplicate_reason               a snapshot's reason for a second row of a key
        surrogate_key                  a hashed key column of stg_ (or none)
        tie_breakers                   the staged columns that break a tie on load_time
        columns                        [{raw, kind, name, date_as, staged, optional,
                                         default}], in declared order
        rules                          [[reason, SQL condition]], in order
        rule_specs                     the rules as declared
        fingerprint                    a hash of all of it and of the vars it reads: rows
                                       staged under another contract are restaged
-#}

{% macro staging_declaration(table_name, source_name='marketing') -%}
    {%- set found = [] -%}
    {%- for node in graph.sources.values()
        if node.source_name == source_name and node.name == table_name -%}
        {%- do found.append(node) -%}
    {%- endfor -%}
    {%- if found | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "Staging: no source table '" ~ source_name ~ "." ~ table_name ~ "' is declared") }}
    {%- endif -%}
    {%- set node = found[0] -%}
    {%- set declared = (node.config.meta or {}).get('staging') -%}
    {%- if not declared -%}
        {{ kpi_tree.staging_error(table_name, "the table has no config.meta.staging block") }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- set spec = ((column.config or {}).meta or column.meta or {}).get('staging') -%}
        {%- if spec is none -%}
            {{ kpi_tree.staging_error(table_name, "column '" ~ column.name
                ~ "' has no config.meta.staging (its kind: id, code, text, ...)") }}
        {%- endif -%}
        {%- set spec = {'kind': spec} if spec is string else spec -%}
        {%- do columns.append(kpi_tree.staging_column(table_name, column.name, spec)) -%}
    {%- endfor -%}
    {%- set declaration = {
        'table': table_name,
        'source_name': source_name,
        'entity': declared.get('entity', table_name),
        'key': declared.get('key') or [],
        'load_time': declared.get('load_time'),
        'duplicate_reason': declared.get('duplicate_reason', 'duplicate_key'),
        'surrogate_key': declared.get('surrogate_key'),
        'tie_breakers': declared.get('tie_breakers') or [],
        'columns': columns,
        'rule_specs': declared.get('rules') or [],
    } -%}
    {%- set names = columns | map(attribute='name') | list -%}
    {%- for name in declaration.key + declaration.tie_breakers
        + ([declaration.load_time] if declaration.load_time else []) -%}
        {%- if name not in names -%}
            {{ kpi_tree.staging_error(table_name, "'" ~ name
                ~ "' (key, load_time or tie_breakers) is not a staged column: " ~ names | join(', ')) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if not declaration.key -%}
        {{ kpi_tree.staging_error(table_name, "the key names no column") }}
    {%- endif -%}
    {%- do declaration.update({'rules': kpi_tree.staging_rules(declaration, declared.get('rules') or [])}) -%}
    {%- do declaration.update({'fingerprint': local_md5(tojson(declaration) ~ '|'
        ~ kpi_tree.typed_var('max_plausible_amount_usd') ~ '|'
        ~ kpi_tree.typed_var('raw_timestamp_time_zone'))}) -%}
    {{ return(declaration) }}
{%- endmacro %}


{% macro staging_error(table_name, message) -%}
    {{ exceptions.raise_compiler_error(
        "Staging contract of raw table '" ~ table_name ~ "' (models/staging/_sources.yml): "
        ~ message) }}
{%- endmacro %}


{% macro staging_column(table_name, raw_name, spec) -%}
    {#- One declared column: {raw, kind, name, date_as, staged, optional, default}. -#}
    {%- set kinds = ['id', 'code', 'text', 'upper_code', 'timestamp', 'date', 'integer',
        'boolean', 'amount'] -%}
    {%- set known = ['kind', 'as', 'date_as', 'staged', 'optional', 'default'] -%}
    {%- for key in spec if key not in known -%}
        {{ kpi_tree.staging_error(table_name, "column '" ~ raw_name ~ "' has an unknown key '"
            ~ key ~ "' (" ~ known | join(', ') ~ ")") }}
    {%- endfor -%}
    {%- if spec.get('kind') not in kinds -%}
        {{ kpi_tree.staging_error(table_name, "column '" ~ raw_name ~ "' has kind '"
            ~ spec.get('kind') ~ "', not one of " ~ kinds | join(', ')) }}
    {%- endif -%}
    {%- for name in [raw_name, spec.get('as'), spec.get('date_as')] if name is not none -%}
        {%- if not modules.re.fullmatch('[a-z_][a-z0-9_]*', name) -%}
            {{ kpi_tree.staging_error(table_name, "'" ~ name ~ "' is not a lower_snake_case column name") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return({
        'raw': raw_name,
        'kind': spec.kind,
        'name': spec.get('as', raw_name),
        'date_as': spec.get('date_as'),
        'staged': spec.get('staged', true),
        'optional': spec.get('optional', false),
        'default': spec.get('default'),
    }) }}
{%- endmacro %}


{% macro staging_rules(declaration, declared_rules) -%}
    {#-
        The ordered [reason, condition] rules, from their declared shorthands:
            missing: <column>                       <column> is null (missing_<column>)
            in_future: <column>                     later than the load time
            not_in: {<column>: <vocabulary var>}    outside the var's list (unknown_<column>)
            amount: <raw column>, signed            unparseable_, non_finite_, negative_
                                                    (unless signed), implausible_<raw column>
            when: <SQL on the staged columns>       anything else; needs a reason
        `reason` names the rule (its default is given above); `only_for: {<column>:
        <vocabulary var>}` narrows a rule to rows whose column is in the var's list.
        A row read from a raw file whose columns cannot be typed breaks schema_mismatch,
        before any other rule.
    -#}
    {%- set table_name = declaration.table -%}
    {%- set by_raw = {} -%}
    {%- set names = [] -%}
    {%- for column in declaration.columns -%}
        {%- do by_raw.update({column.raw: column}) -%}
        {%- do names.append(column.name) -%}
    {%- endfor -%}
    {%- set rules = [['schema_mismatch', '_schema_mismatch']] -%}
    {%- set known = ['reason', 'missing', 'in_future', 'not_in', 'amount', 'signed', 'when',
        'only_for'] -%}
    {%- for rule in declared_rules -%}
        {%- for key in rule if key not in known -%}
            {{ kpi_tree.staging_error(table_name, "a rule has an unknown key '" ~ key ~ "' ("
                ~ known | join(', ') ~ ")") }}
        {%- endfor -%}
        {%- set column = rule.get('missing') or rule.get('in_future') -%}
        {%- if column is not none and column not in names -%}
            {{ kpi_tree.staging_error(table_name, "rule on '" ~ column ~ "': not a staged column") }}
        {%- endif -%}
        {%- if rule.get('amount') is not none -%}
            {%- set amount = by_raw.get(rule.amount) -%}
            {%- if amount is none or amount.kind != 'amount' -%}
                {{ kpi_tree.staging_error(table_name, "amount rule on '" ~ rule.amount
                    ~ "': not a raw column of kind amount") }}
            {%- endif -%}
            {%- do rules.extend(kpi_tree.amount_rules(
                amount.name, 'raw_' ~ amount.raw, amount.raw, signed=rule.get('signed', false))) -%}
        {%- else -%}
            {%- if rule.get('missing') is not none -%}
                {%- set default_reason = 'missing_' ~ rule.missing -%}
                {%- set condition = rule.missing ~ ' is null' -%}
            {%- elif rule.get('in_future') is not none -%}
                {%- set default_reason = rule.in_future ~ '_in_future' -%}
                {#- the load time changes every run: kept out of the contract's fingerprint -#}
                {%- set condition = '__in_future__ ' ~ rule.in_future -%}
            {%- elif rule.get('not_in') is not none -%}
                {%- set vocabulary_column, vocabulary = (rule.not_in.items() | list)[0] -%}
                {%- set default_reason = 'unknown_' ~ vocabulary_column -%}
                {%- set condition = kpi_tree.not_in_vocabulary(
                    vocabulary_column, kpi_tree.vocabulary_var(vocabulary)) -%}
            {%- elif rule.get('when') is not none -%}
                {%- set default_reason = none -%}
                {%- set condition = '(' ~ rule.when ~ ')' -%}
            {%- else -%}
                {{ kpi_tree.staging_error(table_name, "a rule says neither missing, in_future, "
                    ~ "not_in, amount nor when: " ~ rule) }}
            {%- endif -%}
            {%- set reason = rule.get('reason', default_reason) -%}
            {%- if reason is none or not modules.re.fullmatch('[a-z_][a-z0-9_]*', reason) -%}
                {{ kpi_tree.staging_error(table_name, "rule " ~ rule ~ " needs a lower_snake_case reason") }}
            {%- endif -%}
            {%- if rule.get('only_for') is not none -%}
                {%- set only_column, only_vocabulary = (rule.only_for.items() | list)[0] -%}
                {%- set condition = condition ~ ' and ' ~ only_column ~ ' in ('
                    ~ kpi_tree.sql_string_list(kpi_tree.vocabulary_var(only_vocabulary)) ~ ')' -%}
            {%- endif -%}
            {%- do rules.append([reason, condition]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}


{% macro vocabulary_var(name) -%}
    {#- A vocabulary var: its declared type when kpi_tree.var_types() has it, else a list of
        lower_snake_case codes (a raw table added by YAML may bring its own vocabulary). -#}
    {%- if name in kpi_tree.var_types() -%}
        {{ return(kpi_tree.typed_var(name)) }}
    {%- endif -%}
    {{ return(kpi_tree.name_list_var(name)) }}
{%- endmacro %}
