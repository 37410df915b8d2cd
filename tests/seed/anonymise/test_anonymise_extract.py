"""The fixture extract anonymised: planted values gone, joins intact, formats valid, k reached."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from actions.insight.checks import iban_ok, luhn_ok, ssn_ok
from actions.seed.anonymise import AnonymisationReport, Table, anonymise, anonymise_extract
from tests.seed.anonymise.conftest import EXTRACT, KEY, OTHER_KEY, cells

Anonymised = tuple[dict[str, Table], dict[str, Table], AnonymisationReport]
EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def pairs(tables: dict[str, Table], left: str, lkey: str, right: str, rkey: str) -> set[tuple]:
    """The (left id, right id) pairs of a join on lkey = rkey."""
    index: dict[str | None, list[str | None]] = {}
    for row in tables[left].rows:
        index.setdefault(row[lkey], []).append(row["id"])
    return {(lid, row["id"]) for row in tables[right].rows for lid in index.get(row[rkey], [])}


def test_every_planted_value_is_gone_from_every_cell(anonymised: Anonymised, labels: Any) -> None:
    _raw, out, _report = anonymised
    text = "\x00".join(cells(out))
    left = [v for v in labels["values"] if v["value"] in text]
    assert len(labels["values"]) > 500
    assert left == [], f"{len(left)} planted values still in the output"


def test_the_joins_by_email_and_by_id_pair_the_same_rows(anonymised: Anonymised) -> None:
    raw, out, _report = anonymised
    for right, by in (("orders", "customer_email"), ("support_tickets", "contact")):
        before = pairs(raw, "customers", "email", right, by)
        assert before and pairs(out, "customers", "email", right, by) == before
    for right in ("orders", "support_tickets"):
        by_id = pairs(raw, "customers", "id", right, "customer_id")
        assert pairs(out, "customers", "id", right, "customer_id") == by_id


def test_pseudonyms_keep_their_formats(anonymised: Anonymised) -> None:
    raw, out, _report = anonymised
    before, after = raw["customers"].rows, out["customers"].rows
    for old, new in zip(before, after, strict=True):
        assert EMAIL.fullmatch(new["email"]), "an email stays an email"
        if old["phone"]:
            assert re.sub(r"\d", "#", new["phone"]) == re.sub(r"\d", "#", old["phone"])
            if old["phone"].startswith("+"):  # the country code kept: "+44 ", "+1 ("
                assert new["phone"][:4] == old["phone"][:4]
        assert luhn_ok(digits(new["card_number"])) and len(digits(new["card_number"])) == 16
        compact = new["iban"].replace(" ", "")
        assert iban_ok(compact) and compact[:2] == old["iban"][:2]
        assert len(new["iban"]) == len(old["iban"])
        area, group, serial = new["ssn"].split("-")
        assert ssn_ok(area, group, serial) and len(new["ssn"]) == 11
        assert ipaddress.ip_address(new["signup_ip"]).version == (
            ipaddress.ip_address(old["signup_ip"]).version
        )


def test_the_same_value_gets_the_same_pseudonym_in_every_table(anonymised: Anonymised) -> None:
    raw, out, _report = anonymised
    email_of = {r["id"]: r["email"] for r in out["customers"].rows}
    for table, column in (("orders", "customer_email"), ("support_tickets", "contact")):
        for row in out[table].rows:
            assert row[column] == email_of[row["customer_id"]]
    phones = {
        r["phone"]: n["phone"]
        for r, n in zip(raw["customers"].rows, out["customers"].rows, strict=True)
    }
    refs = [
        (r["ref"], n["ref"]) for r, n in zip(raw["orders"].rows, out["orders"].rows, strict=True)
    ]
    shared = [(old, new) for old, new in refs if old in phones]
    assert shared and all(new == phones[old] for old, new in shared)


def test_columns_without_personal_data_are_unchanged(anonymised: Anonymised) -> None:
    raw, out, _report = anonymised
    plain = {
        "products": ["id", "name", "category", "price"],
        "orders": [
            "id",
            "customer_id",
            "product_id",
            "quantity",
            "unit_price",
            "status",
            "ordered_at",
        ],
        "support_tickets": ["id", "customer_id", "opened_at", "subject", "priority", "status"],
        "customers": ["id", "status"],
    }
    for table, columns in plain.items():
        for column in columns:
            assert out[table].column(column) == raw[table].column(column), f"{table}.{column}"
    assert out["orders"].column("ref").count(None) == 0
    kept_refs = [r for r in raw["orders"].column("ref") if r and r.startswith("SO-")]
    assert kept_refs and set(kept_refs) <= set(out["orders"].column("ref"))


def test_free_text_keeps_its_words_around_the_replaced_values(anonymised: Anonymised) -> None:
    raw, out, _report = anonymised
    for old, new in zip(
        raw["customers"].column("notes"), out["customers"].column("notes"), strict=True
    ):
        if old and old.startswith("Second address for invoices: "):
            assert new.startswith("Second address for invoices: ") and new.endswith(" (from 2023)")
            assert EMAIL.fullmatch(new.split(": ")[1].split(" ")[0])
        if old == "Prefers paper invoices":
            assert new == old


def test_the_same_key_gives_the_same_output_and_another_key_another() -> None:
    from actions.seed.anonymise import read_extract

    first, _ = anonymise(read_extract(str(EXTRACT)), KEY)
    again, _ = anonymise(read_extract(str(EXTRACT)), KEY)
    other, _ = anonymise(read_extract(str(EXTRACT)), OTHER_KEY)
    assert [t.rows for t in first.values()] == [t.rows for t in again.values()]
    for column in ("email", "phone", "card_number", "iban", "ssn", "signup_ip", "first_name"):
        a, b = first["customers"].column(column), other["customers"].column(column)
        differ = sum(x != y for x, y in zip(a, b, strict=True) if x is not None)
        assert differ >= 0.8 * sum(x is not None for x in a), column


def test_generalisation_reaches_k_with_the_report_counting_right(anonymised: Anonymised) -> None:
    _raw, out, report = anonymised
    k = report.kanon["customers"]
    quasi = ["birth_date", "postcode", "city"]
    assert k.quasi_identifiers == quasi and k.rules == {
        "birth_date": "year",
        "postcode": "prefix:3",
        "city": "keep",
    }
    rows = out["customers"].rows
    masked = [r for r in rows if all(r[q] is None for q in quasi)]
    classes = Counter(tuple(r[q] for q in quasi) for r in rows if r not in masked)
    assert k.suppressed == len(masked) == 3  # the three outliers of the fixture
    assert k.classes == len(classes) == 7 and k.k == min(classes.values()) >= 5
    assert k.met and k.rows == 45 and report.rows["customers"] == 45
    assert k.smallest[0] == {"size": 1, "classes": 3}
    assert all(re.fullmatch(r"\d{4}", r["birth_date"]) for r in rows if r not in masked)


def test_the_report_says_what_was_done_to_each_column(anonymised: Anonymised) -> None:
    _raw, _out, report = anonymised
    how = {(a.table, a.column): a.how for a in report.actions}
    assert how["customers", "email"] == "pseudonymised (email, keyed)"
    assert how["customers", "birth_date"] == "generalised (year)"
    assert how["customers", "notes"].startswith("free text scrubbed (")
    assert "phones" in how["orders", "ref"] and "cards" in how["support_tickets", "comment"]
    assert how["products", "name"] == "kept"
    assert report.rows == {"customers": 45, "orders": 120, "products": 12, "support_tickets": 40}
    assert report.seconds > 0 and 0 < min(a.confidence for a in report.actions) <= 1


def test_nothing_in_the_report_or_progress_holds_a_raw_value(
    labels: Any, extract: dict[str, Table]
) -> None:
    messages: list[str] = []
    _out, report = anonymise(extract, KEY, progress=messages.append)
    shown = repr(report) + str(report) + "\n".join(messages) + repr(extract["customers"])
    leaked = [v["value"] for v in labels["values"] if v["value"] in shown]
    assert messages and leaked == []


def test_an_extract_goes_to_the_sink_table_by_table() -> None:
    received: list[tuple[str, list[str], int]] = []

    def sink(name: str, columns: list[str], chunks: Iterator[list[dict[str, Any]]]) -> None:
        received.append((name, columns, sum(len(chunk) for chunk in chunks)))

    report = anonymise_extract(str(EXTRACT / "dump.sql"), KEY, sink)
    assert [name for name, _columns, _n in received] == [
        "customers",
        "orders",
        "products",
        "support_tickets",
    ]
    assert received[1][2] == report.rows["orders"] == 120 and report.kanon["customers"].k >= 5
    assert "email" in received[0][1]
