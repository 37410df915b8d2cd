"""The seed schema (YAML): tables, columns, generators, row counts; loaded and checked.

```yaml
version: 1
seed: 42
tables:
  - name: products
    database: catalog            # which of the environment's databases
    rows: 2000                   # or per: {table: customers, mean: 2.5, distribution: poisson}
    columns:
      - {name: id, type: int, primary_key: true, generator: {kind: sequence}}
      - {name: price, type: float, generator: {kind: lognormal, mean: 3, sigma: 0.6, round: 2}}
```
Every problem is reported at once, one line each, naming the table and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from actions.errors import PreprodError
from actions.seed import specs, string_specs
from actions.seed.specs import ColumnType
from actions.yaml_files import read_yaml

NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"

GeneratorSpec = Annotated[
    specs.Sequence
    | specs.Uniform
    | specs.Normal
    | specs.LogNormal
    | specs.Exponential
    | specs.Poisson
    | specs.Choice
    | specs.Constant
    | specs.Bool
    | specs.Dates
    | specs.DateTimes
    | string_specs.Pattern
    | string_specs.Text
    | string_specs.Named
    | string_specs.FullName
    | string_specs.Email
    | string_specs.Local
    | specs.ForeignKey
    | specs.Lookup
    | specs.Derived,
    Field(discriminator="kind"),
]


class SeedError(PreprodError):
    """A seed schema is invalid, cannot be generated, or its data cannot be written."""


class Column(BaseModel):
    """One column: its type, its generator, and how often it is null."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    name: str = Field(pattern=NAME)
    type: ColumnType
    generator: GeneratorSpec
    null: float = Field(0.0, ge=0, lt=1)  # share of rows left null
    unique: bool = False
    primary_key: bool = False
    nullable: bool | None = None  # the table may hold nulls here (default: when `null` > 0)

    @model_validator(mode="before")
    @classmethod
    def _null_key(cls, data: Any) -> Any:
        """YAML reads the key `null:` as None: take it as the `null` share."""
        if isinstance(data, dict) and None in data:
            return {("null" if key is None else key): value for key, value in data.items()}
        return data

    @property
    def kind(self) -> str:
        """The generator's kind."""
        return self.generator.kind

    @property
    def is_unique(self) -> bool:
        """Whether every value must differ (a primary key is unique)."""
        return self.unique or self.primary_key

    @property
    def allows_null(self) -> bool:
        """Whether the database column accepts nulls."""
        return self.null > 0 if self.nullable is None else self.nullable


class Per(BaseModel):
    """Rows made per row of another table: counts drawn from a distribution with this mean."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    table: str
    mean: float = Field(ge=0)
    distribution: Literal["poisson", "geometric", "uniform", "fixed"] = "poisson"
    min: int = Field(0, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> Per:
        if self.max is not None and self.max < self.min:
            raise ValueError("max is below min")
        return self


class Table(BaseModel):
    """One table: where it goes, how many rows, its columns."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=NAME)
    database: str = "default"
    rows: int | None = Field(None, ge=0)
    per: Per | None = None
    columns: list[Column] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_count(self) -> Table:
        if (self.rows is None) == (self.per is None):
            raise ValueError("give either rows: N or per: {table: ..., mean: ...}")
        return self

    def column(self, name: str) -> Column | None:
        """The column called `name`, if any."""
        return next((c for c in self.columns if c.name == name), None)


class SeedSchema(BaseModel):
    """A whole seed schema."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: Literal[1] = 1
    seed: int = Field(0, ge=0)
    tables: list[Table] = Field(min_length=1)

    def table(self, name: str) -> Table:
        """The table called `name` (KeyError if there is none)."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def databases(self) -> list[str]:
        """The databases the tables go to, in first-mention order."""
        return list(dict.fromkeys(t.database for t in self.tables))


def load_schema(path: Path) -> SeedSchema:
    """The schema in the YAML file at `path`; SeedError listing every problem."""
    return parse_schema(read_yaml(path, SeedError, "the seed schema"), source=str(path))


def parse_schema(data: Any, source: str = "seed schema") -> SeedSchema:
    """The schema from already-parsed YAML data; SeedError listing every problem."""
    from actions.seed.checks import check_schema
    from actions.seed.rows import plan_rows

    try:
        schema = SeedSchema.model_validate(data)
    except ValidationError as exc:
        raise SeedError(_format(source, data, exc)) from None
    problems = check_schema(schema)
    if problems:
        lines = [f"{source}: {len(problems)} problem(s)", *(f"{source}: {p}" for p in problems)]
        raise SeedError("\n".join(lines))
    try:
        plan_rows(schema)  # counts at scale 1 make unique columns possible, or say why not
    except SeedError as exc:
        raise SeedError(f"{source}: {exc}") from None
    return schema


def _format(source: str, data: Any, exc: ValidationError) -> str:
    lines = [f"{source}: {exc.error_count()} problem(s)"]
    for error in exc.errors():
        where = _where(data, error["loc"])
        message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "union_tag_invalid":
            kinds = error.get("ctx", {}).get("expected_tags", "")
            message = f"unknown generator {error['ctx']['tag']!r}; generators are {kinds}"
        elif error["type"] == "union_tag_not_found":
            message = "missing 'kind'"
        lines.append(f"{source}: {where}: {message}")
    return "\n".join(lines)


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """`orders.total.generator.expr` rather than `tables.1.columns.4.generator.derived.expr`."""
    parts: list[str] = []
    node, i = data, 0
    while i < len(loc):
        key = loc[i]
        if key in ("tables", "columns") and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            index = int(loc[i + 1])
            items = node.get(key) if isinstance(node, dict) else None
            item = items[index] if isinstance(items, list) and index < len(items) else None
            name = item.get("name") if isinstance(item, dict) else None
            parts.append(str(name) if name else f"{key}[{index}]")
            node, i = item, i + 2
            continue
        parts.append(str(key))
        if key == "generator" and i + 1 < len(loc) and isinstance(node, dict):
            i += 1  # skip the union's tag that pydantic adds to the location
        node = node.get(key) if isinstance(node, dict) else None
        i += 1
    return ".".join(parts) or "(top level)"
