"""The `seed:` section: secrets stay out of it, overrides name known kinds, ${NAME}s are found."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from actions.seed.config import SeedConfig
from actions.seed.schema import SeedError
from actions.seed.step import fill_secrets
from tests.conftest import example_settings


def test_a_password_in_a_database_url_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"a password in the URL; write \$\{VARIABLE\}"):
        SeedConfig(databases={"orders": "postgresql://app:hunter2@db:5432/orders"})
    SeedConfig(databases={"orders": "postgresql://app:${ORDERS_PW}@db:5432/orders"})


def test_overrides_name_a_column_and_a_known_kind() -> None:
    with pytest.raises(ValidationError, match=r"TABLE\.COLUMN"):
        SeedConfig(overrides={"email": "email"})
    with pytest.raises(ValidationError, match="is not one of"):
        SeedConfig(overrides={"customers.email": "secret"})
    assert SeedConfig(overrides={"customers.notes": "drop"}).overrides


def test_the_variables_it_needs_are_the_key_and_the_urls_placeholders() -> None:
    config = SeedConfig(
        databases={"orders": "postgresql://app:${ORDERS_PW}@db/orders"},
        sources={"prod": "postgresql://ro:${PROD_RO_PW}@replica/shop"},
    )
    assert config.secret_names() == {"PREPROD_SEED_KEY", "ORDERS_PW", "PROD_RO_PW"}


def test_secrets_are_filled_from_what_the_bot_read_at_load(tmp_path: Path) -> None:
    settings = example_settings(tmp_path)
    seed = settings.apps["shop"].seed
    assert seed is not None
    seed.sources["prod"] = "postgresql://ro:${PROD_RO_PW}@replica/shop"
    settings.read_credentials({"PROD_RO_PW": "s3cret", "UNRELATED": "x"})
    filled = fill_secrets(seed.sources["prod"], settings, "extract")
    assert filled == "postgresql://ro:s3cret@replica/shop"
    assert settings.secret("UNRELATED") is None  # only what the config names is read
    with pytest.raises(SeedError, match="extract: set OTHER_PW"):
        fill_secrets("postgresql://ro:${OTHER_PW}@replica/shop", settings, "extract")
