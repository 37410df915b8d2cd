"""Writes the fixture extract `tests/fixtures/seed/extract/`: a small shop's production data with
personal data planted in the columns one expects (email, phone, names, IBAN, card, SSN, IP,
birth date, postcode, street address) and in some one does not (an email in `notes`, phone
numbers in `ref`, card numbers and names in `comment`, emails in `contact`), and `labels.json`:
the kind of every column and every planted value.

Every value is made up: phones in Ofcom's drama ranges and 555-01xx, addresses in the IPv4 and
IPv6 documentation ranges, checksums computed. The same data as a `pg_dump` plain dump (COPY),
a `pg_dump --inserts` dump and a sqlite `.dump` are made by the real tools (`make_dumps`) when
`--dumps` is given (needs Debian's postgresql and sqlite3; run as root).

Run: python -m tests.seed.anonymise.make_extract [--dumps]
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path
from typing import Any

from actions.insight.checks import luhn_ok
from tests.seed.anonymise.extract_data import (
    CLUSTERS,
    COLUMN_KINDS,
    FIRST,
    LAST,
    OUTLIERS,
    PRODUCTS,
    STREET_TYPES,
    STREETS,
)

OUT = Path(__file__).resolve().parents[2] / "fixtures" / "seed" / "extract"
R = random.Random(20240)

labels: list[dict[str, str]] = []


def plant(table: str, column: str, kind: str, value: str) -> str:
    labels.append({"table": table, "column": column, "kind": kind, "value": value})
    return value


def digits(n: int) -> str:
    return "".join(R.choice("0123456789") for _ in range(n))


def letters(n: int) -> str:
    return "".join(R.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(n))


def when(first_hour: int, last_hour: int) -> str:
    day = f"2024-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}"
    hour = R.randint(first_hour, last_hour)
    return f"{day} {hour:02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}"


def card() -> str:
    body = R.choice("45") + digits(14)
    number = body + next(d for d in "0123456789" if luhn_ok(body + d))
    sep = R.choice(["", " ", "-"])
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def iban() -> str:
    country, bban = R.choice(
        [
            ("GB", "".join(R.choice("ABCDEFGHJKLMNPRSTW") for _ in range(4)) + digits(14)),
            ("DE", digits(18)),
            ("NL", "".join(R.choice("ABINRS") for _ in range(4)) + digits(10)),
        ]
    )
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    compact = f"{country}{98 - number % 97:02d}{bban}"
    return (
        " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
        if R.random() < 0.5
        else compact
    )


def ssn() -> str:
    area = R.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{R.randint(1, 99):02d}-{R.randint(1, 9999):04d}"


def phone() -> str:
    return R.choice(
        [
            lambda: f"+44 7700 900{R.randint(0, 999):03d}",
            lambda: f"+44 20 7946 0{R.randint(0, 999):03d}",
            lambda: f"+1 (555) 555-01{R.randint(0, 99):02d}",
            lambda: f"(555) 555-01{R.randint(0, 99):02d}",
        ]
    )()


def ip() -> str:
    if R.random() < 0.25:
        return f"2001:db8:{R.randint(1, 0xFFFF):x}::{R.randint(1, 0xFFFF):x}"
    return f"{R.choice(['203.0.113', '198.51.100', '192.0.2'])}.{R.randint(1, 254)}"


def customers() -> list[dict[str, Any]]:
    rows = []
    places = [c for c in CLUSTERS for _ in range(R.randint(5, 7))] + OUTLIERS
    for i, (city, district, year) in enumerate(places):
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        t = "customers"
        domain = R.choice(["gmail.com", "outlook.com", "acme-logistics.co.uk", "quarry-tech.io"])
        email = (
            f"{first}.{last}@{domain}".lower()
            if i % 3
            else f"{first[0]}{last}{R.randint(1, 99)}@{domain}".lower()
        )
        note = R.choice(
            [None, None, "VIP since 2019", "Prefers paper invoices", "email", "phone", "name"]
        )
        if note == "email":
            home = plant(t, "notes", "email", f"{first}.{last}.home@yahoo.com".lower())
            note = f"Second address for invoices: {home} (from 2023)"
        elif note == "phone":
            note = f"Asked to be called back on {plant(t, 'notes', 'phone', phone())} after 5pm"
        elif note == "name":
            note = f"Spoke with {plant(t, 'notes', 'first_name', first)} about the late delivery"

        def planted(column: str, kind: str, value: str) -> str:
            return plant("customers", column, kind, value)

        row: dict[str, Any] = {"id": str(1001 + i)}
        row["first_name"] = planted("first_name", "first_name", first)
        row["last_name"] = planted("last_name", "last_name", last)
        row["email"] = planted("email", "email", email)
        row["phone"] = planted("phone", "phone", phone()) if R.random() < 0.9 else None
        born = f"{year}-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}"
        row["birth_date"] = planted("birth_date", "birth_date", born)
        street = f"{R.randint(1, 240)} {R.choice(STREETS)} {R.choice(STREET_TYPES)}"
        row["street_address"] = planted("street_address", "street_address", street)
        postcode = f"{district} {R.randint(1, 9)}{letters(2)}"
        row["postcode"] = planted("postcode", "postcode", postcode)
        row["city"] = city
        row["iban"] = planted("iban", "iban", iban())
        row["card_number"] = planted("card_number", "card", card())
        row["ssn"] = planted("ssn", "ssn", ssn())
        row["signup_ip"] = planted("signup_ip", "ip", ip())
        row["status"] = R.choice(["active", "active", "active", "closed", "suspended"])
        row["notes"] = note
        rows.append(row)
    return rows


def orders(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for i in range(120):
        who = R.choice(people)
        ref = f"SO-2024-{R.randint(1, 99999):05d}"
        if R.random() < 0.35:
            ref = plant("orders", "ref", "phone", phone())
        product = R.randrange(len(PRODUCTS))
        rows.append(
            {
                "id": str(50001 + i),
                "customer_id": who["id"],
                "customer_email": plant("orders", "customer_email", "email", who["email"]),
                "product_id": str(1 + product),
                "quantity": str(R.randint(1, 5)),
                "unit_price": PRODUCTS[product][2],
                "status": R.choice(["paid", "shipped", "delivered", "refunded"]),
                "ordered_at": when(0, 23),
                "ref": ref,
            }
        )
    return rows


def tickets(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    subjects = ["Refund request", "Late delivery", "Damaged item", "Wrong size", "Invoice copy"]
    for i in range(40):
        who = R.choice(people)
        t = "support_tickets"
        comment = R.choice(
            [
                None,
                "Customer satisfied, closing.",
                "Replacement sent by courier.",
                "Card {} was charged twice",
                "Mr. {} called about the order",
                f"Please refund to the card ending {R.randint(1000, 9999)}",
            ]
        )
        if comment and comment.startswith("Card"):
            comment = comment.format(plant(t, "comment", "card", card()))
        elif comment and comment.startswith("Mr."):
            comment = comment.format(plant(t, "comment", "last_name", who["last_name"]))
        rows.append(
            {
                "id": str(7001 + i),
                "customer_id": who["id"],
                "contact": plant(t, "contact", "email", who["email"]),
                "opened_at": when(8, 18),
                "subject": R.choice(subjects),
                "comment": comment,
                "priority": R.choice(["low", "normal", "high"]),
                "status": R.choice(["open", "closed"]),
            }
        )
    return rows


def write_csv(name: str, rows: list[dict[str, Any]]) -> None:
    with (OUT / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)


def scaled_customers(copies: int) -> list[dict[str, Any]]:
    """`copies` fresh draws of the customers table (about 45 rows each), every email and note
    made unique: a worst case for the pseudonym caches, for throughput measurements."""
    people: list[dict[str, Any]] = []
    for i in range(copies):
        for row in customers():
            row["id"] = str(len(people) + 1)
            row["email"] = row["email"].replace("@", f"{i}@")
            row["notes"] = row["notes"] and f"{row['notes']} (#{len(people)})"
            people.append(row)
    labels.clear()
    return people


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    people = customers()
    tables = {
        "customers": people,
        "products": [
            {"id": str(i + 1), "name": n, "category": c, "price": p}
            for i, (n, c, p) in enumerate(PRODUCTS)
        ],
        "orders": orders(people),
        "support_tickets": tickets(people),
    }
    for name, rows in tables.items():
        write_csv(name, rows)
    columns = json.dumps(COLUMN_KINDS, indent=1)
    values = ",\n  ".join(json.dumps(v, ensure_ascii=False) for v in labels)
    text = f'{{"columns": {columns},\n "values": [\n  {values}\n ]\n}}\n'
    (OUT / "labels.json").write_text(text, encoding="utf-8")
    if "--dumps" in sys.argv:
        from tests.seed.anonymise.make_dumps import make_dumps

        make_dumps(tables, OUT)


if __name__ == "__main__":
    main()
