"""Baselines for relative SLOs: which earlier runs count, and their measurements averaged."""

from __future__ import annotations

from actions.config import GateConfig
from actions.report.baseline import average, key, with_baseline
from actions.result import Measurement, Result, Status
from storage import runs
from storage.store import Store


def test_measurements_are_averaged_over_the_comparison_runs() -> None:
    rows = [
        [{"step": "load", "name": "p95_ms", "tags": {"endpoint": "A"}, "value": 100}],
        [{"step": "load", "name": "p95_ms", "tags": {"endpoint": "A"}, "value": 120}],
        [{"step": "load", "name": "rps", "tags": {}, "value": 50}],
    ]
    table = average(rows)
    assert table[key("load", "p95_ms", {"endpoint": "A"})] == 110
    assert table[key("load", "rps", {})] == 50


def test_a_result_gets_its_baselines_by_step_name_and_tags() -> None:
    result = Result(
        step="load",
        status=Status.PASS,
        summary="",
        measurements=[
            Measurement(name="p95_ms", value=130, tags={"endpoint": "A"}),
            Measurement(name="p95_ms", value=90, tags={"endpoint": "B"}),
        ],
    )
    (copy,) = with_baseline([result], {key("load", "p95_ms", {"endpoint": "A"}): 110.0})
    assert [m.baseline for m in copy.measurements] == [110.0, None]
    assert result.measurements[0].baseline is None


def test_keptn_options_choose_how_many_runs_and_which_scores() -> None:
    single = GateConfig()
    several = GateConfig(compare_with="several_results", include_result_with_score="pass_or_warn")
    assert (single.comparison_count, single.comparison_verdicts) == (1, ("go",))
    assert several.comparison_count == 3
    assert several.comparison_verdicts == ("go", "go with risk")


def test_comparison_runs_are_the_latest_good_ones_before_this_run(store: Store) -> None:
    ids = []
    for verdict in ("go", "no-go", "go with risk", "go"):
        rid = runs.create_run(store, verb="ready", command="c", app="shop", version="1.0")
        runs.update_run(store, rid, status="done", verdict=verdict)
        ids.append(rid)
    found = runs.comparison_runs(store, "shop", None, verdicts=("go",), limit=5, before=ids[3])
    assert [r["id"] for r in found] == [ids[0]]
    found = runs.comparison_runs(store, "shop", "1.0", verdicts=("go", "go with risk"), limit=2)
    assert [r["id"] for r in found] == [ids[3], ids[2]]
