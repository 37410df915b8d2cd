"""The evidence of a failed rollout, and the other pure pieces: canary bodies, releases, logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from actions.environments.kubernetes.canary import canary_body, is_canary_of
from actions.environments.kubernetes.diagnose import failure_details, state_text
from actions.environments.kubernetes.judge import Verdict
from actions.environments.kubernetes.logs import parse_line, window_lines
from actions.environments.kubernetes.objects import image_tag
from actions.environments.kubernetes.targets import Target, running_release
from actions.errors import EnvironmentFailure

CRASHING_POD = {
    "metadata": {"name": "catalog-h2-x", "ownerReferences": [{"name": "catalog-h2"}]},
    "status": {
        "phase": "Running",
        "containerStatuses": [
            {
                "name": "catalog",
                "ready": False,
                "restartCount": 3,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 1}},
            }
        ],
    },
}
EVENTS = [
    {
        "type": "Warning",
        "reason": "BackOff",
        "message": "Back-off restarting failed container catalog",
        "count": 4,
        "involvedObject": {"kind": "Pod", "name": "catalog-h2-x"},
        "lastTimestamp": "2025-01-01T12:00:03Z",
    },
    {
        "type": "Warning",
        "reason": "BackOff",
        "message": "someone else's pod",
        "involvedObject": {"kind": "Pod", "name": "other-pod"},
        "lastTimestamp": "2025-01-01T12:00:04Z",
    },
]


def test_failure_details_carry_reason_container_states_events_and_previous_logs() -> None:
    asked: list[tuple[str, str, bool]] = []

    def fetch(pod: str, container: str, previous: bool) -> str:
        asked.append((pod, container, previous))
        return "starting\nfatal: cannot connect to database\n" if previous else ""

    verdict = Verdict("stalled", "crash-looping", "catalog-h2-x", "catalog", crashed=True)
    details = failure_details(
        verdict, {"metadata": {"name": "catalog"}}, [CRASHING_POD], EVENTS, fetch
    )
    text = "\n".join(details)
    assert details[0] == "crash-looping"
    assert "catalog: waiting CrashLoopBackOff: back-off 40s, restarts 3" in text
    assert "last terminated Error (exit code 1)" in text
    assert (
        "12:00:03 Pod/catalog-h2-x BackOff: Back-off restarting failed container catalog (x4)"
        in text
    )
    assert "someone else's pod" not in text
    assert "last 2 log lines of catalog-h2-x/catalog (previous run):" in text
    assert "  fatal: cannot connect to database" in text
    assert asked == [("catalog-h2-x", "catalog", False), ("catalog-h2-x", "catalog", True)]


def test_missing_logs_are_said_not_raised() -> None:
    def fetch(pod: str, container: str, previous: bool) -> str:
        raise EnvironmentFailure("container is waiting to start")

    verdict = Verdict("stalled", "crash-looping", "catalog-h2-x", "catalog", crashed=True)
    details = failure_details(verdict, {"metadata": {"name": "catalog"}}, [], [], fetch)
    assert details[-1] == "no log lines from catalog-h2-x/catalog"


def test_a_container_that_never_started_has_no_logs_to_ask_for() -> None:
    pulling = {
        "metadata": {"name": "catalog-h2-y"},
        "status": {
            "phase": "Pending",
            "containerStatuses": [
                {
                    "name": "catalog",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"waiting": {"reason": "ImagePullBackOff"}},
                }
            ],
        },
    }

    def fetch(pod: str, container: str, previous: bool) -> str:
        raise AssertionError("no log should be asked for")

    verdict = Verdict("stalled", "cannot pull", "catalog-h2-y", "catalog")
    details = failure_details(verdict, {"metadata": {"name": "catalog"}}, [pulling], [], fetch)
    assert details == [
        "cannot pull",
        "pod catalog-h2-y (Pending, 0/1 ready):",
        "  catalog: waiting ImagePullBackOff, restarts 0",
    ]


def test_state_text_of_each_container_state() -> None:
    assert state_text({"running": {}}) == "running"
    assert state_text({"terminated": {"reason": "OOMKilled", "exitCode": 137}}) == (
        "terminated OOMKilled (exit code 137)"
    )
    assert state_text({}) == "unknown"


def baseline() -> dict[str, Any]:
    return {
        "metadata": {
            "name": "catalog",
            "uid": "u1",
            "resourceVersion": "7",
            "labels": {"app": "catalog"},
            "annotations": {"deployment.kubernetes.io/revision": "4", "team": "catalog"},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "catalog"}},
            "template": {
                "metadata": {"labels": {"app": "catalog"}},
                "spec": {"containers": [{"name": "catalog", "image": "r/catalog:1.0"}]},
            },
        },
        "status": {"replicas": 3},
    }


def test_canary_is_a_copy_of_the_baseline_with_the_candidate_and_its_own_selector() -> None:
    body = canary_body(baseline(), "catalog", "r/catalog:1.1", 1)
    assert body["metadata"]["name"] == "catalog-canary"
    assert body["spec"]["replicas"] == 1
    assert body["spec"]["selector"]["matchLabels"] == {
        "app": "catalog",
        "preprod.dev/track": "canary",
    }
    assert body["spec"]["template"]["metadata"]["labels"]["preprod.dev/track"] == "canary"
    assert body["spec"]["template"]["spec"]["containers"][0]["image"] == "r/catalog:1.1"
    assert "uid" not in body["metadata"] and "resourceVersion" not in body["metadata"]
    assert body["metadata"]["annotations"] == {"team": "catalog"}
    assert "status" not in body
    assert is_canary_of(body, "catalog")


def test_only_a_labelled_canary_named_after_its_baseline_counts_as_one() -> None:
    assert not is_canary_of(baseline(), "catalog")
    impostor = canary_body(baseline(), "catalog", "r/catalog:1.1", 1)
    impostor["metadata"]["labels"].pop("preprod.dev/track")
    assert not is_canary_of(impostor, "catalog")


def test_image_tags_and_digests_name_the_version() -> None:
    assert image_tag("registry.example:5000/shop/catalog:1.1") == "1.1"
    assert image_tag("registry.example:5000/shop/catalog") is None
    assert image_tag("shop/catalog@sha256:abc") == "sha256:abc"


def test_running_release_agrees_or_says_mixed() -> None:
    targets = [
        Target("catalog", "catalog", None, "r/catalog"),
        Target("store", "store", None, None),
    ]

    def dep(name: str, tag: str) -> dict[str, Any]:
        containers = [{"name": "sidecar", "image": "envoy:1"}, {"name": name, "image": f"r:{tag}"}]
        return {"spec": {"template": {"spec": {"containers": containers}}}}

    same = running_release(
        "shop", targets, {"catalog": dep("catalog", "1.0"), "store": dep("store", "1.0")}
    )
    assert (same.version, same.services) == ("1.0", {"catalog": "1.0", "store": "1.0"})
    mixed = running_release(
        "shop", targets, {"catalog": dep("catalog", "1.1"), "store": dep("store", "1.0")}
    )
    assert mixed.version == "mixed" and mixed.version_of("catalog") == "1.1"


def test_timestamped_log_lines_are_kept_within_the_window() -> None:
    text = (
        "2025-01-01T12:00:00.123456789Z starting\n"
        "2025-01-01T12:00:05Z listening\n"
        "2025-01-01T12:00:09Z stopping\n"
    )
    since = datetime(2025, 1, 1, 12, 0, 1, tzinfo=UTC)
    until = datetime(2025, 1, 1, 12, 0, 6, tzinfo=UTC)
    lines = window_lines("p", "c", text, since, until)
    assert [line.text for line in lines] == ["listening"]
    assert parse_line("no stamp here") == (None, "no stamp here")
