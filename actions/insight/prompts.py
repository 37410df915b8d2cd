"""Prompt templates from the `prompts/` package: one Markdown file per task, versioned.

A prompt file starts with a `version:` line, then `## system` and `## user` sections; the user
section is a jinja2 template. Values are rendered as given: whoever passes untrusted text escapes it
first (see `evidence.item_json`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SECTION = re.compile(r"^## (system|user)[ \t]*$", re.M)
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True)


class PromptError(ValueError):
    """A prompt file is missing or malformed: a packaging or editing mistake, not a user's."""


@dataclass(frozen=True)
class Prompt:
    """A prompt file: its name, version and text (everything after the version line)."""

    name: str
    version: str
    text: str

    def sections(self) -> dict[str, str]:
        """The `## system` and `## user` sections, stripped."""
        parts = _SECTION.split(self.text)
        found = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
        if set(found) != {"system", "user"}:
            raise PromptError(f"prompt {self.name!r} needs a '## system' and a '## user' section")
        return found

    def render(self, **values: Any) -> tuple[str, str]:
        """The system message and the user message, the user section rendered with `values`."""
        sections = self.sections()
        try:
            user = _ENV.from_string(sections["user"]).render(**values)
        except jinja2.TemplateError as exc:
            raise PromptError(f"prompt {self.name!r}: {exc}") from None
        return sections["system"], user.strip()


def load_prompt(name: str) -> Prompt:
    """The prompt `prompts/<name>.md`, read from the installed `prompts` package."""
    if not _NAME.match(name):
        raise PromptError(f"{name!r} is not a prompt name (lower case, digits and _)")
    path = resources.files("prompts").joinpath(f"{name}.md")
    if not path.is_file():
        raise PromptError(f"no prompt {name!r} (prompts/{name}.md)")
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    key, _, version = first.partition(":")
    if key.strip() != "version" or not version.strip():
        raise PromptError(f"prompts/{name}.md must start with a 'version: ...' line")
    return Prompt(name=name, version=version.strip(), text=rest)
