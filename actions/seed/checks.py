"""Rules that span columns and tables: references, types, uniqueness, order of generation.

`check_schema` lists every problem as `table.column: what is wrong`; `table_order` and
`column_order` give the order of generation (parents before children, inputs before the
columns computed from them) of a schema that passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from actions.seed import specs, string_specs
from actions.seed.expr import expr_names, parse_expr
from actions.seed.schema import Column, SeedSchema, Table

# Kinds whose values are unique by construction or by a permutation of their finite domain.
UNIQUE_KINDS = frozenset(
    {
        "sequence", "uniform", "choice", "date", "datetime", "pattern", "first_name",
        "last_name", "full_name", "email", "phone", "city", "postcode", "street_address",
        "uuid", "product_name", "foreign_key",
    }
)  # fmt: skip
UNIQUE_INT_ONLY = frozenset({"uniform"})


def check_schema(schema: SeedSchema) -> list[str]:
    """Every cross-reference problem of a schema that parsed, one line each."""
    problems: list[str] = []
    names = [t.name for t in schema.tables]
    problems += [f"{n}: more than one table has this name" for n in _duplicates(names)]
    tables = {t.name: t for t in schema.tables}
    for table in schema.tables:
        columns = [c.name for c in table.columns]
        problems += [f"{table.name}.{n}: more than one column" for n in _duplicates(columns)]
        if table.per is not None and table.per.table not in tables:
            problems.append(f"{table.name}: per: no table {table.per.table!r}")
        for column in table.columns:
            problems += [
                f"{table.name}.{column.name}: {p}" for p in _column_problems(column, table, tables)
            ]
    if not problems:
        problems += _cycles({t.name: _parents(t) for t in schema.tables}, "tables")
        for table in schema.tables:
            deps = {c.name: column_inputs(c) for c in table.columns}
            problems += [f"{table.name}: {p}" for p in _cycles(deps, "columns")]
    return problems


def _column_problems(column: Column, table: Table, tables: Mapping[str, Table]) -> list[str]:
    spec, problems = column.generator, []
    if column.type not in spec.types:
        made = " or ".join(spec.types)
        problems.append(f"generator {spec.kind!r} makes {made}, not {column.type}")
    if isinstance(spec, specs.Choice | specs.Constant):
        values = spec.values if isinstance(spec, specs.Choice) else [spec.value]
        wrong = [v for v in values if not _fits(v, column.type)]
        if wrong:
            problems.append(f"{wrong[0]!r} is not a {column.type}")
    if column.is_unique:
        if spec.kind not in UNIQUE_KINDS or (spec.kind in UNIQUE_INT_ONLY and column.type != "int"):
            problems.append(f"unique is not supported for generator {spec.kind!r}")
        elif isinstance(spec, string_specs.FullName) and spec.from_:
            problems.append("a unique full_name cannot be made from other columns")
    if column.primary_key and column.null > 0:
        problems.append("a primary key cannot be null")
    if isinstance(spec, specs.ForeignKey | specs.Lookup):
        problems += _reference_problems(column, spec, table, tables)
    for name in column_inputs(column) - {c.name for c in table.columns}:
        problems.append(f"reads a column {name!r} that {table.name} does not have")
    if isinstance(spec, string_specs.FullName | string_specs.Email) and spec.from_:
        not_text = [c.name for c in table.columns if c.name in spec.from_ and c.type != "str"]
        problems += [f"from: {name} is not a str column" for name in not_text]
    return problems


def _reference_problems(
    column: Column,
    spec: specs.ForeignKey | specs.Lookup,
    table: Table,
    tables: Mapping[str, Table],
) -> list[str]:
    if isinstance(spec, specs.Lookup):
        via = table.column(spec.via)
        if via is None or not isinstance(via.generator, specs.ForeignKey):
            return [f"lookup via {spec.via!r}: not a foreign_key column of {table.name}"]
        ref_table, ref_name = via.generator.ref.split(".")[0], spec.column
    else:
        ref_table, ref_name = spec.ref.split(".")
    parent = tables.get(ref_table)
    if parent is None:
        return [f"refers to a table {ref_table!r} that the schema does not have"]
    target = parent.column(ref_name)
    if target is None:
        return [f"refers to {ref_table}.{ref_name}, but {ref_table} has no column {ref_name!r}"]
    problems = []
    if target.type != column.type:
        problems.append(f"is {column.type} but {ref_table}.{ref_name} is {target.type}")
    if isinstance(spec, specs.Lookup) and target.null > 0:
        problems.append(f"{ref_table}.{ref_name} can be null: a lookup copies values only")
    if isinstance(spec, specs.ForeignKey):
        if not target.is_unique:
            problems.append(f"{ref_table}.{ref_name} is not unique: a key must be")
        if target.null > 0:
            problems.append(f"{ref_table}.{ref_name} can be null: a key cannot")
    return problems


def _fits(value: object, column_type: str) -> bool:
    if column_type == "bool" or isinstance(value, bool):
        return column_type == "bool" and isinstance(value, bool)
    accepted = {"int": int, "float": int | float, "str": str}.get(column_type)
    return accepted is not None and isinstance(value, accepted)


def column_inputs(column: Column) -> set[str]:
    """The columns of the same row that a column's generator reads."""
    spec = column.generator
    if isinstance(spec, specs.Derived):
        return expr_names(parse_expr(spec.expr))
    if isinstance(spec, string_specs.FullName | string_specs.Email):
        return set(spec.from_ or ())
    if isinstance(spec, specs.Lookup):
        return {spec.via}
    return set()


def _parents(table: Table) -> set[str]:
    parents = {table.per.table} if table.per else set()
    for column in table.columns:
        if isinstance(column.generator, specs.ForeignKey):
            parents.add(column.generator.ref.split(".")[0])
    return parents


def _cycles(graph: Mapping[str, Iterable[str]], what: str) -> list[str]:
    try:
        _topological(graph)
    except ValueError as exc:
        return [f"these {what} depend on each other in a cycle: {exc}"]
    return []


def _topological(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Nodes with their dependencies first, otherwise in the given order; ValueError on a cycle."""
    done: dict[str, None] = {}
    visiting: list[str] = []

    def visit(node: str) -> None:
        if node in done or node not in graph:
            return
        if node in visiting:
            raise ValueError(" -> ".join([*visiting[visiting.index(node) :], node]))
        visiting.append(node)
        for dep in graph[node]:
            visit(dep)
        visiting.pop()
        done[node] = None

    for node in graph:
        visit(node)
    return list(done)


def table_order(schema: SeedSchema) -> list[Table]:
    """The tables, every parent before its children."""
    order = _topological({t.name: sorted(_parents(t)) for t in schema.tables})
    return [schema.table(name) for name in order]


def column_order(table: Table) -> list[Column]:
    """The columns of a table, every input before the columns computed from it."""
    order = _topological({c.name: sorted(column_inputs(c)) for c in table.columns})
    by_name = {c.name: c for c in table.columns}
    return [by_name[name] for name in order]


def _duplicates(names: list[str]) -> list[str]:
    return sorted({n for n in names if names.count(n) > 1})
