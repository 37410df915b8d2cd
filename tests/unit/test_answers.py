"""How an environment's state reads in chat and in a terminal."""

from __future__ import annotations

from actions.environments.base import EnvironmentStatus, ServiceStatus
from bot.answers import environment_text


def test_a_mixed_rollout_says_so_with_restarts_age_and_warnings() -> None:
    state = EnvironmentStatus(
        name="staging",
        kind="kubernetes",
        app="shop",
        version=None,
        services=[
            ServiceStatus(
                name="catalog",
                version="1.1",
                url=None,
                healthy=False,
                detail="1/2 updated",
                restarts=6,
                age_s=7300,
                warnings=["BackOff: restarting failed container"],
            ),
            ServiceStatus(name="storefront", version="1.0", url=None, healthy=True, detail=""),
        ],
    )
    lines = environment_text("staging", state).splitlines()
    assert lines[0] == "staging (kubernetes): shop (services on different versions)"
    assert "UNHEALTHY" in lines[1] and "(6 restarts, up 2h)" in lines[1]
    assert lines[2] == "      warning: BackOff: restarting failed container"
    assert "healthy" in lines[3]


def test_nothing_deployed_is_said_plainly() -> None:
    state = EnvironmentStatus(name="local", kind="local")
    assert environment_text("local", state) == "local (local): nothing deployed"
