"""Generation: deterministic, typed and bounded, unique where asked, references always intact."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.seed import vocab
from actions.seed.generate import TableBatch, generate, plan_rows
from actions.seed.patterns import nth_strings, parse_pattern, pattern_capacity, random_strings
from actions.seed.rows import per_counts
from actions.seed.schema import Per, SeedError, SeedSchema, parse_schema
from actions.seed.unique import permute

ID = "{name: id, type: int, primary_key: true, generator: {kind: sequence}}"


def schema(text: str, seed: int = 7) -> SeedSchema:
    """A schema from the YAML of its tables."""
    return parse_schema({"version": 1, "seed": seed, "tables": yaml.safe_load(text)})


def columns(s: SeedSchema, **options: Any) -> dict[str, dict[str, np.ndarray]]:
    """Every table's columns, batches put back together."""
    out: dict[str, dict[str, list[np.ndarray]]] = {}
    for batch in generate(s, **options):
        for name, values in batch.columns.items():
            out.setdefault(batch.table, {}).setdefault(name, []).append(values)
    return {t: {c: np.concatenate(v) for c, v in cols.items()} for t, cols in out.items()}


def one(column: str, rows: int = 2000, unique: bool = False) -> np.ndarray:
    """The values of one generated column, given as YAML `{type: ..., generator: ...}`."""
    spec = {"name": "c", "unique": unique, **yaml.safe_load(column)}
    return columns(schema(yaml.safe_dump([{"name": "t", "rows": rows, "columns": [spec]}])))["t"][
        "c"
    ]


EVERYTHING = schema(
    f"""
- name: customers
  rows: 1500
  columns:
    - {ID}
    - {{name: first, type: str, generator: {{kind: first_name}}}}
    - {{name: last, type: str, generator: {{kind: last_name}}}}
    - name: email
      type: str
      unique: true
      generator: {{kind: email, from: [first, last]}}
    - {{name: phone, type: str, null: 0.2, generator: {{kind: phone, country: [GB, US]}}}}
    - name: code
      type: str
      unique: true
      generator: {{kind: pattern, pattern: "C[A-Z]{{2}}[0-9]{{3}}"}}
    - {{name: key, type: str, generator: {{kind: uuid}}}}
    - {{name: born, type: date, generator: {{kind: date, start: 1950-01-01, end: 2005-12-31}}}}
    - name: joined
      type: datetime
      generator: {{kind: datetime, start: 2025-01-01, end: 2026-01-01}}
    - {{name: score, type: float, generator: {{kind: normal, mean: 50, sd: 10, round: 1}}}}
- name: orders
  per: {{table: customers, mean: 3}}
  columns:
    - {ID}
    - {{name: customer_id, type: int, generator: {{kind: foreign_key, ref: customers.id}}}}
    - {{name: quantity, type: int, generator: {{kind: poisson, mean: 2, min: 1}}}}
    - name: price
      type: float
      generator: {{kind: lognormal, mean: 3, sigma: 0.5, round: 2}}
    - name: total
      type: float
      generator: {{kind: derived, expr: "round(quantity * price, 2)"}}
"""
)


def same(a: dict[str, dict[str, np.ndarray]], b: dict[str, dict[str, np.ndarray]]) -> bool:
    return a.keys() == b.keys() and all(
        a[t].keys() == b[t].keys() and all(np.array_equal(a[t][c], b[t][c]) for c in a[t])
        for t in a
    )


def test_the_same_seed_makes_the_same_data() -> None:
    assert same(columns(EVERYTHING, seed=3), columns(EVERYTHING, seed=3))


def test_another_seed_makes_other_data() -> None:
    first, second = columns(EVERYTHING, seed=3), columns(EVERYTHING, seed=4)
    assert not np.array_equal(first["customers"]["email"], second["customers"]["email"])
    assert not np.array_equal(first["orders"]["price"], second["orders"]["price"])


def test_the_batch_size_does_not_change_the_data() -> None:
    assert same(columns(EVERYTHING, batch_rows=333), columns(EVERYTHING, batch_rows=100_000))


def test_batches_hold_at_most_batch_rows_and_come_in_row_order() -> None:
    batches = [b for b in generate(EVERYTHING, batch_rows=400) if b.table == "customers"]
    assert [b.first_row for b in batches] == [0, 400, 800, 1200]
    assert [b.rows for b in batches] == [400, 400, 400, 300]


