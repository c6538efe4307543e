{#-
    SQL written in definitions (a derived metric's expr, a measure's or
    dimension's expr) read token by token. A derived metric's expression may use
    only its inputs, literals, operators and an allow-list of scalar functions:
    it runs inside a view dashboards read, so it must not reach any other table
    (rule expression_not_allowed).
-#}

{% macro sql_tokens(text) -%}
    {#- [(kind, text)] with kind one of string, number, identifier, quoted, space,
        operator, other. -#}
    {%- set pattern = "(?P<string>'(?:[^']|'')*')"
        ~ "|(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)"
        ~ "|(?P<identifier>[A-Za-z_][A-Za-z0-9_]*)"
        ~ '|(?P<quoted>"(?:[^"]|"")*")'
        ~ "|(?P<space>\s+)"
        ~ "|(?P<operator><=|>=|<>|!=|\|\||::|[-+*/%=<>(),.;\[\]])"
        ~ "|(?P<other>.)" -%}
    {%- set tokens = [] -%}
    {%- for match in modules.re.finditer(pattern, text | string, modules.re.S) -%}
        {%- do tokens.append((match.lastgroup, match.group(0))) -%}
    {%- endfor -%}
    {{ return(tokens) }}
{%- endmacro %}


{% macro sql_keywords() -%}
    {#- Words of SQL expressions that are not column names. -#}
    {{ return([
        'and', 'or', 'not', 'null', 'is', 'in', 'between', 'like', 'ilike', 'case', 'when',
        'then', 'else', 'end', 'true', 'false', 'as', 'distinct', 'interval', 'from', 'for',
        'date', 'time', 'timestamp', 'integer', 'int', 'bigint', 'smallint', 'double',
        'precision', 'float', 'real', 'decimal', 'numeric', 'varchar', 'char', 'text',
        'string', 'boolean', 'bool', 'year', 'quarter', 'month', 'week', 'day', 'hour',
        'minute', 'second', 'epoch', 'dow', 'doy', 'at', 'zone',
    ]) }}
{%- endmacro %}


{% macro derived_expression_functions() -%}
    {#- The scalar functions a derived metric's expression may call. -#}
    {{ return([
        'abs', 'round', 'floor', 'ceil', 'ceiling', 'trunc', 'coalesce', 'nullif', 'greatest',
        'least', 'sqrt', 'power', 'pow', 'exp', 'ln', 'log', 'log10', 'sign', 'mod', 'cast',
    ]) }}
{%- endmacro %}


{% macro next_token(tokens, index) -%}
    {#- The first token after index that is not white space, or none. -#}
    {%- for kind, text in tokens[index + 1:] if kind != 'space' -%}
        {{ return((kind, text)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{% macro qualify(expression, table_alias) -%}
    {#- The expression with its column names prefixed by table_alias: a plain
        column name, or each column of a SQL expression (names that are not SQL
        words, functions or already qualified). An expression the reader cannot
        follow (quoted names, dots) is left as written. -#}
    {%- set text = expression | string -%}
    {%- if modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', text) -%}
        {{ return(table_alias ~ '.' ~ text) }}
    {%- endif -%}
    {%- set tokens = kpi_tree.sql_tokens(text) -%}
    {%- for kind, token in tokens if kind in ['quoted', 'other'] or token in ['.', '::', ';'] -%}
        {{ return(text) }}
    {%- endfor -%}
    {%- set keywords = kpi_tree.sql_keywords() -%}
    {%- set parts = [] -%}
    {%- for kind, token in tokens -%}
        {%- set following = kpi_tree.next_token(tokens, loop.index0) -%}
        {%- if kind == 'identifier' and token | lower not in keywords
            and not (following and following[1] == '(') -%}
            {%- do parts.append(table_alias ~ '.' ~ token) -%}
        {%- else -%}
            {%- do parts.append(token) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(parts | join('')) }}
{%- endmacro %}


{% macro check_derived_expression(expression, input_names, metric_name) -%}
    {#- A derived metric's expr may name only its inputs (aliases), literals,
        operators, SQL words of expressions (case, cast, ...) and the allowed
        functions; anything else (another column, a table, a subquery, a quoted
        name, a statement separator) fails with rule expression_not_allowed. -#}
    {%- set tokens = kpi_tree.sql_tokens(expression) -%}
    {%- set keywords = kpi_tree.sql_keywords() | reject('in', ['from', 'for', 'at', 'zone']) | list -%}
    {%- set functions = kpi_tree.derived_expression_functions() -%}
    {%- for kind, token in tokens -%}
        {%- set following = kpi_tree.next_token(tokens, loop.index0) -%}
        {%- set lowered = token | lower -%}
        {%- if kind in ['quoted', 'other'] or token in ['.', ';', '::', '[', ']'] -%}
            {{ kpi_tree.fail(metric_name, 'expression_not_allowed', "expr '" ~ expression | trim
                ~ "' holds '" ~ token ~ "': a derived expression combines its inputs ("
                ~ input_names | join(', ') ~ ") with operators, literals and functions only") }}
        {%- elif kind == 'identifier' and following and following[1] == '(' -%}
            {%- if lowered not in functions -%}
                {{ kpi_tree.fail(metric_name, 'expression_not_allowed', "expr '" ~ expression | trim
                    ~ "' calls " ~ token ~ "(); allowed functions: " ~ functions | join(', ')) }}
            {%- endif -%}
        {%- elif kind == 'identifier' and lowered not in keywords and token not in input_names -%}
            {{ kpi_tree.fail(metric_name, 'expression_not_allowed', "expr '" ~ expression | trim
                ~ "' names '" ~ token ~ "', which is not one of its inputs ("
                ~ input_names | join(', ') ~ ")") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(expression | trim) }}
{%- endmacro %}
