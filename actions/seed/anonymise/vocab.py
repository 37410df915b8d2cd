"""Word lists pseudonyms are drawn from, and the mail providers whose domains are kept.

The lists are part of the pseudonymisation: an index drawn from a keyed hash picks a word, so
changing a list changes every pseudonym made with it. Append only, never reorder.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    *("Aaron", "Abigail", "Adam", "Adrian", "Aisha", "Alan", "Alex", "Alice", "Amanda", "Amir"),
    *("Amy", "Andrea", "Andrew", "Angela", "Anna", "Anthony", "Arjun", "Ben", "Beth", "Brian"),
    *("Carla", "Carlos", "Carmen", "Caroline", "Chen", "Chloe", "Chris", "Claire", "Daniel"),
    *("David", "Diana", "Diego", "Dylan", "Elena", "Eli", "Emily", "Emma", "Eric", "Ethan"),
    *("Eva", "Fatima", "Felix", "Fiona", "Frank", "Gabriel", "Grace", "Hana", "Hannah", "Hugo"),
    *("Ian", "Isabel", "Ivan", "Jack", "James", "Jason", "Jenny", "Joanna", "John", "Jonas"),
    *("Jose", "Julia", "Julian", "Karen", "Kate", "Kenji", "Kevin", "Laura", "Leo", "Lily"),
    *("Linda", "Lucas", "Lucy", "Luis", "Maria", "Mark", "Martin", "Maya", "Mei", "Michael"),
    *("Mila", "Nadia", "Naomi", "Nathan", "Nina", "Noah", "Olga", "Oliver", "Omar", "Paul"),
    *("Paula", "Peter", "Priya", "Rachel", "Rahul", "Raj", "Rita", "Robert", "Rosa", "Ruby"),
    *("Ryan", "Sam", "Samir", "Sara", "Sean", "Simon", "Sofia", "Sophie", "Stefan", "Susan"),
    *("Tara", "Thomas", "Tim", "Tom", "Tomas", "Uma", "Vera", "Victor", "Wei", "Yara", "Yuki"),
    *("Zara", "Zoe", "Helen", "George", "Irene", "Kim"),
)

LAST_NAMES: tuple[str, ...] = (
    *("Adams", "Ahmed", "Ali", "Allen", "Alvarez", "Anderson", "Baker", "Becker", "Bell"),
    *("Brown", "Campbell", "Carter", "Castro", "Chen", "Clark", "Cohen", "Collins", "Cooper"),
    *("Costa", "Cruz", "Davies", "Davis", "Dias", "Diaz", "Edwards", "Evans", "Fischer"),
    *("Fisher", "Flores", "Garcia", "Gomez", "Gonzalez", "Green", "Gupta", "Hall", "Harris"),
    *("Hill", "Hoffmann", "Hughes", "Jackson", "Jensen", "Johnson", "Jones", "Kaur", "Khan"),
    *("Kim", "King", "Klein", "Kumar", "Lee", "Lewis", "Li", "Lopez", "Martin", "Martinez"),
    *("Meyer", "Miller", "Mitchell", "Moore", "Morales", "Morris", "Muller", "Murphy", "Nguyen"),
    *("Nielsen", "Novak", "Olsen", "Ortiz", "Park", "Patel", "Perez", "Peters", "Phillips"),
    *("Popescu", "Price", "Reed", "Reyes", "Richter", "Rivera", "Roberts", "Robinson"),
    *("Rodriguez", "Rossi", "Ruiz", "Sanchez", "Santos", "Schmidt", "Schneider", "Scott"),
    *("Shah", "Silva", "Singh", "Smith", "Sousa", "Stewart", "Tanaka", "Taylor", "Thomas"),
    *("Thompson", "Torres", "Turner", "Walker", "Wang", "Ward", "Watson", "Weber", "White"),
    *("Williams", "Wilson", "Wong", "Wood", "Wright", "Yamamoto", "Young", "Zhang", "Lam"),
)

STREET_NAMES: tuple[str, ...] = (
    *("Acacia", "Alder", "Ash", "Aspen", "Beech", "Birch", "Bridge", "Brook", "Castle", "Cedar"),
    *("Chapel", "Cherry", "Church", "Elm", "Fern", "Field", "Forest", "Garden", "Glen", "Grove"),
    *("Harbour", "Hazel", "Heath", "Holly", "Juniper", "Lake", "Laurel", "Lime", "Maple", "Meadow"),
    *("Mill", "Oak", "Orchard", "Park", "Pine", "Poplar", "Quarry", "River", "Rowan", "School"),
    *("Spring", "Station", "Sycamore", "Valley", "Victoria", "Willow", "Windmill", "Yew"),
)

CITIES: tuple[str, ...] = (
    *("Ashford", "Brookfield", "Cedarville", "Clearwater", "Eastbridge", "Fairview", "Glenwood"),
    *("Greenville", "Hillcrest", "Kingsport", "Lakeside", "Maplewood", "Millbrook", "Newhaven"),
    *("Northfield", "Oakridge", "Pinehurst", "Riverside", "Rosedale", "Southgate", "Springfield"),
    *("Stonebridge", "Westbury", "Willowbrook", "Woodland", "Bayview", "Elmhurst", "Highland"),
)

# Domains of mail providers shared by millions: keeping one says nothing about the person.
GENERIC_MAIL_DOMAINS: frozenset[str] = frozenset(
    (
        *("gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com"),
        *("hotmail.com", "hotmail.co.uk", "hotmail.fr", "outlook.com", "live.com", "msn.com"),
        *("icloud.com", "me.com", "mac.com", "aol.com", "protonmail.com", "proton.me", "gmx.de"),
        *("gmx.net", "gmx.com", "web.de", "t-online.de", "orange.fr", "free.fr", "laposte.net"),
        *("libero.it", "mail.ru", "yandex.ru", "qq.com", "163.com", "126.com", "naver.com"),
        *("zoho.com", "fastmail.com", "tutanota.com", "btinternet.com", "comcast.net"),
    )
)

# Name words that are titles, kept as they are in a full name ("Dr. Jane Doe").
TITLES: frozenset[str] = frozenset(("mr", "mrs", "ms", "mx", "miss", "dr", "prof", "sir", "dame"))

# The last word of a street address that says what kind of street it is (kept).
STREET_TYPES: frozenset[str] = frozenset(
    (
        *("street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "way"),
        *("boulevard", "blvd", "court", "ct", "place", "pl", "terrace", "close", "crescent"),
        *("square", "sq", "gardens", "grove", "hill", "row", "parkway", "pkwy", "walk", "mews"),
        *("strasse", "straße", "weg", "gasse", "rue", "via", "calle", "straat", "laan", "gate"),
    )
)