def test_adding_a_column_leaves_the_others_as_they_were() -> None:
    data = EVERYTHING.model_dump(by_alias=True)
    extra = {"name": "extra", "type": "bool", "generator": {"kind": "bool"}}
    data["tables"][0]["columns"].insert(2, extra)
    before, after = columns(EVERYTHING), columns(parse_schema(data))
    for name, values in before["customers"].items():
        assert np.array_equal(values, after["customers"][name]), name


def test_parents_come_before_their_children() -> None:
    data = EVERYTHING.model_dump(by_alias=True)
    data["tables"].reverse()
    order = [b.table for b in generate(parse_schema(data))]
    assert order.index("customers") < order.index("orders")


def _weekdays(values: np.ndarray) -> set[int]:
    return {d.weekday() for d in values.tolist()}


GENERATOR_CHECKS: list[tuple[str, Callable[[np.ndarray], Any]]] = [
    (
        "{type: int, generator: {kind: sequence, start: 10, step: 5}}",
        lambda v: v.dtype == np.int64 and v[0] == 10 and (np.diff(v) == 5).all(),
    ),
    (
        "{type: int, generator: {kind: uniform, low: 3, high: 6}}",
        lambda v: v.dtype == np.int64 and set(v.tolist()) == {3, 4, 5, 6},
    ),
    (
        "{type: float, generator: {kind: uniform, low: -1, high: 1}}",
        lambda v: v.dtype == np.float64 and v.min() >= -1 and v.max() <= 1,
    ),
    (
        "{type: float, generator: {kind: normal, mean: 100, sd: 15, min: 70}}",
        lambda v: v.min() >= 70 and abs(np.median(v) - 100) < 2,
    ),
    (
        "{type: float, generator: {kind: lognormal, mean: 2, sigma: 0.5, round: 2, min: 1}}",
        lambda v: (
            v.min() >= 1 and np.array_equal(v, np.round(v, 2)) and abs(np.median(v) - np.e**2) < 0.5
        ),
    ),
    (
        "{type: float, generator: {kind: exponential, mean: 4}}",
        lambda v: v.min() >= 0 and abs(v.mean() - 4) < 0.5,
    ),
    (
        "{type: int, generator: {kind: poisson, mean: 3, max: 6}}",
        lambda v: v.dtype == np.int64 and v.min() >= 0 and v.max() <= 6,
    ),
    (
        "{type: str, generator: {kind: choice, values: [a, b], weights: [9, 1]}}",
        lambda v: set(v.tolist()) == {"a", "b"} and 0.85 < (v == "a").mean() < 0.95,
    ),
    (
        "{type: bool, generator: {kind: bool, p: 0.2}}",
        lambda v: v.dtype == np.bool_ and 0.16 < v.mean() < 0.24,
    ),
    ("{type: str, generator: {kind: constant, value: x}}", lambda v: set(v.tolist()) == {"x"}),
    (
        "{type: date, generator: {kind: date, start: 2026-01-01, end: 2026-01-31,"
        " weekdays: [1, 1, 1, 1, 1, 0, 0]}}",
        lambda v: (
            v.dtype == np.dtype("datetime64[D]")
            and v.min() >= np.datetime64("2026-01-01")
            and v.max() <= np.datetime64("2026-01-30")
            and _weekdays(v) == {0, 1, 2, 3, 4}
        ),
    ),
    (
        "{type: datetime, generator: {kind: datetime, start: 2026-03-01 12:00:00,"
        " end: 2026-03-02 12:00:00}}",
        lambda v: (
            v.dtype == np.dtype("datetime64[s]")
            and v.min() >= np.datetime64("2026-03-01T12:00")
            and v.max() < np.datetime64("2026-03-02T12:00")
        ),
    ),
    (
        "{type: datetime, generator: {kind: datetime, start: 2026-01-01, end: 2026-02-01,"
        " hours: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]}}",
        lambda v: {t.hour for t in v.tolist()} == set(range(9, 17)),
    ),
    (
        r"{type: str, generator: {kind: pattern, pattern: 'SAVE[0-9]{2}-[A-C]\d'}}",
        lambda v: all(re.fullmatch(r"SAVE[0-9]{2}-[A-C][0-9]", s) for s in v),
    ),
    (
        "{type: str, generator: {kind: text, words: [2, 5]}}",
        lambda v: all(2 <= len(s.split()) <= 5 and s.endswith(".") and s[0].isupper() for s in v),
    ),
    (
        "{type: str, generator: {kind: first_name}}",
        lambda v: set(v.tolist()) <= set(vocab.FIRST_NAMES),
    ),
    (
        "{type: str, generator: {kind: last_name}}",
        lambda v: set(v.tolist()) <= set(vocab.LAST_NAMES),
    ),
    ("{type: str, generator: {kind: full_name}}", lambda v: all(len(s.split()) == 2 for s in v)),
    (
        "{type: str, generator: {kind: email}}",
        lambda v: all(re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+[0-9]*@[a-z.]+", s) for s in v),
    ),
    (
        "{type: str, generator: {kind: street_address}}",
        lambda v: all(re.fullmatch(r"[1-9][0-9]{0,2} [A-Z][a-z]+ [A-Z][a-z]+", s) for s in v),
    ),
    (
        "{type: str, generator: {kind: city, country: FR}}",
        lambda v: set(v.tolist()) <= set(vocab.COUNTRIES["FR"].cities),
    ),
    (
        "{type: str, generator: {kind: postcode, country: NL}}",
        lambda v: all(re.fullmatch(r"[1-9][0-9]{3} [A-Z]{2}", s) for s in v),
    ),
    (
        "{type: str, generator: {kind: postcode, country: GB}}",
        lambda v: all(re.fullmatch(r"[A-Z]{2}[1-9] [0-9][A-Z]{2}", s) for s in v),
    ),
    (
        "{type: str, generator: {kind: product_name}}",
        lambda v: all(len(s.split()) == 3 for s in v),
    ),
]


@pytest.mark.parametrize(("column", "check"), GENERATOR_CHECKS)
def test_each_generator_makes_its_type_within_its_bounds(
    column: str, check: Callable[[np.ndarray], Any]
) -> None:
    values = one(column)
    assert len(values) == 2000
    assert check(values)


@pytest.mark.parametrize(
    ("country", "digits"),
    [
        ("GB", r"\+447[0-9]{9}"),
        ("US", r"\+1[2-9][0-9]{2}[2-9][0-9]{6}"),
        ("DE", r"\+491[0-9]{10}"),
        ("FR", r"\+33[67][0-9]{8}"),
        ("NL", r"\+316[0-9]{8}"),
        ("ES", r"\+34[67][0-9]{8}"),
        ("IT", r"\+393[0-9]{9}"),
    ],
)
def test_phones_are_e164_with_the_countrys_digit_count(country: str, digits: str) -> None:
    values = one(f"{{type: str, generator: {{kind: phone, country: {country}}}}}")
    assert all(re.fullmatch(digits, v) for v in values)
    assert all(len(v) - 1 <= 15 for v in values)  # E.164: at most 15 digits


def test_uuids_are_version_4_and_distinct() -> None:
    values = one("{type: str, generator: {kind: uuid}}", rows=20_000)
    parsed = [uuid.UUID(v) for v in values]
    assert {u.version for u in parsed} == {4}
    assert [str(u) for u in parsed] == values.tolist()
    assert len(set(values.tolist())) == len(values)


def test_emails_from_name_columns_are_made_of_those_names() -> None:
    data = columns(EVERYTHING)["customers"]
    for first, last, email in zip(data["first"], data["last"], data["email"], strict=True):
        assert email.startswith(f"{first.lower()}.{last.lower()}.")


def test_place_columns_of_a_row_share_its_country() -> None:
    data = columns(
        schema(
            """
- name: people
  rows: 2000
  columns:
    - {name: city, type: str, generator: {kind: city, country: [GB, FR]}}
    - {name: phone, type: str, generator: {kind: phone, country: [GB, FR]}}
"""
        )
    )["people"]
    french = np.isin(data["city"], vocab.COUNTRIES["FR"].cities)
    assert 0.4 < french.mean() < 0.6
    assert (np.char.startswith(data["phone"].astype(str), "+33") == french).all()


def test_the_null_share_is_kept_and_nulls_are_masked() -> None:
    s = schema(
        f"""
- name: t
  rows: 5000
  columns:
    - {ID}
    - {{name: note, type: str, null: 0.3, generator: {{kind: text}}}}
"""
    )
    batches = list(generate(s))
    mask = np.concatenate([b.nulls["note"] for b in batches])
    assert 0.27 < mask.mean() < 0.33
    assert "id" not in batches[0].nulls
    values = [v for b in batches for v in b.values("note")]
    assert sum(v is None for v in values) == mask.sum()


@pytest.mark.parametrize(
    ("column", "rows"),
    [
        ("{type: str, generator: {kind: pattern, pattern: '[0-9]{3}'}}", 1000),
        ("{type: int, generator: {kind: uniform, low: 1, high: 500}}", 500),
        ("{type: str, generator: {kind: choice, values: [a, b, c]}}", 3),
        ("{type: str, generator: {kind: first_name}}", len(vocab.FIRST_NAMES)),
        ("{type: str, generator: {kind: full_name}}", 20_000),
        ("{type: str, generator: {kind: product_name}}", 80_000),  # beyond the word combinations
        ("{type: str, generator: {kind: street_address}}", 20_000),
        ("{type: str, generator: {kind: email}}", 20_000),
        ("{type: str, generator: {kind: phone, country: [GB, US]}}", 20_000),
        ("{type: str, generator: {kind: city, country: [GB, US]}}", 50),
        ("{type: date, generator: {kind: date, start: 2026-01-01, end: 2026-12-31}}", 365),
        (
            "{type: datetime, generator: {kind: datetime, start: 2026-01-01, end: 2026-01-02}}",
            20_000,
        ),
    ],
)
def test_unique_columns_never_repeat_even_at_full_capacity(column: str, rows: int) -> None:
    values = one(column, rows=rows, unique=True)
    assert len(set(values.tolist())) == rows


def test_unique_values_are_spread_not_in_order() -> None:
    values = one("{type: int, generator: {kind: uniform, low: 1, high: 10000}}", unique=True)
    assert not (np.diff(values) > 0).all()


def test_foreign_keys_always_point_at_existing_parents() -> None:
    s = schema(
        """
- name: products
  rows: 300
  columns:
    - {name: sku, type: str, primary_key: true, generator: {kind: uuid}}
- name: lines
  rows: 5000
  columns:
    - {name: any, type: str, generator: {kind: foreign_key, ref: products.sku}}
    - name: popular
      type: str
      generator: {kind: foreign_key, ref: products.sku, skew: zipf, a: 1.3}
"""
    )
    data = columns(s, batch_rows=1234)
    keys = set(data["products"]["sku"].tolist())
    assert set(data["lines"]["any"].tolist()) <= keys
    assert set(data["lines"]["popular"].tolist()) <= keys
    top = Counter(data["lines"]["popular"].tolist()).most_common(1)[0][1]
    assert top > 10 * 5000 / 300  # zipf: the best seller far above the average


PER = f"""
- name: customers
  rows: 3000
  columns: [{ID}]
- name: orders
  per: {{table: customers, mean: 2.5, max: 6}}
  columns:
    - {ID}
    - {{name: customer_id, type: int, generator: {{kind: foreign_key, ref: customers.id}}}}
"""


def test_per_rows_are_spread_over_parents_and_follow_them() -> None:
    s = schema(PER)
    data = columns(s, batch_rows=777)
    per = s.table("orders").per
    assert isinstance(per, Per)
    counts = per_counts(per, s.seed, "orders", 3000)
    owners = data["orders"]["customer_id"]
    assert len(owners) == counts.sum() == plan_rows(s)["orders"]
    assert (np.diff(owners) >= 0).all()
    assert np.array_equal(np.bincount(owners, minlength=3001)[1:], counts)
    assert counts.max() <= 6 and 2.3 < counts.mean() < 2.7


def test_a_fixed_per_gives_every_parent_the_same_number_of_rows() -> None:
    s = schema(PER.replace("rows: 3000", "rows: 10").replace("max: 6", "distribution: fixed"))
    assert Counter(columns(s)["orders"]["customer_id"].tolist()) == {i: 2 for i in range(1, 11)}


def test_a_unique_foreign_key_is_one_to_one() -> None:
    s = schema(
        f"""
- name: users
  rows: 500
  columns: [{ID}]
- name: profiles
  rows: 500
  columns:
    - name: user_id
      type: int
      unique: true
      generator: {{kind: foreign_key, ref: users.id}}
"""
    )
    assert sorted(columns(s)["profiles"]["user_id"].tolist()) == list(range(1, 501))


def test_a_lookup_takes_the_parents_value_and_derived_columns_are_exact() -> None:
    s = schema(
        f"""
- name: products
  rows: 200
  columns:
    - {ID}
    - {{name: price, type: float, generator: {{kind: uniform, low: 1, high: 50, round: 2}}}}
- name: orders
  rows: 3000
  columns:
    - {ID}
    - name: product_id
      type: int
      generator: {{kind: foreign_key, ref: products.id, skew: zipf}}
    - {{name: quantity, type: int, generator: {{kind: uniform, low: 1, high: 4}}}}
    - name: total
      type: float
      generator:
        kind: derived
        expr: round(where(quantity > 1, quantity * unit_price * 0.95, unit_price), 2)
    - name: unit_price
      type: float
      generator: {{kind: lookup, via: product_id, column: price}}
    - {{name: double, type: int, generator: {{kind: derived, expr: quantity * 2}}}}
"""
    )
    data = columns(s, batch_rows=999)
    products, orders = data["products"], data["orders"]
    price = dict(zip(products["id"].tolist(), products["price"].tolist(), strict=True))
    assert orders["unit_price"].tolist() == [price[p] for p in orders["product_id"].tolist()]
    q, p = orders["quantity"], orders["unit_price"]
    assert np.array_equal(orders["total"], np.round(np.where(q > 1, q * p * 0.95, p), 2))
    assert orders["double"].dtype == np.int64 and np.array_equal(orders["double"], q * 2)


def test_scale_multiplies_root_tables_and_children_follow() -> None:
    base, scaled = plan_rows(EVERYTHING), plan_rows(EVERYTHING, 4)
    assert scaled["customers"] == 4 * base["customers"] == 6000
    assert 3.6 < scaled["orders"] / base["orders"] < 4.4


def test_plan_rows_matches_what_is_generated() -> None:
    made: Counter[str] = Counter()
    for batch in generate(EVERYTHING, scale=0.5, seed=11):
        made[batch.table] += batch.rows
    assert dict(made) == plan_rows(EVERYTHING, 0.5, seed=11)


def test_an_empty_table_yields_one_empty_batch() -> None:
    email = "{name: n, type: str, generator: {kind: email}}"
    s = schema(f"[{{name: t, rows: 0, columns: [{ID}, {email}]}}]")
    batches: list[TableBatch] = list(generate(s))
    assert [(b.table, b.rows, len(b.columns["n"])) for b in batches] == [("t", 0, 0)]


def test_children_of_an_empty_parent_are_refused_plainly() -> None:
    s = schema(
        PER.replace("rows: 3000", "rows: 0").replace(
            "per: {table: customers, mean: 2.5, max: 6}", "rows: 5"
        )
    )
    with pytest.raises(SeedError, match=r"orders\.customer_id: customers has no rows to refer to"):
        list(generate(s))


@settings(max_examples=60)
@given(domain=st.integers(1, 5000), key=st.lists(st.integers(0, 2**64 - 1), min_size=6, max_size=6))
def test_the_unique_permutation_is_a_bijection_of_its_domain(domain: int, key: list[int]) -> None:
    out = permute(np.arange(domain, dtype=np.uint64), domain, key)
    assert sorted(out.tolist()) == list(range(domain))


ATOMS = st.sampled_from(["A", "-", r"\.", r"\d", "[A-C]", "[a-z0-9]", "[XYZ]"])


@settings(max_examples=60)
@given(atoms=st.lists(st.tuples(ATOMS, st.integers(1, 3)), min_size=1, max_size=5))
def test_pattern_strings_match_the_pattern_as_a_regular_expression(
    atoms: list[tuple[str, int]],
) -> None:
    text = "".join(f"{atom}{{{count}}}" for atom, count in atoms)
    positions = parse_pattern(text)
    drawn = random_strings(positions, np.random.default_rng(0), 50)
    numbered = nth_strings(positions, np.arange(min(50, pattern_capacity(positions))))
    assert all(re.fullmatch(text, s) for s in [*drawn, *numbered])
    assert len(set(numbered.tolist())) == len(numbered)
