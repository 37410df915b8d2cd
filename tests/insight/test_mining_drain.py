"""The template miner: similar messages share a template whose variables are `<*>`; ids stay valid;
every message's final template covers it, even after templates generalised and merged."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from actions.insight.mining import MinerConfig, TemplateMiner
from actions.insight.mining.masks import mask


def test_messages_differing_in_a_variable_share_a_template() -> None:
    miner = TemplateMiner()
    first = miner.add("Accepted password for alice from 10.0.0.1 port 5022 ssh2")
    second = miner.add("Accepted password for bob from 10.0.0.7 port 6011 ssh2")
    assert first == second
    assert miner.template(first) == "Accepted password for <*> from <*> port <*>"


def test_different_events_get_different_templates() -> None:
    miner = TemplateMiner()
    ok = miner.add("request served")
    failed = miner.add("request failed")
    assert miner.final(ok) != miner.final(failed)
    assert [t.template for t in miner.templates()] == ["request served", "request failed"]


def test_ids_stay_valid_and_templates_only_generalise() -> None:
    miner = TemplateMiner()
    cid = miner.add("session opened for user alice by the web console")
    assert miner.template(cid) == "session opened for user alice by the web console"
    assert miner.add("session opened for user bob by the web console") == cid
    assert miner.template(cid) == "session opened for user <*> by the web console"


def test_the_leading_tokens_route_as_in_drain() -> None:
    # the parse tree splits on the first two tokens: a variable there is its own template
    miner = TemplateMiner()
    alice = miner.add("user alice logged in from the web console")
    assert miner.final(miner.add("user bob logged in from the web console")) != miner.final(alice)


def test_runs_of_variables_of_different_lengths_merge_after_the_pass() -> None:
    miner = TemplateMiner()
    short = miner.add("processed items 4 in batch")
    long = miner.add("processed items 3 7 9 in batch")
    assert short != long  # different token counts: different clusters while mining
    assert miner.final(short) == miner.final(long)
    assert miner.template(long) == "processed items <*> in batch"
    [only] = miner.templates()
    assert only.count == 2


def test_lines_after_a_merge_still_count_for_the_final_template() -> None:
    miner = TemplateMiner()
    miner.add("processed items 4 in batch")
    late = miner.add("processed items 3 7 in batch")
    miner.templates()  # merges
    assert miner.add("processed items 1 2 in batch") == late
    [only] = miner.templates()
    assert (only.id, only.count) == (miner.final(late), 3)


def test_templates_keep_the_first_message_as_example_most_frequent_first() -> None:
    miner = TemplateMiner()
    for n in range(3):
        miner.add(f"retry {n} of 5")
    miner.add("gave up")
    top, rare = miner.templates()
    assert (top.template, top.count, top.example) == ("retry <*> of <*>", 3, "retry 0 of 5")
    assert (rare.template, rare.count) == ("gave up", 1)


def test_caches_are_bounded_and_results_unchanged() -> None:
    lines = [
        f"job {n} {'ok' if n % 3 else 'failed'} on node{n % 7} with {'x' * (n % 5)}"
        for n in range(300)
    ]
    small, large = TemplateMiner(MinerConfig(cache_size=4)), TemplateMiner()
    a = [small.add(line) for line in lines]
    b = [large.add(line) for line in lines]
    assert [small.template(i) for i in a] == [large.template(i) for i in b]
    assert len(small._by_digits.recent) <= 2


def test_an_empty_message_has_an_empty_template() -> None:
    miner = TemplateMiner()
    assert miner.template(miner.add("")) == ""


def _covers(template: str, message: str) -> bool:
    pattern = ".+".join(re.escape(part) for part in template.split("<*>"))
    return re.fullmatch(pattern, " ".join(mask(message).split())) is not None


WORDS = st.sampled_from(["get", "put", "user", "alice", "bob", "failed", "ok", "to", "db", "=x"])
TOKENS = st.one_of(WORDS, st.integers(0, 10**6).map(str), st.just("10.0.0.1:80"))
MESSAGES = st.lists(TOKENS, min_size=0, max_size=7).map(" ".join)


@given(st.lists(MESSAGES, min_size=1, max_size=60))
def test_every_final_template_covers_its_messages(messages: list[str]) -> None:
    miner = TemplateMiner()
    ids = [miner.add(m) for m in messages]
    for cid, message in zip(ids, messages, strict=True):
        assert _covers(miner.template(cid), message), (miner.template(cid), message)


@given(st.lists(MESSAGES, min_size=1, max_size=60))
def test_identical_masked_messages_end_in_one_template(messages: list[str]) -> None:
    miner = TemplateMiner()
    finals: dict[str, set[int]] = {}
    ids = [miner.add(m) for m in messages]
    for cid, message in zip(ids, messages, strict=True):
        finals.setdefault(mask(message), set()).add(miner.final(cid))
    assert all(len(f) == 1 for f in finals.values())
