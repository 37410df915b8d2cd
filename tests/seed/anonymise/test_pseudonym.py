"""Pseudonyms kind by kind: keyed, deterministic, never the original, in the original's format."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.errors import ConfigError
from actions.insight.checks import IBAN_LENGTHS, card_ok, iban_ok, luhn_ok, ssn_ok
from actions.seed.anonymise import Pseudonymiser
from actions.seed.anonymise.vocab import CITIES, FIRST_NAMES, LAST_NAMES, STREET_NAMES

KEY = b"pseudonym-tests-key-000000000001"
P = Pseudonymiser(KEY)
OTHER = Pseudonymiser(b"pseudonym-tests-key-000000000002")
EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
SAMPLES = [
    ("email", "Jane.Doe@acme-corp.co.uk"),
    ("phone", "+44 20 7946 0958"),
    ("first_name", "Ottilie"),
    ("last_name", "Marchetti"),
    ("full_name", "Ottilie Marchetti"),
    ("street_address", "221 Larkspur Crescent"),
    ("postcode", "SW1A 1AA"),
    ("city", "Leicester"),
    ("birth_date", "1984-07-25"),
    ("iban", "GB82 WEST 1234 5698 7654 32"),
    ("card", "4539 1488 0343 6467"),
    ("ssn", "123-45-6789"),
    ("ip", "203.0.113.7"),
]


def shape(value: str) -> str:
    return re.sub(r"[A-Za-z]", "a", re.sub(r"\d", "9", value))


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


@pytest.mark.parametrize(("kind", "value"), SAMPLES)
def test_a_pseudonym_is_stable_keyed_and_never_the_value(kind: str, value: str) -> None:
    out = P.replace(kind, value)  # type: ignore[arg-type]
    assert out != value and value not in out
    assert Pseudonymiser(KEY).replace(kind, value) == out  # type: ignore[arg-type]
    assert OTHER.replace(kind, value) != out  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [b"", b"short", b"fifteen-bytes!!"])
def test_a_key_shorter_than_16_bytes_is_refused_without_showing_it(key: bytes) -> None:
    with pytest.raises(ConfigError, match="at least 16 bytes") as error:
        Pseudonymiser(key)
    assert not key or key.decode() not in str(error.value)


def test_the_pseudonymisers_repr_does_not_show_its_key() -> None:
    assert KEY.decode() not in repr(P) and "32 bytes" in repr(P)


def test_an_email_keeps_a_generic_providers_domain_and_hides_an_employers() -> None:
    personal = P.replace("email", "ottilie.marchetti@gmail.com")
    work = P.replace("email", "ottilie@acme-logistics.co.uk")
    colleague = P.replace("email", "barnaby@acme-logistics.co.uk")
    assert EMAIL.fullmatch(personal) and personal.endswith("@gmail.com")
    assert EMAIL.fullmatch(work) and work.endswith(".example.com")
    assert work.split("@")[1] == colleague.split("@")[1]  # one employer, one pseudonymous domain
    assert P.replace("email", "Ottilie.Marchetti@GMAIL.com ") == personal  # case does not matter


@pytest.mark.parametrize(
    "phone",
    ["+44 20 7946 0958", "+1 (555) 555-0142", "(555) 555-0142", "0049 30 1234567", "07700 900123"],
)
def test_a_phone_keeps_its_shape_and_country_code(phone: str) -> None:
    out = P.replace("phone", phone)
    assert shape(out) == shape(phone) and digits(out) != digits(phone)
    if phone.startswith("+"):
        assert out[:3] == phone[:3]
    if phone.startswith(("(555)", "+1")):  # a North American exchange starts with 2-9
        assert digits(out)[-7] in "23456789"


def test_the_same_phone_written_two_ways_gets_the_same_digits() -> None:
    assert digits(P.replace("phone", "+44 20 7946 0958")) == digits(
        P.replace("phone", "+442079460958")
    )


@given(
    st.sampled_from("3456"),
    st.lists(st.integers(0, 9), min_size=14, max_size=14),
    st.sampled_from(["", " ", "-"]),
)
def test_a_card_stays_a_luhn_valid_card_of_the_same_issuer(
    first: str, rest: list[int], sep: str
) -> None:
    body = first + "".join(map(str, rest))
    number = body + next(d for d in "0123456789" if luhn_ok(body + d))
    written = sep.join(number[i : i + 4] for i in range(0, 16, 4))
    out = P.replace("card", written)
    assert luhn_ok(digits(out)) and card_ok(out) and out[0] == first
    assert shape(out) == shape(written) and digits(out) != number


@given(st.sampled_from(sorted(IBAN_LENGTHS)), st.randoms(use_true_random=False), st.booleans())
def test_an_iban_keeps_its_country_and_length_with_a_valid_checksum(
    country: str, rnd, spaced: bool
) -> None:
    length = IBAN_LENGTHS[country]
    bban = "".join(rnd.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(length - 4))
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    iban = f"{country}{98 - number % 97:02d}{bban}"
    written = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if spaced else iban
    out = P.replace("iban", written)
    assert iban_ok(out.replace(" ", "")) and out[:2] == country
    assert len(out) == len(written) and out.replace(" ", "") != iban


@given(st.integers(1, 899).filter(lambda a: a != 666), st.integers(1, 99), st.integers(1, 9999))
def test_an_ssn_stays_an_issuable_ssn(area: int, group: int, serial: int) -> None:
    ssn = f"{area:03d}-{group:02d}-{serial:04d}"
    out = P.replace("ssn", ssn)
    assert re.fullmatch(r"\d{3}-\d{2}-\d{4}", out) and out != ssn
    assert ssn_ok(out[:3], out[4:6], out[7:])


@given(st.ip_addresses())
def test_an_ip_address_stays_an_address_of_its_family(address) -> None:
    out = ipaddress.ip_address(P.replace("ip", str(address)))
    assert out.version == address.version and out != address
    assert out.is_global or out in ipaddress.ip_network("2001:db8::/32")


def test_names_come_from_the_word_lists_in_the_letter_case_of_the_original() -> None:
    assert P.replace("first_name", "Ottilie") in FIRST_NAMES
    assert P.replace("last_name", "MARCHETTI").title() in LAST_NAMES
    assert P.replace("last_name", "MARCHETTI").isupper()
    assert P.replace("city", "Leicester") in CITIES


def test_a_full_name_is_its_first_and_last_names_pseudonyms() -> None:
    first, last = P.replace("first_name", "Ottilie"), P.replace("last_name", "Marchetti")
    assert P.replace("full_name", "Dr. Ottilie Marchetti") == f"Dr. {first} {last}"


def test_a_birth_date_moves_by_a_keyed_number_of_days_in_its_own_format() -> None:
    for value, fmt in (("1984-07-25", "%Y-%m-%d"), ("25/07/1984", "%d/%m/%Y")):
        out = P.replace("birth_date", value)
        moved = dt.datetime.strptime(out, fmt) - dt.datetime.strptime(value, fmt)
        assert 1 <= abs(moved.days) <= 180
    assert P.replace("birth_date", "1984-07-25") != OTHER.replace("birth_date", "1984-07-25")


def test_a_postcode_and_a_street_address_keep_their_shape() -> None:
    assert shape(P.replace("postcode", "SW1A 1AA")) == shape("SW1A 1AA")
    number, street, kind = P.replace("street_address", "221 Larkspur Crescent").split(" ")
    assert len(number) == 3 and street in STREET_NAMES and kind == "Crescent"


def test_a_value_that_is_not_of_its_kind_keeps_only_its_shape() -> None:
    assert shape(P.replace("ip", "not an address")) == shape("not an address")
    assert shape(P.replace("birth_date", "unknown")) == shape("unknown")


def test_free_text_has_each_value_found_in_it_replaced_and_counted() -> None:
    p = Pseudonymiser(KEY)
    p.learn("first_name", ["Ottilie"])
    text = (
        "Ottilie wrote from ottilie@gmail.com, card 4539 1488 0343 6467, call +44 20 7946 0958;"
        " api_key=sk-proj-u8jzPde0IgxLd6GncfBAepfJBd0Kh8oO"
    )
    out, found = p.scrub(text)
    for value in (
        "Ottilie",
        "ottilie@gmail.com",
        "4539 1488 0343 6467",
        "+44 20 7946 0958",
        "sk-proj",
    ):
        assert value not in out
    assert p.replace("email", "ottilie@gmail.com") in out  # as in an email column
    assert p.replace("phone", "+44 20 7946 0958") in out
    assert found == {"name": 1, "email": 1, "card": 1, "phone": 1, "secret": 1}
    assert out.startswith(p.replace("first_name", "Ottilie") + " wrote from ")


def test_free_text_without_personal_data_is_unchanged() -> None:
    text = "Order 50012 shipped 2024-03-01 10:22:11, 3 items at 12.50 each (ref SO-2024-00042)"
    assert P.scrub(text) == (text, {})


def test_no_pseudonym_is_a_reserved_value_of_the_extract() -> None:
    first = Pseudonymiser(KEY).replace("ssn", "123-45-6789")
    p = Pseudonymiser(KEY)
    p.reserve("ssn", [first])  # someone else in the extract really has that number
    assert p.replace("ssn", "123-45-6789") not in (first, "123-45-6789")


def test_a_key_column_stays_unique_even_where_its_format_leaves_little_room() -> None:
    p = Pseudonymiser(KEY)
    phones = [f"9{n:04d}" for n in range(3000)]  # 5 digits: 10,000 pseudonyms to share
    p.reserve("phone", phones)
    out = [p.replace("phone", phone) for phone in phones]
    assert len(set(out)) == len(phones) and not set(out) & set(phones)
    assert [p.replace("phone", phone) for phone in phones] == out  # and stays what it was
