"""One failure notice for the tests of its renderers (Slack, Teams) and of routing."""

from __future__ import annotations

from typing import Any

from actions.report.failure_notice import FailureNotice


def sample_notice(**changes: Any) -> FailureNotice:
    """Run 12 of shop 1.1, no-go: two services' findings and a line about no service."""
    base = FailureNotice(
        run_id=12,
        app="shop",
        version="1.1",
        environment="local",
        outcome="no-go",
        headline="shop 1.1 on local: no-go (SLO score 40%)",
        reasons=["e2e failed: 2 of 9 tests failed"],
        services={"payments": ["critical · e2e: double charge"], "checkout": ["high · e2e: 500"]},
        unowned=["load failed: too slow"],
    )
    return base.model_copy(update=changes)
