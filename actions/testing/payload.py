"""Request templates of traffic profiles: text with generators, rendered per request. Pure.

A template is text with placeholders: `{int:1:52}`, `{float:0.5:9.5}`, `{choice:a,b,c}`,
`{uuid}`, `{seq}`, `{hex:16}`, or `{name}` for one of the endpoint's vars; `{{` and `}}` are
literal braces. A value that is one placeholder alone keeps its type (`"{int:1:3}"` renders
to the number 2, not the text "2"); anything else renders to text. Randomness comes only from
the `random.Random` passed in, and `{seq}` from the counter passed in, so a seeded generator
renders the same requests every time.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from random import Random
from typing import Any

GENERATORS = ("int", "float", "choice", "uuid", "seq", "hex")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_USAGE = "use {int:1:52}, {float:0:1}, {choice:a,b}, {uuid}, {seq}, {hex:16} or {name} of a var"


class TemplateError(ValueError):
    """A template is malformed; the message says which placeholder and why."""


@dataclass(frozen=True, slots=True)
class Generator:
    """A placeholder that draws a fresh value for each request."""

    kind: str
    args: tuple[Any, ...] = ()

    def draw(self, rng: Random, seq: Iterator[int]) -> Any:
        if self.kind == "int":
            return rng.randint(self.args[0], self.args[1])
        if self.kind == "float":
            return round(rng.uniform(self.args[0], self.args[1]), 3)
        if self.kind == "choice":
            return self.args[rng.randrange(len(self.args))]
        if self.kind == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if self.kind == "hex":
            return f"{rng.getrandbits(4 * self.args[0]):0{self.args[0]}x}"
        return next(seq)  # seq


@dataclass(frozen=True, slots=True)
class VarRef:
    """A placeholder naming one of the endpoint's vars, drawn once per request."""

    name: str


Part = str | Generator | VarRef


@functools.lru_cache(maxsize=4096)
def compile_template(text: str) -> tuple[Part, ...]:
    """The literal text and placeholders of `text`; raises `TemplateError` if malformed."""
    parts: list[Part] = []
    literal, at = [], 0
    for match in _TOKEN.finditer(text):
        literal.append(text[at : match.start()])
        at = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif token in ("{", "}"):
            raise TemplateError(
                f"unbalanced {token!r} in {text!r} (write {{{{ or }}}} for a literal brace)"
            )
        else:
            if "".join(literal):
                parts.append("".join(literal))
            literal = []
            parts.append(_placeholder(match.group(1), text))
    literal.append(text[at:])
    if "".join(literal):
        parts.append("".join(literal))
    return tuple(parts)


def _placeholder(spec: str, text: str) -> Generator | VarRef:
    kind, _, rest = spec.partition(":")
    args = rest.split(":") if rest else []
    where = f"{{{spec}}} in {text!r}"
    if kind in ("int", "float"):
        number = int if kind == "int" else float
        pattern = _INT if kind == "int" else _FLOAT
        if len(args) != 2 or not all(pattern.match(a.strip()) for a in args):
            raise TemplateError(f"{where}: {kind} needs two bounds, e.g. {{{kind}:1:10}}")
        low, high = (number(a.strip()) for a in args)
        if low > high:
            raise TemplateError(f"{where}: the lower bound {low} is above the upper {high}")
        return Generator(kind, (low, high))
    if kind == "choice":
        options = [o.strip() for o in rest.split(",")]
        if not rest or not all(options):
            raise TemplateError(
                f"{where}: choice needs values separated by commas, e.g. {{choice:a,b}}"
            )
        return Generator(kind, tuple(_scalar(o) for o in options))
    if kind == "hex":
        if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= 128:
            raise TemplateError(f"{where}: hex needs a length from 1 to 128, e.g. {{hex:16}}")
        return Generator(kind, (int(args[0]),))
    if kind in ("uuid", "seq"):
        if rest:
            raise TemplateError(f"{where}: {kind} takes no arguments")
        return Generator(kind)
    if rest or not IDENTIFIER.match(kind):
        raise TemplateError(f"{where}: {kind!r} is not a generator ({_USAGE})")
    return VarRef(kind)


def _scalar(text: str) -> int | float | str:
    """Numbers stay numbers in a choice: `{choice:1,2}` draws 1 or 2, not "1" or "2"."""
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def references(value: Any) -> set[str]:
    """The var names a template (or a structure of templates) refers to."""
    if isinstance(value, str):
        return {p.name for p in compile_template(value) if isinstance(p, VarRef)}
    if isinstance(value, Mapping):
        return set().union(*(references(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(references(v) for v in value))
    return set()


def check(value: Any) -> None:
    """Raise `TemplateError` if any template in `value` (text, list or mapping) is malformed."""
    references(value)


def render(
    value: Any, rng: Random, seq: Iterator[int], values: Mapping[str, Any] | None = None
) -> Any:
    """`value` with every template rendered; lists and mappings are rendered item by item."""
    if isinstance(value, str):
        parts = compile_template(value)
        if len(parts) == 1 and not isinstance(parts[0], str):
            return _draw(parts[0], rng, seq, values)
        return "".join(p if isinstance(p, str) else str(_draw(p, rng, seq, values)) for p in parts)
    if isinstance(value, Mapping):
        return {k: render(v, rng, seq, values) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, rng, seq, values) for v in value]
    return value


def _draw(part: Generator | VarRef, rng: Random, seq: Iterator[int], values: Any) -> Any:
    if isinstance(part, VarRef):
        if values is None or part.name not in values:
            raise TemplateError(f"{{{part.name}}} is not a var of this endpoint")
        return values[part.name]
    return part.draw(rng, seq)


def display_name(template: str) -> str:
    """How a template is named in statistics: `/api/products/{id}` → `/api/products/[id]`."""
    return "".join(
        p if isinstance(p, str) else f"[{p.name if isinstance(p, VarRef) else p.kind}]"
        for p in compile_template(template)
    )
