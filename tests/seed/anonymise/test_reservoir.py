"""The reservoir sample detection reads, and the digests the pseudonymiser remembers."""

from __future__ import annotations

import random

import pytest

from actions.seed.anonymise import pseudonym
from actions.seed.anonymise.digests import DigestMap, digest
from actions.seed.anonymise.pseudonym import Pseudonymiser
from actions.seed.anonymise.reservoir import Reservoir
from tests.seed.anonymise.conftest import KEY


def sample(values: list[str], size: int, seed: int) -> list[str]:
    reservoir = Reservoir(size, seed)
    reservoir.extend(values)
    return reservoir.values


def test_a_stream_no_longer_than_the_reservoir_is_kept_whole_in_order() -> None:
    values = [f"v{i}" for i in range(50)]
    assert sample(values, 50, 0) == values and sample(values[:3], 50, 0) == values[:3]


def test_the_sample_is_the_same_for_a_seed_and_another_for_another_seed() -> None:
    values = [f"v{i}" for i in range(10_000)]
    first = sample(values, 100, 0)
    assert len(first) == 100 and len(set(first)) == 100 and set(first) <= set(values)
    assert first == sample(values, 100, 0) and first != sample(values, 100, 1)


def test_every_value_is_as_likely_to_be_sampled_wherever_it_stands() -> None:
    values = [str(i) for i in range(1000)]
    picked = [0] * 10  # by tenth of the stream
    for seed in range(1000):
        for value in sample(values, 20, seed):
            picked[int(value) // 100] += 1
    # 20,000 picks, 2,000 expected per tenth (a standard deviation of about 42)
    assert all(1800 < n < 2200 for n in picked), picked


def test_a_digest_map_answers_as_a_dict_of_digests_does_through_its_growth() -> None:
    rng = random.Random(3)
    pairs = [(f"k{rng.randrange(20_000)}", f"v{i}") for i in range(30_000)]
    compact, plain = DigestMap(), {}
    for key, value in pairs:
        assert compact.setdefault(key, value) == plain.setdefault(digest(key), digest(value))
    assert len(compact) == len(plain) > 10_000
    assert "k1" not in repr(compact)


def test_pseudonyms_made_again_after_the_cache_is_full_are_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    phones = [f"+44 20 7946 {i:04d}" for i in range(60)]
    emails = [f"person{i}@example.org" for i in range(60)]
    cached = Pseudonymiser(KEY)
    first = [cached.replace("phone", p) for p in phones] + [
        cached.replace("email", e) for e in emails
    ]
    monkeypatch.setattr(pseudonym, "_CACHED", 7)
    small = Pseudonymiser(KEY)
    for _ in range(2):
        again = [small.replace("phone", p) for p in phones] + [
            small.replace("email", e) for e in emails
        ]
        assert again == first
