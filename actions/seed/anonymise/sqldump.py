"""Tables out of a SQL dump: `pg_dump`'s plain format and sqlite's `.dump`. Pure.

Read without a database: `COPY ... FROM stdin;` blocks (tab-separated, `\\N` for NULL, backslash
escapes), `INSERT INTO ... VALUES (...), (...);` with or without a column list (the columns
then come from the dump's `CREATE TABLE`), and sqlite's `replace('a\\nb','\\n',char(10))` for
text with line breaks. Everything else (SET, ALTER, indexes, psql's `\\restrict`) is skipped.
Values come back as text, as the database would print them; NULL as None.
"""

from __future__ import annotations

import re

from actions.errors import UsageError
from actions.seed.anonymise.table import Table

_TOKEN = re.compile(
    r"""(?P<space>\s+)|(?P<comment>--[^\n]*|/\*.*?\*/)
    |(?P<estring>[Ee]'(?:[^'\\]|\\.|'')*')|(?P<string>'(?:[^']|'')*')
    |(?P<quoted>"(?:[^"]|"")*")|(?P<word>[A-Za-z_][\w$]*)
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<punct>::|[(),;.+-])|(?P<other>.)""",
    re.S | re.X,
)
_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.S)
_COPY_CHARS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_E_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})|(.))", re.S)
_UNISTR = re.compile(r"\\\\|\\(?:u?([0-9A-Fa-f]{4})|\+([0-9A-Fa-f]{6})|U([0-9A-Fa-f]{8}))")
_CONSTRAINTS = {"CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "EXCLUDE", "LIKE"}
Token = tuple[str, str]  # (kind, text)


def _statement(text: str, pos: int) -> tuple[list[Token], int] | None:
    """The tokens of the statement from `pos` (no spaces or comments) and where it ends."""
    tokens: list[Token] = []
    while pos < len(text):
        if not tokens and text.startswith("\\", pos):  # a psql meta-command: one line
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end + 1
            continue
        match = _TOKEN.match(text, pos)
        assert match is not None  # `other` takes any character
        pos = match.end()
        kind = match.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        if match[0] == ";":
            return tokens, pos
        tokens.append((kind, match[0]))
    return (tokens, pos) if tokens else None


def _name(token: Token) -> str:
    kind, text = token
    return text[1:-1].replace('""', '"') if kind == "quoted" else text.lower()


def _table_name(tokens: list[Token], at: int) -> tuple[str, int]:
    """The (unqualified) table name starting at `at`, and the index after it."""
    name = _name(tokens[at])
    at += 1
    while at + 1 < len(tokens) and tokens[at][1] == ".":
        name, at = _name(tokens[at + 1]), at + 2
    return name, at


def _column_list(tokens: list[Token], at: int) -> tuple[list[str], int]:
    """`(a, b, "C")` at `at`: the names and the index after the closing parenthesis."""
    names, at = [], at + 1
    while tokens[at][1] != ")":
        if tokens[at][1] != ",":
            names.append(_name(tokens[at]))
        at += 1
    return names, at + 1


def _create_columns(tokens: list[Token]) -> list[str]:
    """The column names of `CREATE TABLE t (...)`, constraints left out."""
    start = next(i for i, t in enumerate(tokens) if t[1] == "(")
    columns, depth, first = [], 0, True
    for token in tokens[start:]:
        if token[1] == "(":
            depth += 1
        elif token[1] == ")":
            depth -= 1
        elif token[1] == "," and depth == 1:
            first = True
        elif first and depth == 1:
            if token[1].upper() not in _CONSTRAINTS:
                columns.append(_name(token))
            first = False
    return columns


def _unescape_e(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m[1] or m[2] or m[3]:
            return chr(int(m[1], 8) if m[1] else int(m[2] or m[3], 16))
        return _COPY_CHARS.get(m[4], m[4])

    return _E_ESCAPE.sub(one, body.replace("''", "'"))


def _value(tokens: list[Token], at: int) -> tuple[str | None, int]:
    """One value of a VALUES list at `at`: its text (None for NULL) and the index after it."""
    kind, text = tokens[at]
    sign = ""
    if text in ("+", "-"):
        sign, (kind, text) = ("-" if text == "-" else ""), tokens[at + 1]
        at += 1
    at += 1
    value: str | None
    if kind == "string":
        value = text[1:-1].replace("''", "'")
    elif kind == "estring":
        value = _unescape_e(text[2:-1])
    elif kind == "number":
        value = sign + text
    elif kind == "word" and tokens[at][1] == "(":  # sqlite: replace(...), char(...)
        args: list[str | None] = []
        at += 1
        while tokens[at - 1][1] != ")" or not args:
            arg, at = _value(tokens, at)
            args.append(arg)
            at += 1  # the comma or the closing parenthesis
        value = _call(text.lower(), args)
    elif kind == "word" and text.upper() == "NULL":
        value = None
    elif kind == "word" and text.upper() in ("TRUE", "FALSE"):
        value = text.lower()
    else:
        raise UsageError(f"the SQL dump has a value this reader does not know ({kind})")
    while at < len(tokens) and tokens[at][1] == "::":  # a cast: '…'::date
        at += 2
    return value, at


def _unistr(m: re.Match[str]) -> str:
    return "\\" if m[0] == "\\\\" else chr(int(m[1] or m[2] or m[3], 16))


def _call(function: str, args: list[str | None]) -> str | None:
    if function == "char":
        return "".join(chr(int(a or 0)) for a in args)
    if function == "replace" and len(args) == 3 and None not in args:
        text, old, new = args
        return str(text).replace(str(old), str(new))
    if function == "unistr" and args and args[0] is not None:  # sqlite 3.44+
        return _UNISTR.sub(_unistr, args[0])
    raise UsageError(f"the SQL dump calls a function this reader does not know ({function})")


def _copy_field(field: str) -> str | None:
    if field == "\\N":
        return None
    if "\\" not in field:
        return field

    def one(m: re.Match[str]) -> str:
        if m[1] or m[2]:
            return chr(int(m[1], 8) if m[1] else int(m[2], 16))
        return _COPY_CHARS.get(m[3], m[3])

    return _COPY_ESCAPE.sub(one, field)


def _copy_rows(text: str, start: int, table: Table) -> int:
    """Reads COPY's data lines from `start` up to the `\\.` line; returns where they end."""
    pos = text.find("\n", start) + 1 or len(text)
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        pos = end + 1
        if line == "\\.":
            break
        fields = [_copy_field(f) for f in line.split("\t")]
        if len(fields) != len(table.columns):
            raise UsageError(f"the SQL dump's COPY rows of {table.name} do not match its columns")
        table.rows.append(dict(zip(table.columns, fields, strict=True)))
    return pos


def _insert_rows(tokens: list[Token], at: int, table: Table) -> None:
    while at < len(tokens) and tokens[at][1] == "(":
        row: list[str | None] = []
        at += 1
        while True:
            value, at = _value(tokens, at)
            row.append(value)
            at += 1  # the comma or the closing parenthesis
            if tokens[at - 1][1] == ")":
                break
        if len(row) != len(table.columns):
            raise UsageError(f"the SQL dump's rows of {table.name} do not match its columns")
        table.rows.append(dict(zip(table.columns, row, strict=True)))
        if at < len(tokens) and tokens[at][1] == ",":
            at += 1


def read_dump(text: str) -> dict[str, Table]:
    """The tables of a plain SQL dump (pg_dump COPY or INSERT statements, sqlite .dump)."""
    tables: dict[str, Table] = {}
    created: dict[str, list[str]] = {}
    pos = 0
    while (statement := _statement(text, pos)) is not None:
        tokens, pos = statement
        words = [t[1].upper() for t in tokens[:3]]
        try:
            if words[:2] == ["CREATE", "TABLE"]:
                name, _ = _table_name(tokens, 5 if words[2:3] == ["IF"] else 2)
                created[name] = _create_columns(tokens)
            elif words[:1] == ["COPY"] and any(t[1].lower() == "stdin" for t in tokens):
                name, at = _table_name(tokens, 1)
                columns = _column_list(tokens, at)[0] if tokens[at][1] == "(" else created[name]
                pos = _copy_rows(text, pos, tables.setdefault(name, Table(name, columns)))
            elif words[:2] == ["INSERT", "INTO"]:
                name, at = _table_name(tokens, 2)
                columns = created.get(name, [])
                if tokens[at][1] == "(":
                    columns, at = _column_list(tokens, at)
                _insert_rows(tokens, at + 1, tables.setdefault(name, Table(name, columns)))
        except (IndexError, KeyError, StopIteration, ValueError, OverflowError):
            # a statement cut short, or a value no database would write (not shown: it may
            # be personal data)
            line = text.count("\n", 0, pos) + 1
            raise UsageError(f"the SQL dump could not be read near line {line}") from None
    return tables
