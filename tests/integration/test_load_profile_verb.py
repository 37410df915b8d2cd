"""`load profile <logfile>` from chat or a terminal: a profile derived from an access log."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.jobs import JobRunner
from bot.replies import Caller, Reply
from bot.service import Preprod
from storage import audit
from storage.store import Store
from tests.conftest import example_settings

ENGINEER = Caller(user="local:eve", surface="cli", name="eve")
VIEWER = Caller(user="U_VIEWER", surface="slack")
LOG = "\n".join(
    [
        *(
            f'10.0.0.{i % 7} - - [25/Nov/2026:10:{i % 60:02d}:00 +0000] "GET /api/products/{i} '
            f'HTTP/1.1" 200 {300 + i} "-" "curl/8"'
            for i in range(1, 61)
        ),
        *(
            f'10.0.0.9 - - [25/Nov/2026:11:{i:02d}:30 +0000] "GET /api/users/anna.{i}@example.com'
            f'/orders?token=s3cr3t{i} HTTP/1.1" 200 90 "-" "curl/8"'
            for i in range(20)
        ),
        "this line is not a request",
    ]
)


@pytest.fixture
def bot(tmp_path: Path):
    settings = example_settings(tmp_path)
    settings.base_dir = tmp_path
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "access.log").write_text(LOG + "\n")
    store = Store(settings.resolve(settings.storage.path))
    made = Preprod(settings, store, runner=JobRunner(settings, store))
    yield made
    made.runner.shutdown()


def test_a_profile_is_derived_written_and_summarised(bot: Preprod, tmp_path: Path) -> None:
    reply = bot.handle("load profile logs/access.log", ENGINEER)

    assert isinstance(reply, Reply) and reply.kind != "error", reply.text
    assert "80 requests in 81 lines (1 malformed, skipped)" in reply.text
    assert "GET /api/products/{id}" in reply.text
    written = next((tmp_path / "artifacts" / "profiles").glob("*.profile.yaml")).read_text()
    assert "/api/products/" in written
    for secret in ("anna.", "@example.com", "s3cr3t", "10.0.0."):
        assert secret not in written and secret not in reply.text
    assert audit.entries(bot.store, verb="load")[0]["user"] == "local:eve"


@pytest.mark.parametrize(
    ("command", "kind", "said"),
    [
        ("load profile ../outside.log", "denied", "is outside the config's folder"),
        ("load profile logs/missing.log", "error", "no file `logs/missing.log`"),
        ("load profile", "error", "`load profile` needs an access log"),
        ("load local logs/access.log", "error", "unexpected `logs/access.log`"),
    ],
)
def test_bad_profile_commands_get_plain_answers(
    bot: Preprod, tmp_path: Path, command: str, kind: str, said: str
) -> None:
    (tmp_path.parent / "outside.log").write_text(LOG)
    reply = bot.handle(command, ENGINEER)
    assert isinstance(reply, Reply) and reply.kind == kind and said in reply.text, reply.text


def test_a_viewer_may_not_read_logs_of_the_bots_host(bot: Preprod) -> None:
    reply = bot.handle("load profile logs/access.log", VIEWER)
    assert isinstance(reply, Reply) and reply.kind == "denied"
