"""Detection per column: by name, by values, both; unexpected columns found, plain ones left."""

from __future__ import annotations

import pytest

from actions.seed.anonymise import Table, detect_columns
from actions.seed.anonymise.detect import detect_column, value_kind
from actions.seed.anonymise.hints import hint_for


def kinds(tables: dict[str, Table], table: str) -> dict[str, str]:
    return {f.column: f.kind for f in detect_columns(table, tables[table].by_column())}


def test_detection_finds_personal_data_in_unexpected_columns(extract: dict[str, Table]) -> None:
    assert kinds(extract, "customers")["notes"] == "free_text"  # emails, phones, names inside
    assert kinds(extract, "orders")["ref"] == "free_text"  # order refs and phone numbers
    assert kinds(extract, "support_tickets")["comment"] == "free_text"  # cards inside
    assert kinds(extract, "support_tickets")["contact"] == "email"  # emails, named "contact"


def test_detection_leaves_plain_columns_alone(extract: dict[str, Table]) -> None:
    assert set(kinds(extract, "products").values()) == {"none"}  # names, categories, prices
    orders = kinds(extract, "orders")
    for column in (
        "id",
        "customer_id",
        "product_id",
        "quantity",
        "unit_price",
        "status",
        "ordered_at",
    ):
        assert orders[column] == "none", column
    tickets = kinds(extract, "support_tickets")
    assert {tickets[c] for c in ("opened_at", "subject", "priority", "status")} == {"none"}


def test_each_finding_says_how_it_was_found_and_how_sure_it_is(extract: dict[str, Table]) -> None:
    findings = {f.column: f for f in detect_columns("customers", extract["customers"].by_column())}
    email = findings["email"]
    assert (email.kind, email.by, email.hits, email.sampled) == ("email", "name and values", 45, 45)
    assert email.confidence == 1.0
    assert findings["phone"].sampled == 39  # nulls are not sampled
    contact = detect_columns("t", {"contact": extract["support_tickets"].column("contact")})[0]
    assert (contact.kind, contact.by) == ("email", "values")
    assert all(0 <= f.confidence <= 1 for f in findings.values())


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("customer_email", "email"),
        ("emailAddress", "email"),
        ("phone_number", "phone"),
        ("mobile", "phone"),
        ("firstName", "first_name"),
        ("surname", "last_name"),
        ("cardholder", "full_name"),
        ("address_line_1", "street_address"),
        ("zip_code", "postcode"),
        ("date_of_birth", "birth_date"),
        ("dob", "birth_date"),
        ("card_number", "card"),
        ("signup_ip", "ip"),
        ("notes", "free_text"),
        ("email_verified", None),
        ("city_id", None),
        ("mac_address", None),
        ("product_name", None),
        ("status", None),
    ],
)
def test_a_column_name_hints_at_its_kind_by_its_last_words(column: str, kind: str | None) -> None:
    hint = hint_for(column)
    assert (hint.kind if hint else None) == kind


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("jane.doe@example.com", "email"),
        ("4539 1488 0343 6467", "card"),
        ("GB82WEST12345698765432", "iban"),
        ("GB82 WEST 1234 5698 7654 32", "iban"),
        ("123-45-6789", "ssn"),
        ("203.0.113.7", "ip"),
        ("2001:db8::1", "ip"),
        ("+44 20 7946 0958", "phone"),
        ("(555) 555-0142", "phone"),
        ("4539 1488 0343 6468", None),  # Luhn fails
        ("GB83WEST12345698765432", None),  # mod 97 fails
        ("666-45-6789", None),  # never issued
        ("2024-03-01 10:22:11", None),
        ("12.50", None),
        ("SO-2024-00042", None),
        ("Garden Hose 20m", None),
        ("1.2.3", None),
    ],
)
def test_a_value_has_a_kind_only_when_its_shape_and_checksum_agree(
    value: str, kind: str | None
) -> None:
    assert value_kind(value) == kind


def test_a_name_is_believed_unless_the_values_are_flags() -> None:
    assert detect_column("t", "email", ["true", "false"] * 5).kind == "none"
    odd = detect_column("t", "email", ["n/a", "unknown", "ask"] * 3)
    assert (odd.kind, odd.by) == ("email", "name")  # no email seen, but the name says so
    assert odd.confidence < 0.5


def test_a_column_called_name_holds_people_only_when_the_values_say_so() -> None:
    people = ["Maria Lopez", "James Smith", "Anna Garcia", "Tom Weber", "Kate Novak"]
    products = ["Blue Widget", "Rain Jacket", "Desk Lamp", "Wool Scarf", "Bird Feeder"]
    assert detect_column("t", "name", people).kind == "full_name"
    assert detect_column("t", "name", products).kind == "none"


def test_values_alone_find_dates_of_birth_and_british_postcodes() -> None:
    births = ["1984-07-25", "1979-01-02", "1991-11-30", "1968-05-05", "2001-02-14"]
    events = ["2024-07-25", "2024-01-02", "2023-11-30", "2024-05-05", "2024-02-14"]
    assert detect_column("t", "c1", births).kind == "birth_date"
    assert detect_column("t", "c2", events).kind == "none"
    assert detect_column("t", "c3", ["SW1A 1AA", "LE1 9LB", "M1 1AE", "EH1 2NG"]).kind == "postcode"


def test_a_text_column_is_free_text_when_any_value_holds_personal_data() -> None:
    values = ["fine", "resent", "write to ottilie@gmail.com", None, "ok"]
    finding = detect_column("t", "misc", values)
    assert (finding.kind, finding.hits, finding.sampled) == ("free_text", 1, 4)


def test_sampling_is_the_same_for_the_same_seed() -> None:
    values = [f"user{i}@example.com" if i % 3 else f"SKU-{i}" for i in range(5000)]
    first = detect_column("t", "c", values, sample=200, seed=7)
    assert first == detect_column("t", "c", values, sample=200, seed=7)
    assert first.sampled == 200 and first.kind == "email"


def test_an_id_column_is_not_scrubbed_for_the_few_ids_that_pass_a_card_check() -> None:
    ids = [f"4{n:015d}" for n in range(1000, 1100)]  # one in ten passes Luhn
    assert 5 <= sum(value_kind(i) == "card" for i in ids) <= 20
    assert detect_column("t", "tracking", ids).kind == "none"


def test_a_token_column_with_a_few_emails_among_user_names_is_scrubbed() -> None:
    logins = ["jdoe", "mmiller", "ottilie.marchetti@gmail.com", "kwong", "bsmith"] * 4
    finding = detect_column("t", "login", logins)
    assert (finding.kind, finding.hits, finding.sampled) == ("free_text", 4, 20)


def test_columns_named_as_versions_or_codes_are_left_alone() -> None:
    assert detect_column("t", "app_version", ["2.4.1.0", "2.4.1.1", "3.0.0.7"]).kind == "none"
    assert detect_column("t", "ean", ["4006381333931", "5012345678900"] * 3).kind == "none"
