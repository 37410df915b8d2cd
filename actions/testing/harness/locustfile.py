"""The generic locustfile: runs the traffic profile named by `$PREPROD_LOAD_PROFILE`.

It runs inside Locust's own process (never imported by the bot: Locust monkey-patches with
gevent). One user class sends the profile's endpoints in proportion to their weights, with its
think time; stages, when given, become a load shape. Requests are named by their path template
(`/api/products/[id]`) or the endpoint's name, so each endpoint has one row in the statistics.

    PREPROD_LOAD_PROFILE=profile.yaml locust -f actions/testing/harness/locustfile.py --host URL
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Any

from locust import HttpUser, LoadTestShape, between, constant, constant_throughput, task

try:
    from actions.testing import profile as profiles
except ModuleNotFoundError:  # run from a checkout where preprod is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from actions.testing import profile as profiles

if not os.environ.get(profiles.PROFILE_ENV):
    raise SystemExit(f"set {profiles.PROFILE_ENV} to the path of a traffic profile (YAML)")
PROFILE = profiles.load_profile(Path(os.environ[profiles.PROFILE_ENV]))
ENDPOINTS = [e for e in PROFILE.endpoints if e.weight > 0]
CUMULATIVE = list(accumulate(e.weight for e in ENDPOINTS))
EXPECTED = [None if e.expect is None else frozenset(e.expect) for e in ENDPOINTS]
SEQUENCE = profiles.sequence()  # per Locust process: each worker counts on its own


def _wait_time(think: profiles.ThinkTime) -> Callable[[Any], float]:
    if think.throughput is not None:
        return constant_throughput(think.throughput)
    if think.constant is not None:
        return constant(think.constant)
    assert think.min is not None and think.max is not None  # validated: one form is given
    return between(think.min, think.max)


class ProfileUser(HttpUser):
    """Sends the profile's endpoints, drawn by weight, each request rendered from templates."""

    wait_time = _wait_time(PROFILE.think_time)

    def on_start(self) -> None:
        self.rng = Random()

    @task
    def send(self) -> None:
        [index] = self.rng.choices(range(len(ENDPOINTS)), cum_weights=CUMULATIVE)
        request = profiles.render_request(ENDPOINTS[index], self.rng, SEQUENCE)
        options: dict[str, Any] = {
            "name": request.name,
            "params": request.params or None,
            "json": request.body,
            "headers": request.headers or None,
        }
        expected = EXPECTED[index]
        if expected is None:  # Locust's own rule: a status of 400 or more fails
            self.client.request(request.method, request.path, **options)
            return
        with self.client.request(
            request.method, request.path, catch_response=True, **options
        ) as response:
            if response.status_code in expected:
                response.success()
            elif response.status_code:  # 0: no response; Locust records the connection error
                response.failure(f"HTTP {response.status_code}, expected {sorted(expected)}")


if PROFILE.stages:

    class ProfileShape(LoadTestShape):
        """The profile's stages; `--run-time` may still end the run sooner."""

        use_common_options = True

        def tick(self) -> tuple[int, float] | None:
            return PROFILE.stage_at(self.get_run_time())
