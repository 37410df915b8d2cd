"""Reading a YAML file people wrote, and saying plainly what is wrong with it.

One place for the config, traffic profiles and chaos experiments: an unreadable file, YAML that
does not parse (with its line and column) and a model that does not validate (one line per
problem, `file: key.path: what is wrong`) each become the caller's own `PreprodError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from actions.errors import PreprodError


def read_yaml(path: Path, error: type[PreprodError], what: str = "the file") -> Any:
    """The file's YAML data; `error` with a plain reason when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{path}:{where} not valid YAML: {problem}") from None


def format_errors(source: object, exc: ValidationError) -> str:
    """One line per problem: `source: key.path: what is wrong`."""
    lines = [f"{source}: {exc.error_count()} problem(s)"]
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "union_tag_invalid":
            expected = error.get("ctx", {}).get("expected_tags", "")
            message = f"unknown type {error['input'].get('type')!r}; types are {expected}"
        elif error["type"] == "union_tag_not_found":
            message = "missing 'type'"
        lines.append(f"{source}: {key}: {message}")
    return "\n".join(lines)
