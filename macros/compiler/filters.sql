{#-
    MetricFlow filters, rewritten into SQL on the rows of one semantic model.
    A filter is a template: {{ Dimension('customer__segment') }} = 'smb'. Its
    calls become columns (of the measure's semantic model or of one joined on an
    entity); the rest must be a condition that compares those columns with
    literals: comparisons, in, between, like, is null, joined by and / or / not.
    Anything else (a comparison of two literals such as `or 1 = 1`, a column of
    another table, a subquery) fails with rule filter_not_allowed: a filter that
    is always true builds green with a nonsense value.
-#}

{% macro filter_calls(template) -%}
    {#- The template calls of a filter: [{text, function, name, entity_path, grain,
        group_by}]. -#}
    {%- set re = modules.re -%}
    {%- set call_pattern = "\{\{\s*(\w+)\s*\(([^{}]*?)\)((?:\s*\.\s*\w+\s*\([^(){}]*\))*)\s*\}\}" -%}
    {%- set calls = [] -%}
    {%- for match in re.finditer(call_pattern, template) -%}
        {%- set arguments = match.group(2) -%}
        {%- set keywords = {} -%}
        {%- for key, value in re.findall("(\w+)\s*=\s*(\[[^\]]*\]|'[^']*'|\"[^\"]*\")", arguments) -%}
            {%- do keywords.update({key: re.findall("['\"]([^'\"]*)['\"]", value)}) -%}
        {%- endfor -%}
        {%- set positional = re.findall("['\"]([^'\"]*)['\"]",
            re.sub("\w+\s*=\s*(\[[^\]]*\]|'[^']*'|\"[^\"]*\")", '', arguments)) -%}
        {%- set chained = {} -%}
        {%- for method, value in re.findall("\.\s*(\w+)\s*\(\s*['\"]?([^'\")]*)['\"]?\s*\)", match.group(3)) -%}
            {%- do chained.update({method: value}) -%}
        {%- endfor -%}
        {%- set grain = (positional[1] if positional | length > 1 else none)
            or (keywords.get('time_granularity_name') or [none])[0] or chained.get('grain') -%}
        {%- do calls.append({
            'text': match.group(0),
            'function': match.group(1),
            'name': positional[0] if positional else '',
            'entity_path': keywords.get('entity_path', []),
            'grain': grain,
            'group_by': keywords.get('group_by', []),
            'unsupported': (chained.keys() | list | reject('equalto', 'grain') | list)
                + (['date_part_name'] if 'date_part_name' in keywords else []),
        }) -%}
    {%- endfor -%}
    {{ return(calls) }}
{%- endmacro %}


{% macro filter_group_by_names(template) -%}
    {#- The group-by names a filter's calls read ('customer__segment',
        'customer__country__continent', 'customer'), grains left out. -#}
    {%- set names = [] -%}
    {%- for call in kpi_tree.filter_calls(template) -%}
        {%- set parts = call.entity_path + call.name.split('__') -%}
        {%- if parts | length > 1 and parts[-1] in kpi_tree.standard_grains() and call.function != 'Entity' -%}
            {%- set parts = parts[:-1] -%}
        {%- endif -%}
        {%- do names.append(parts | join('__')) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{% macro resolve_filter_call(call, source, metric_name, template) -%}
    {#- {'sql', 'joins', 'time'} for one template call on the rows of source
        ({semantic_model, table, time}). -#}
    {%- if call.unsupported -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_filter', "filter '" ~ template ~ "' uses "
            ~ call.unsupported | join(', ') ~ " on " ~ call.function ~ "(); metric views support "
            ~ "Dimension(), TimeDimension() with a grain, and Entity()") }}
    {%- endif -%}
    {%- if call.function == 'Metric' -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_metric_filter', "filter '" ~ template
            ~ "' filters on metric '" ~ call.name ~ "'; metric views do not filter on metrics") }}
    {%- elif call.function not in ['Dimension', 'TimeDimension', 'Entity'] -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_filter', "filter '" ~ template ~ "' calls "
            ~ call.function ~ "(); use Dimension(), TimeDimension() or Entity()") }}
    {%- endif -%}
    {%- set parts = call.entity_path + call.name.split('__') -%}
    {%- set grain = call.grain -%}
    {%- if grain is none and parts | length > 1 and parts[-1] in kpi_tree.standard_grains()
        and call.function != 'Entity' -%}
        {%- set grain = parts[-1] -%}
        {%- set parts = parts[:-1] -%}
    {%- endif -%}
    {%- if grain is not none and grain not in kpi_tree.standard_grains() -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_filter', "filter '" ~ template ~ "' uses grain '"
            ~ grain ~ "'; metric views support day, week, month, quarter, year") }}
    {%- endif -%}
    {%- if parts == ['metric_time'] -%}
        {{ return({'sql': kpi_tree.truncate_to_grain(grain or 'day', source.time_sql), 'joins': [], 'time': true}) }}
    {%- endif -%}
    {%- set resolved = kpi_tree.resolve_group_by(
        source.semantic_model, source.table, parts | join('__'), metric_name, time_dimensions=true) -%}
    {%- if resolved is none or (call.function == 'Entity') != (resolved.kind == 'entity') -%}
        {{ kpi_tree.fail(metric_name, 'unreachable_filter', "filter '" ~ template ~ "': "
            ~ call.function ~ "('" ~ parts | join('__') ~ "') is not reachable from semantic model '"
            ~ source.semantic_model.name ~ "' (its own, or one joined on an entity, at most two joins)") }}
    {%- endif -%}
    {%- if resolved.kind == 'time' -%}
        {{ return({'sql': kpi_tree.truncate_to_grain(grain or 'day', resolved.sql), 'joins': resolved.joins, 'time': true}) }}
    {%- endif -%}
    {{ return({'sql': resolved.sql, 'joins': resolved.joins, 'time': false}) }}
{%- endmacro %}


