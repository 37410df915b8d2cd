"""Secrets in what a run produces (a crashing service's log, a progress line) never reach Slack."""

from __future__ import annotations

from actions.context import RunContext
from actions.environments.base import DeployOutcome, EnvironmentStatus, Progress, Release
from actions.plan import RunOutcome, RunRequest, execute
from storage import runs

PASSWORD = "hunter2-Sup3rSecret"
TOKEN = "xoxb-9999999999-leakedtokenvalue"
EMAIL = "jane.doe@customer.example"


class LeakyEnvironment:
    """A deploy that fails the way real services do: its log prints its configuration."""

    name, kind = "local", "local"

    def deploy(self, release: Release, progress: Progress) -> DeployOutcome:
        progress(f"connecting to postgres://shop:{PASSWORD}@db:5432/shop")
        return DeployOutcome(
            ok=False,
            summary=f"catalog crashed on start (user {EMAIL})",
            release=release,
            details=[f"SLACK_BOT_TOKEN={TOKEN}", f"password={PASSWORD}", "Traceback: boom"],
        )

    def rollback(self, progress: Progress) -> DeployOutcome:
        raise NotImplementedError

    def status(self) -> EnvironmentStatus:
        return EnvironmentStatus(name="local", kind="local")

    def urls(self) -> dict[str, str]:
        return {}

    def logs(self, service: str, tail: int = 200) -> list[str]:
        return []

    def teardown(self) -> None:
        return None


def _leaky(request: RunRequest, ctx: RunContext) -> RunOutcome:
    return execute(request, ctx=ctx, env_factory=lambda settings, name: LeakyEnvironment())


def test_planted_secrets_never_reach_the_slack_api_or_storage(slack_bot) -> None:
    harness = slack_bot(_leaky)
    harness.command("ready shop 1.1")
    run_id = int(harness.wait_run(1)["run_id"])
    harness.fake.wait_for(lambda c: "Verdict for run" in c.text, timeout=10)
    seen = "\n".join(c.text + c.body.decode(errors="replace") for c in harness.fake.calls())
    assert "catalog crashed on start" in seen
    for secret in (PASSWORD, TOKEN, EMAIL):
        assert secret not in seen
    stored = str(runs.results_of(harness.store, run_id)) + str(
        runs.events_of(harness.store, run_id)
    )
    assert "[url-password:" in stored and "[slack-token:" in stored
    for secret in (PASSWORD, TOKEN, EMAIL):
        assert secret not in stored
