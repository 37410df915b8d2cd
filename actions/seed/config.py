"""The `seed:` section of an app: its synthetic schema, where its databases are, how extracts are
anonymised. The pseudonymisation key is never here: `key_env` names the variable that holds it.

Database URLs are SQLAlchemy URLs. `{data_dir:SERVICE}` stands for a local environment's data
folder of that service; `${NAME}` for an environment variable (a password), filled in by the bot.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actions.seed.anonymise.table import KINDS

_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_KINDS = (*(k for k in KINDS if k != "none"), "keep", "drop")


class SeedConfig(BaseModel):
    """How `seed` fills an app's databases (and the `seed` step of a readiness run)."""

    model_config = ConfigDict(extra="forbid")

    synthetic: str | None = None  # the schema (YAML) used when no --synthetic/--from is given
    scale: float = Field(1.0, gt=0, le=1000)
    seed: int | None = None  # default: the schema's own
    databases: dict[str, str] = Field(default_factory=dict)  # name -> SQLAlchemy URL
    sources: dict[str, str] = Field(default_factory=dict)  # extract name -> CSV folder, URL, dump
    tables: dict[str, str] = Field(default_factory=dict)  # extract table -> database name
    key_env: str = Field("PREPROD_SEED_KEY", pattern=_ENV_NAME)
    overrides: dict[str, str] = Field(default_factory=dict)  # "table.column" -> kind|keep|drop
    quasi_identifiers: dict[str, list[str]] = Field(default_factory=dict)  # table -> columns
    k: int = Field(5, ge=2, le=1000)
    # The largest SQL dump read (dumps are parsed whole in memory); CSV files and databases
    # are streamed a chunk at a time and not bounded by it.
    max_extract_mb: float = Field(1024.0, gt=0, le=1024 * 1024)

    def secret_names(self) -> set[str]:
        """The environment variables this section needs: the key, `${NAME}`s in URLs."""
        names = {self.key_env}
        for url in [*self.databases.values(), *self.sources.values()]:
            names.update(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", url))
        return names

    @field_validator("databases")
    @classmethod
    def _urls(cls, databases: dict[str, str]) -> dict[str, str]:
        for name, url in databases.items():
            if "://" not in url:
                raise ValueError(f"database {name!r}: {url!r} is not a SQLAlchemy URL")
        return cls._no_passwords(databases)

    @field_validator("sources")
    @classmethod
    def _no_passwords(cls, urls: dict[str, str]) -> dict[str, str]:
        for name, url in urls.items():
            if re.search(r"://[^/@]*:[^/@$]+@", url):
                raise ValueError(f"{name!r}: a password in the URL; write ${{VARIABLE}} for it")
        return urls

    @field_validator("overrides")
    @classmethod
    def _known_kinds(cls, overrides: dict[str, str]) -> dict[str, str]:
        for where, kind in overrides.items():
            if "." not in where:
                raise ValueError(f"override {where!r} must be TABLE.COLUMN")
            if kind not in _KINDS:
                raise ValueError(f"override {where}: {kind!r} is not one of {', '.join(_KINDS)}")
        return overrides
