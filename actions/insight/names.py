"""Detectors of people's names and user names where a field says what they are. Pure.

No model reads prose here: a name is redacted when a key names it (`"first_name": "Jane"`,
`customer=Jane Doe`, `Name: Toshimi Arata`, `"cardholder": "..."`), when it stands in a mailbox
(`To: Jane Doe <jane@example.com>`), or after a title or an introduction (`Mr. Smith`,
`my name is Jane Doe`). Keys that only ever hold names (`first_name`, `cardholder`) take any
value; keys that also hold other things (`name`, `customer`, `owner`) take two to four
capitalised words, so `"name": "storefront"` stays. User names (`user=jdoe`) are redacted unless
they are system accounts (`root`, `postgres`) or the account of a connection string on the same
line (`jdbc:...;user=audit`, `host=db user=shop`).
"""

from __future__ import annotations

import re

from actions.insight.checks import name_shaped
from actions.insight.detector import Detector

# Keys whose value is a name whatever it looks like.
_STRONG = re.compile(
    r"(?:first|given|last|family|full|middle|display|customer|card[_-]?holder|account[_-]?holder"
    r"|holder|contact|billing|shipping|recipient|patient|employee|real|sender)[_-]?name"
    r"|surname|(?:card|account)?[_-]?holder|forename",
    re.I,
)
_USER = re.compile(r"user(?:[_-]?name)?", re.I)
# Accounts of machines and daemons, not of people (many are what ssh brute force tries).
_SYSTEM_ACCOUNTS = frozenset(
    (
        *("root", "admin", "administrator", "postgres", "mysql", "oracle", "sa", "app", "nobody"),
        *("www-data", "daemon", "system", "guest", "anonymous", "ubuntu", "ec2-user", "debian"),
        *("centos", "service", "default", "test", "user", "none", "null", "unknown", "bin", "sys"),
        *("operator", "jenkins", "git", "deploy", "nginx", "apache", "redis", "ci", "runner"),
        *("ftp", "sshd", "uucp", "mail", "news", "lp", "games", "man", "proxy", "backup", "list"),
        *("irc", "sync", "halt", "shutdown", "postfix", "hdfs", "yarn", "hadoop", "spark"),
    )
)
# On a line with these, a user name is the account of a connection (`jdbc:...;user=audit`,
# `host=db port=5432 user=shop`), not a person.
_CONNECTION_WORDS = ("jdbc:", "://", "server=", "host=", "database=", "dbname=", "datasource")
_HANDLE = re.compile(r"[A-Za-z][\w.+-]{1,63}")

_NAME = r"[^\W\d_][\w'’.-]*"
_KEYS = (
    r"(?:first|given|last|family|full|middle|display|customer|card[_-]?holder|account[_-]?holder"
    r"|holder|contact|billing|shipping|recipient|patient|employee|real|sender)[_-]?name|surname"
    r"|forename|(?:card|account)?[_-]?holder|name|customer|recipient|owner|author|contact"
    r"|user(?:[_-]?name)?"
)
# the value in a lookahead: the next key can start inside it (`first_name=Sven last_name=...`)
_VALUE = (
    r"[ \t]*[:=][ \t]*(?=\"(?P<dq>[^\"\\\n]{1,80})\"|'(?P<sq>[^'\\\n]{1,80})'"
    r"|(?P<v>[^\s\"',;&|<>=(){}\[\]]+(?:[ ][^\s\"',;&|<>=(){}\[\]]+){0,3}))"
)
_KEY = re.compile(_KEYS, re.I)
# Both on the lowercased text, found at the key's last word (a quick scan for a few literals);
# the whole key is read backwards by `_whole_key`.
_FIELD = re.compile(
    rf"(?P<kw>name|customer|recipient|owner|author|contact|user|holder)[\"']?(?![\w-]){_VALUE}"
)
_USER_FIELD = re.compile(rf"(?P<kw>user(?:[_-]?name)?)[\"']?(?![\w-]){_VALUE}")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _whole_key(match: re.Match[str], text: str) -> str | None:
    """The field's key if it is a known one: `first_name`, not `hostname`, `ruser`, `db.user`."""
    start = match.start("kw")
    while start > match.start("kw") - 64 and start and text[start - 1] in _KEY_CHARS:
        start -= 1
    key = text[start : match.end("kw")]
    return key if _KEY.fullmatch(key) else None


