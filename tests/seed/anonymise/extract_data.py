"""What the fixture extract is made of (`make_extract`): made-up names, streets and places, the
shop's products, and the kind each column is labelled with."""

from __future__ import annotations

FIRST = """
Ottilie Bartholomew Xiomara Leocadia Thaddeus Perpetua Ignatius Wilhelmina Cornelius
Philippa Evangeline Barnaby Clementine Leopold Araminta Lysander Seraphina Ambrose
Henrietta Peregrine Octavia Fitzroy Marigold Cosimo Rosalind Tarquin Imogen Jolyon
Persephone Hamish Ludovica Crispin Eulalia Benedikt Saoirse Ebenezer Griselda Anselm
Winifred Caspian Theodora Horatio Ximena Radomir Zenobia
""".split()  # noqa: SIM905
LAST = """
Marchetti Quennell Abernathy Vanterpool Okonkwo Drummond Kowalczyk Ravenscroft Threlkeld
Pemberton Fairweather Blackwood Whitlock Hollingsworth Castellanos Lindqvist Nakashima
Oyelaran Szymanski Featherstone Montgomerie Ashdowne Braithwaite Cartwright Delacroix
Esterhazy Fotheringham Gallagher Haverford Illingworth Jablonski Kilpatrick Llewellyn
Mortimer Northcott Ollerenshaw Prendergast Quigley Rutherford Sinclair Trevelyan Umberfield
Vandersloot Wetherby Yardley
""".split()  # noqa: SIM905
STREETS = """
Quarrendon Featherbed Thistlewood Larkspur Cobblestone Hawthornden Kingfisher Marlowe
Nettlebed Primrose Saxonbury Tanglewood
""".split()  # noqa: SIM905
STREET_TYPES = ["Road", "Lane", "Avenue", "Street", "Close", "Crescent"]
# (city, postcode district, birth year): the clusters k-anonymity works with
CLUSTERS = [
    ("Leicester", "LE1", 1984),
    ("Norwich", "NR2", 1979),
    ("Carlisle", "CA1", 1991),
    ("Truro", "TR1", 1968),
    ("Exeter", "EX4", 1988),
    ("Dundee", "DD1", 1975),
    ("Durham", "DH1", 1996),
]
OUTLIERS = [("Lancaster", "LA1", 1953), ("Hereford", "HR4", 2001), ("Bangor", "LL57", 1949)]
PRODUCTS = [
    ("Blue Widget", "gadgets", "12.50"),
    ("Garden Hose 20m", "garden", "24.99"),
    ("Espresso Cups (set of 4)", "kitchen", "18.00"),
    ("Rain Jacket", "clothing", "59.90"),
    ("Walking Boots", "clothing", "89.00"),
    ("Desk Lamp", "home", "34.75"),
    ("Cast Iron Pan", "kitchen", "42.00"),
    ("Bird Feeder", "garden", "15.25"),
    ("Wool Scarf", "clothing", "22.40"),
    ("Wireless Mouse", "gadgets", "19.99"),
    ("Herb Planter", "garden", "27.50"),
    ("Tea Towel Pack", "home", "9.95"),
]

COLUMN_KINDS = {
    "customers": {
        **dict.fromkeys(["id", "status"], "none"),
        **{c: c for c in ["first_name", "last_name", "email", "phone", "birth_date"]},
        **{c: c for c in ["street_address", "postcode", "city", "iban", "ssn"]},
        "card_number": "card",
        "signup_ip": "ip",
        "notes": "free_text",
    },
    "orders": {
        **dict.fromkeys(["id", "customer_id", "product_id", "quantity"], "none"),
        **dict.fromkeys(["unit_price", "status", "ordered_at"], "none"),
        "customer_email": "email",
        "ref": "free_text",
    },
    "products": dict.fromkeys(["id", "name", "category", "price"], "none"),
    "support_tickets": {
        **dict.fromkeys(["id", "customer_id", "opened_at", "subject", "priority"], "none"),
        "status": "none",
        "contact": "email",
        "comment": "free_text",
    },
}