{% macro render_filter(where_sql_template, source, metric_name) -%}
    {#- {'sql', 'joins', 'time'}: the filter as SQL on the rows of source, the
        joins it needs, and whether it reads a time dimension. -#}
    {%- set template = where_sql_template | trim -%}
    {%- set calls = kpi_tree.filter_calls(template) -%}
    {%- set ns = namespace(text=template, joins=[], time=false) -%}
    {%- set columns = {} -%}
    {%- for call in calls -%}
        {%- set operand = 'kpi_filter_operand_' ~ loop.index0 -%}
        {%- set resolved = kpi_tree.resolve_filter_call(call, source, metric_name, template) -%}
        {%- do columns.update({operand: resolved.sql}) -%}
        {%- set ns.joins = ns.joins + resolved.joins -%}
        {%- set ns.time = ns.time or resolved.time -%}
        {%- set ns.text = ns.text | replace(call.text, operand) -%}
    {%- endfor -%}
    {%- if '{{' in ns.text or '{%' in ns.text or '}}' in ns.text -%}
        {{ kpi_tree.fail(metric_name, 'unsupported_filter',
            "filter '" ~ template ~ "' holds template code that is not supported") }}
    {%- endif -%}
    {%- do kpi_tree.check_filter(ns.text, columns.keys() | list, metric_name, template) -%}
    {%- set ns.sql = ns.text -%}
    {%- for operand, column_sql in columns.items() -%}
        {%- set ns.sql = ns.sql | replace(operand, column_sql) -%}
    {%- endfor -%}
    {{ return({'sql': ns.sql, 'joins': ns.joins, 'time': ns.time}) }}
{%- endmacro %}


{#- The filter's grammar, read by recursive descent over its tokens (spaces left
    out). Each macro returns the index after what it read. -#}

{% macro check_filter(text, operands, metric_name, template) -%}
    {%- set tokens = [] -%}
    {%- for kind, token in kpi_tree.sql_tokens(text) if kind != 'space' -%}
        {%- do tokens.append({'kind': kind, 'text': token, 'word': token | lower}) -%}
    {%- endfor -%}
    {%- set context = {'operands': operands, 'metric': metric_name, 'template': template} -%}
    {%- if not tokens -%}
        {{ kpi_tree.filter_error(context, 'it is empty') }}
    {%- endif -%}
    {%- set end = kpi_tree.filter_condition(tokens, 0, context) -%}
    {%- if end < tokens | length -%}
        {{ kpi_tree.filter_error(context, "'" ~ tokens[end].text ~ "' is not expected there") }}
    {%- endif -%}
{%- endmacro %}


{% macro filter_error(context, detail) -%}
    {{ kpi_tree.fail(context.metric, 'filter_not_allowed', "filter '" ~ context.template ~ "': "
        ~ detail ~ "; a filter compares dimensions with literals (=, <>, <, >, in, between, like, "
        ~ "is null), joined by and / or / not") }}
{%- endmacro %}


{% macro filter_word(tokens, index) -%}
    {{ return(tokens[index].word if index < tokens | length else '') }}
{%- endmacro %}


{% macro filter_condition(tokens, index, context) -%}
    {%- set ns = namespace(index=kpi_tree.filter_conjunction(tokens, index, context)) -%}
    {%- for _ in tokens if kpi_tree.filter_word(tokens, ns.index) == 'or' -%}
        {%- set ns.index = kpi_tree.filter_conjunction(tokens, ns.index + 1, context) -%}
    {%- endfor -%}
    {{ return(ns.index) }}
{%- endmacro %}


{% macro filter_conjunction(tokens, index, context) -%}
    {%- set ns = namespace(index=kpi_tree.filter_negation(tokens, index, context)) -%}
    {%- for _ in tokens if kpi_tree.filter_word(tokens, ns.index) == 'and' -%}
        {%- set ns.index = kpi_tree.filter_negation(tokens, ns.index + 1, context) -%}
    {%- endfor -%}
    {{ return(ns.index) }}
{%- endmacro %}


{% macro filter_negation(tokens, index, context) -%}
    {%- set word = kpi_tree.filter_word(tokens, index) -%}
    {%- if word == 'not' -%}
        {{ return(kpi_tree.filter_negation(tokens, index + 1, context)) }}
    {%- elif word == '(' -%}
        {%- set end = kpi_tree.filter_condition(tokens, index + 1, context) -%}
        {%- if kpi_tree.filter_word(tokens, end) != ')' -%}
            {{ kpi_tree.filter_error(context, 'a parenthesis is not closed') }}
        {%- endif -%}
        {{ return(end + 1) }}
    {%- endif -%}
    {{ return(kpi_tree.filter_predicate(tokens, index, context)) }}
{%- endmacro %}


{% macro filter_predicate(tokens, index, context) -%}
    {#- operand (comparison operand | is [not] null/true/false | [not] in (literals)
        | [not] between literal and literal | [not] like literal), or a boolean
        dimension alone. Exactly one side is a dimension. -#}
    {%- set left = kpi_tree.filter_operand(tokens, index, context) -%}
    {%- set ns = namespace(index=left.end) -%}
    {%- set word = kpi_tree.filter_word(tokens, ns.index) -%}
    {%- if word in ['=', '<>', '!=', '<', '<=', '>', '>='] -%}
        {%- set right = kpi_tree.filter_operand(tokens, ns.index + 1, context) -%}
        {%- if left.kind == right.kind -%}
            {{ kpi_tree.filter_error(context, 'it compares two ' ~ left.kind ~ 's ('
                ~ tokens[index:right.end] | map(attribute='text') | join(' ') ~ ')') }}
        {%- endif -%}
        {{ return(right.end) }}
    {%- endif -%}
    {%- if left.kind != 'dimension' -%}
        {{ kpi_tree.filter_error(context, "'" ~ tokens[index:ns.index + 1] | map(attribute='text') | join(' ')
            ~ "' does not test a dimension") }}
    {%- endif -%}
    {%- if word == 'is' -%}
        {%- set ns.index = ns.index + 1 -%}
        {%- if kpi_tree.filter_word(tokens, ns.index) == 'not' -%}
            {%- set ns.index = ns.index + 1 -%}
        {%- endif -%}
        {%- if kpi_tree.filter_word(tokens, ns.index) not in ['null', 'true', 'false'] -%}
            {{ kpi_tree.filter_error(context, "'is' must be followed by null, true or false") }}
        {%- endif -%}
        {{ return(ns.index + 1) }}
    {%- endif -%}
    {%- if word == 'not' -%}
        {%- set ns.index = ns.index + 1 -%}
        {%- set word = kpi_tree.filter_word(tokens, ns.index) -%}
    {%- endif -%}
    {%- if word == 'in' -%}
        {%- if kpi_tree.filter_word(tokens, ns.index + 1) != '(' -%}
            {{ kpi_tree.filter_error(context, "'in' must be followed by a list of literals") }}
        {%- endif -%}
        {%- set ns.index = ns.index + 1 -%}
        {%- for _ in tokens if kpi_tree.filter_word(tokens, ns.index) in ['(', ','] -%}
            {%- set item = kpi_tree.filter_operand(tokens, ns.index + 1, context) -%}
            {%- if item.kind != 'literal' -%}
                {{ kpi_tree.filter_error(context, "an 'in' list holds literals only") }}
            {%- endif -%}
            {%- set ns.index = item.end -%}
        {%- endfor -%}
        {%- if kpi_tree.filter_word(tokens, ns.index) != ')' -%}
            {{ kpi_tree.filter_error(context, "an 'in' list is not closed") }}
        {%- endif -%}
        {{ return(ns.index + 1) }}
    {%- elif word == 'between' -%}
        {%- set low = kpi_tree.filter_operand(tokens, ns.index + 1, context) -%}
        {%- if kpi_tree.filter_word(tokens, low.end) != 'and' -%}
            {{ kpi_tree.filter_error(context, "'between' needs 'and'") }}
        {%- endif -%}
        {%- set high = kpi_tree.filter_operand(tokens, low.end + 1, context) -%}
        {%- if low.kind != 'literal' or high.kind != 'literal' -%}
            {{ kpi_tree.filter_error(context, "'between' takes two literals") }}
        {%- endif -%}
        {{ return(high.end) }}
    {%- elif word in ['like', 'ilike'] -%}
        {%- set pattern = kpi_tree.filter_operand(tokens, ns.index + 1, context) -%}
        {%- if pattern.kind != 'literal' -%}
            {{ kpi_tree.filter_error(context, "'" ~ word ~ "' takes a literal pattern") }}
        {%- endif -%}
        {{ return(pattern.end) }}
    {%- elif word == 'not' or ns.index != left.end -%}
        {{ kpi_tree.filter_error(context, "'not' must be followed by in, between or like") }}
    {%- endif -%}
    {{ return(left.end) }}
{%- endmacro %}


{% macro filter_operand(tokens, index, context) -%}
    {#- {'kind': 'dimension' or 'literal', 'end'}: a template call, a literal (a
        string, a number, true, false, null, date '...'), or a function of those
        (lower, upper, trim, coalesce, cast). -#}
    {%- if index >= tokens | length -%}
        {{ kpi_tree.filter_error(context, 'it ends where a dimension or a literal is expected') }}
    {%- endif -%}
    {%- set token = tokens[index] -%}
    {%- if token.text in context.operands -%}
        {{ return({'kind': 'dimension', 'end': index + 1}) }}
    {%- elif token.kind in ['string', 'number'] or token.word in ['true', 'false', 'null'] -%}
        {{ return({'kind': 'literal', 'end': index + 1}) }}
    {%- elif token.word in ['-', '+'] and index + 1 < tokens | length and tokens[index + 1].kind == 'number' -%}
        {{ return({'kind': 'literal', 'end': index + 2}) }}
    {%- elif token.word in ['date', 'timestamp'] and index + 1 < tokens | length
        and tokens[index + 1].kind == 'string' -%}
        {{ return({'kind': 'literal', 'end': index + 2}) }}
    {%- elif token.word in ['lower', 'upper', 'trim', 'coalesce', 'cast']
        and kpi_tree.filter_word(tokens, index + 1) == '(' -%}
        {%- set ns = namespace(index=index + 1, kind='literal') -%}
        {%- for _ in tokens if kpi_tree.filter_word(tokens, ns.index) in ['(', ','] -%}
            {%- set argument = kpi_tree.filter_operand(tokens, ns.index + 1, context) -%}
            {%- set ns.kind = 'dimension' if argument.kind == 'dimension' else ns.kind -%}
            {%- set ns.index = argument.end -%}
            {%- if token.word == 'cast' and kpi_tree.filter_word(tokens, ns.index) == 'as' -%}
                {#- the type: words up to the closing parenthesis -#}
                {%- for _ in tokens if tokens[ns.index + 1].kind == 'identifier' -%}
                    {%- set ns.index = ns.index + 1 -%}
                {%- endfor -%}
                {%- set ns.index = ns.index + 1 -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if kpi_tree.filter_word(tokens, ns.index) != ')' -%}
            {{ kpi_tree.filter_error(context, token.text ~ "() is not closed") }}
        {%- endif -%}
        {{ return({'kind': ns.kind, 'end': ns.index + 1}) }}
    {%- endif -%}
    {{ kpi_tree.filter_error(context, "'" ~ token.text ~ "' is neither a dimension nor a literal") }}
{%- endmacro %}
