"""`/preprod seed local` over Slack's HTTP endpoint on the really deployed shop: acked at once,
the seeded rows said in the run's thread, a schema outside the config's folder refused."""

from __future__ import annotations

import pytest

from actions.environments.factory import open_environment
from storage import runs
from tests.slack.conftest import ENGINEER, run_ids

pytestmark = pytest.mark.slow


def test_seed_from_slack_says_its_rows_in_the_thread(slack_bot) -> None:
    harness = slack_bot(None)
    try:
        harness.command("deploy shop 1.0", user=ENGINEER)
        harness.wait_run(_newest(harness), timeout=60)
        acked = harness.command("seed local --scale 0.05", user=ENGINEER)
        assert acked.status_code == 200 and acked.elapsed.total_seconds() < 3
        run_id = _newest(harness, after=1)
        assert harness.wait_run(run_id, timeout=60)["status"] == "done"
        said = harness.fake.wait_for(
            lambda c: c.method == "chat.postMessage" and "seed" in c.text and "pass" in c.text
        )[0]
        [result] = runs.results_of(harness.store, run_id)
        rows = result["data"]["rows"]
        assert (rows["products"], rows["customers"]) == (100, 250) and rows["orders"] > 250
        assert f"{sum(rows.values()):,} synthetic rows in 3 tables" in said.text
        assert said.get("thread_ts") == harness.wait_status_ts(run_id)

        harness.command("seed local --synthetic /etc/hostname", user=ENGINEER)
        refused = harness.fake.wait_for(
            lambda c: c.method == "response_url" and "under the config's folder" in c.text
        )[0]
        assert refused.get("response_type") == "ephemeral"
        assert len(run_ids(harness.store)) == 2  # no run was started for it
    finally:
        open_environment(harness.bot.settings, "local").teardown()


def _newest(harness, after: int = 0) -> int:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ids = run_ids(harness.store)
        if len(ids) > after:
            return ids[0]
        time.sleep(0.05)
    raise AssertionError("no new run")