def _name_prefix(words: list[str], *, least: int) -> int:
    """How many leading words read as a name (0 when fewer than `least`)."""
    for n in range(min(len(words), 4), least - 1, -1):
        if name_shaped(" ".join(words[:n])):
            return n
    return 0


def _field_kind(key: str) -> str:
    return "strong" if _STRONG.fullmatch(key) else "user" if _USER.fullmatch(key) else "weak"


def _field_check(match: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    key = _whole_key(match, text)
    if key is None:
        return None
    value = text[start:end]
    kind, quoted = _field_kind(key), match["v"] is None
    words = value.split(" ")
    if kind == "strong" and (quoted or len(words) == 1):
        ok = 0 < len(words) <= 4 and not any(c.isdigit() for c in value) and value.strip() != ""
        return (start, end) if ok and value.lower() not in ("null", "none", "n/a", "-") else None
    n = _name_prefix(words, least=1 if kind == "strong" else 2)
    if n:
        return start, start + len(" ".join(words[:n]))
    return None


def _user_check(match: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    """A user name field: a handle (`jdoe`), not a system account, not a number."""
    if _whole_key(match, text) is None:
        return None
    near = max(0, start - 300)
    line = text[max(near, text.rfind("\n", near, start) + 1) : start].lower()
    if any(word in line for word in _CONNECTION_WORDS):
        return None  # the account of a connection string or a database setting, not a person
    handle = text[start:end].split(" ")[0]
    if not _HANDLE.fullmatch(handle) or handle.lower() in _SYSTEM_ACCOUNTS:
        return None
    if name_shaped(text[start:end]) and " " in text[start:end]:
        return None  # "User: Jane Doe" is a person, found by the name detector
    return start, start + len(handle)


def _mailbox_check(_m: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    """Words before a mailbox: the name is the longest capitalised tail of two words or more."""
    words = text[start:end].split(" ")
    for i in range(len(words) - 1):
        if name_shaped(" ".join(words[i:])):
            return end - len(" ".join(words[i:])), end
    return None


def _title_check(match: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    """Words after a title or an introduction: the longest capitalised head."""
    words = text[start:end].split(" ")
    n = _name_prefix(words, least=1)
    end = start + len(" ".join(words[:n]))
    if text[end - 2 : end] in ("'s", "’s"):  # "Dr. Amara Okafor's office"
        end -= 2
    return (start, end) if n else None


_MAILBOX = re.compile(rf"(?<![\w.-])({_NAME}(?:[ ]{_NAME}){{1,5}})[ \t]*<[^<>\s@]+@[^<>\s]+>")
_TITLED = re.compile(rf"(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof)\.?[ \t]+({_NAME}(?:[ ]{_NAME}){{0,2}})")

NAME_DETECTORS: list[Detector] = [
    Detector("person", _MAILBOX, groups=(1,), needles=("<",), check=_mailbox_check),
    Detector(
        "person",
        _FIELD,
        groups=("dq", "sq", "v"),
        anchors=("name", "customer", "recipient", "owner", "author", "contact", "user", "holder"),
        lower=True,
        check=_field_check,
    ),
    Detector(
        "username",
        _USER_FIELD,
        groups=("dq", "sq", "v"),
        anchors=("user",),
        lower=True,
        check=_user_check,
    ),
    Detector(
        "person",
        _TITLED,
        groups=(1,),
        word_start=True,
        check=_title_check,
    ),
    Detector(
        "person",
        re.compile(rf"my name(?: is|'s)[ \t]+({_NAME}(?:[ ]{_NAME}){{0,2}})"),
        groups=(1,),
        anchors=("my name",),
        word_start=True,
        lower=True,
        check=_title_check,
    ),
]
