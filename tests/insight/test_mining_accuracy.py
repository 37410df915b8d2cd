"""Grouping accuracy on labelled Loghub 2k sets, with the one default configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.insight.mining import TemplateMiner
from benchmarks.log_mining import LOGHUB, grouping_accuracy, load_loghub

needs_loghub = pytest.mark.skipif(not Path(LOGHUB).is_dir(), reason="Loghub 2k sets not present")


def test_grouping_accuracy_counts_a_line_only_when_its_group_is_exactly_its_event() -> None:
    truth = ["A", "A", "B", "C", "C"]
    assert grouping_accuracy([1, 1, 2, 3, 3], truth) == 1.0
    assert grouping_accuracy([1, 1, 2, 2, 3], truth) == 0.4  # B merged with a C, the other C alone
    assert grouping_accuracy([1, 2, 3, 4, 4], truth) == 0.6  # A split in two


@needs_loghub
@pytest.mark.parametrize(("name", "at_least"), [("HDFS", 0.995), ("OpenSSH", 0.99)])
def test_grouping_accuracy_on_loghub(name: str, at_least: float) -> None:
    lines, truth = load_loghub(name)
    miner = TemplateMiner()
    ids = [miner.add(line) for line in lines]
    assert grouping_accuracy([miner.final(i) for i in ids], truth) >= at_least
