"""Generalisation rules, k-anonymity with suppression, and the plan that chooses them."""

from __future__ import annotations

from typing import Any

import pytest

from actions.errors import ConfigError
from actions.seed.anonymise import Rules, Table, anonymise, generalise, k_anonymity
from actions.seed.anonymise.detect import ColumnFinding
from actions.seed.anonymise.plan import parse_overrides, plan_table
from tests.seed.anonymise.conftest import KEY


@pytest.mark.parametrize(
    ("rule", "value", "out"),
    [
        ("year", "1984-07-25", "1984"),
        ("year", "25/07/1984", "1984"),
        ("year", "born in 1984", "1984"),
        ("year", "unknown", None),
        ("month", "1984-07-25", "1984-07"),
        ("prefix:3", "LE1 9LB", "LE1"),
        ("prefix:3", "M1 1AE", "M1"),
        ("band:10", "37", "30-39"),
        ("band:10", "1984-07-25", "1980-1989"),
        ("band:5", "abc", None),
        ("keep", "Leicester", "Leicester"),
        ("drop", "Leicester", None),
    ],
)
def test_a_rule_generalises_a_value_or_blanks_it(rule: str, value: str, out: str | None) -> None:
    assert generalise([{"c": value, "other": value}], {"c": rule}) == [{"c": out, "other": value}]


def test_an_unknown_rule_is_refused_with_the_rules_there_are() -> None:
    with pytest.raises(ConfigError, match="prefix:N"):
        generalise([{"c": "x"}], {"c": "round:2"})


def rows(*classes: tuple[str, str, int]) -> list[dict[str, Any]]:
    return [{"id": str(i), "year": y, "zip": z} for y, z, n in classes for i in range(n)]


def test_classes_smaller_than_k_are_removed_and_counted() -> None:
    data = rows(("1984", "LE1", 5), ("1979", "NR2", 6), ("1953", "LA1", 1), ("2001", "HR4", 2))
    out, report = k_anonymity(data, ["year", "zip"], k=5)
    assert len(out) == 11 and report.suppressed == 3
    assert (report.k, report.classes, report.rows, report.met) == (5, 2, 14, True)
    assert report.smallest == [
        {"size": 1, "classes": 1},
        {"size": 2, "classes": 1},
        {"size": 5, "classes": 1},
        {"size": 6, "classes": 1},
    ]


def test_masking_keeps_the_rows_and_blanks_their_quasi_identifiers() -> None:
    data = rows(("1984", "LE1", 5), ("1953", "LA1", 1))
    out, report = k_anonymity(data, ["year", "zip"], k=5, how="mask")
    assert len(out) == 6 and out[-1] == {"id": "0", "year": None, "zip": None}
    assert (report.k, report.classes, report.suppressed) == (5, 1, 1)


def test_without_suppression_the_report_shows_the_k_there_is() -> None:
    data = rows(("1984", "LE1", 5), ("1953", "LA1", 1))
    out, report = k_anonymity(data, ["year", "zip"], k=5, suppress=False)
    assert out == data and (report.k, report.classes, report.met) == (1, 2, False)


def finding(column: str, kind: str) -> ColumnFinding:
    return ColumnFinding("people", column, kind, 0.9, "name", 1, 1)  # type: ignore[arg-type]


FINDINGS = [
    finding("id", "none"),
    finding("email", "email"),
    finding("dob", "birth_date"),
    finding("zip", "postcode"),
    finding("age", "none"),
    finding("notes", "free_text"),
]


def test_the_default_plan_pseudonymises_scrubs_and_generalises_quasi_identifiers() -> None:
    plans, rules = plan_table(FINDINGS)
    assert [p.do for p in plans] == [
        "keep",
        "pseudonymise",
        "generalise",
        "generalise",
        "generalise",
        "scrub",
    ]
    assert rules == {"dob": "year", "zip": "prefix:3", "age": "band:10"}


def test_overrides_win_over_detection() -> None:
    overrides = {"id": "drop", "email": "keep", "dob": "month", "notes": "phone"}
    plans, rules = plan_table(FINDINGS, overrides=overrides, quasi=["dob"])
    by = {p.column: (p.do, p.kind, p.rule, p.by) for p in plans}
    assert by["id"][0] == "drop" and by["email"][:2] == ("keep", "none")
    assert by["dob"] == ("generalise", "birth_date", "month", "override")
    assert by["notes"][:2] == ("pseudonymise", "phone") and rules == {"dob": "month"}
    assert by["zip"][0] == "pseudonymise"  # not a quasi-identifier here: a pseudonym


def test_overrides_naming_no_column_or_no_treatment_are_refused_together() -> None:
    columns = {"people": ["email", "zip"]}
    with pytest.raises(ConfigError) as error:
        parse_overrides(
            {"people.mail": "keep", "people.zip": "blur", "people.email": "keep"}, columns
        )
    assert "people.mail: the extract has no such column" in str(error.value)
    assert "people.zip: 'blur' is not a kind" in str(error.value)


def test_an_override_reaches_anonymise_and_the_report() -> None:
    table = Table("people", ["id", "ref", "email"], [{"id": "1", "ref": "7001", "email": "a@b.io"}])
    out, report = anonymise(
        {"people": table},
        KEY,
        Rules(overrides={"people.ref": "phone", "people.email": "drop"}, k=1),
    )
    assert out["people"].columns == ["id", "ref"] and out["people"].rows[0]["ref"] != "7001"
    how = {a.column: (a.how, a.by, a.confidence) for a in report.actions}
    assert how["ref"] == ("pseudonymised (phone, keyed, by override)", "override", 1.0)
    assert how["email"][0] == "dropped by override"
