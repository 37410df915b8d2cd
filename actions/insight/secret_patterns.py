"""Detectors of secrets: private keys, tokens, API keys, passwords, connection strings. Pure.

Vendor tokens are found by their fixed prefixes (`ghp_`, `xoxb-`, `AKIA`, `sk-`, `AIza`, ...)
wherever they are; anything else counts as a secret by the name it is given (`password=`,
`"client_secret": "..."`, `DB_PASSWORD=`, `Authorization: ...`, `scheme://user:pass@host`,
`Server=db;Password=...;`, `jdbc:...;password=...`).
"""

from __future__ import annotations

import base64
import binascii
import re

from actions.insight.checks import looks_random
from actions.insight.detector import Detector


def _pem() -> Detector:
    # A whole block, its line breaks real, escaped (`\n` in JSON) or collapsed to spaces; a block
    # cut short ends where its base64 does. Each line is a header (`Proc-Type: 4,ENCRYPTED`) or
    # base64, and lines are separated: one way to match each, no exponential backtracking.
    head = r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
    tail = r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
    sep = r"(?:\s|\\[nr])+"
    line = r"(?:[A-Za-z-]+: [^\n\\]*|[A-Za-z0-9+/=]+)"
    body = rf"(?:(?:{sep})?{line}(?:{sep}{line})*?)?(?:{sep})?"
    cut = rf"(?:{sep}[A-Za-z0-9+/]{{8,}}={{0,2}}(?![\w+/=]))+"
    return Detector("private-key", re.compile(rf"{head}(?:{body}{tail}|{cut})"))


def _bearer_check(_m: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    """`Bearer <token>` outside a header: a token, not a word ("bearer authentication")."""
    value = text[start:end]
    if any(not c.isalpha() for c in value) or not value[1:].islower():
        return start, end
    return None


def _basic_check(_m: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    """`Basic <base64>` outside a header: only when it decodes to `user:password`."""
    if text[start:end].islower():  # base64 of text has capitals; "basic settings" has none
        return None
    try:
        decoded = base64.b64decode(text[start:end], validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    return (start, end) if decoded.find(":") > 0 and decoded.isprintable() else None


# Key names whose value is a secret whatever it looks like (last word of the key, lowercase).
_STRONG = ("password", "passwd", "passphrase", "pwd", "secret", "token", "credentials")
_STRONG_PAIRS = ("apikey", "accesskey", "privatekey", "secretkey", "signingkey", "masterkey")
# Key names whose value is a secret only when it looks machine-made.
_WEAK = ("auth", "session", "sessionid", "jsessionid", "sid", "cookie", "signature", "sig")
_TRIVIAL = re.compile(
    r"(?i)true|false|null|none|nil|yes|no|on|off|undefined|required|optional|redacted|masked"
    r"|[*xX•.#-]+|<[^>]*>|\$\{?[A-Za-z_][\w.-]*\}?|\{\{.*\}\}|%\(\w+\)s"
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_PROSE_AFTER = re.compile(r" [^\W\d_]")
_TYPE_AFTER = re.compile(r"[ \t]*[{(]")
_HEX_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def key_strength(key: str) -> str | None:
    """How a key name (`DB_PASSWORD`, `clientSecret`, `x-api-key`) vouches for its value.

    'strong': any value is a secret; 'weak': a value that looks machine-made is; 'random': only
    a long high-entropy one (`license_key`, not `cache_key=user:42`); None: not a secret's name.
    """
    words = [w.lower() for w in _WORDS.findall(key)]
    if not words:
        return None
    last, pair = words[-1], "".join(words[-2:])
    if last in ("authorization", "bearer"):
        return None  # the Authorization detector reads those, scheme and all
    if pair in _STRONG_PAIRS or last == "pass" or any(last.endswith(s) for s in _STRONG):
        return "strong"
    if last == "key":
        return "random"
    if last in _WEAK or pair in ("sessionid", "sessiontoken"):
        return "weak"
    return None


def _keyval_check(match: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    key_start = key_end = match.end("kw")
    while key_start > key_end - 64 and key_start and text[key_start - 1] in _KEY_CHARS:
        key_start -= 1  # back to the start of the whole key: DB_PASSWORD
    key, value = text[key_start:key_end], text[start:end]
    strength = key_strength(key)
    if strength is None or _TRIVIAL.fullmatch(value) or _TYPE_AFTER.match(text, end):
        return None  # no secret's name, a placeholder of one, or a type (`Token { kind: .. }`)
    if key.lower() == "pwd" and value.startswith(("/", "~")):  # the shell's working directory
        return None
    colon = ":" in text[key_end : match.end()]
    if colon and key.lower() == "pass":
        return None  # `pass=x` is a password, `deploy pass: shop 1.0 deployed` a verdict
    password = "pass" in key.lower() or "pwd" in key.lower()  # those stay redacted anyway
    prose = match["v"] is not None and value.isalpha() and _PROSE_AFTER.match(text, end)
    if colon and prose and not password:
        return None  # "cannot load credentials: Invalid kube-config file" is a sentence
    if strength == "random" and not looks_random(value):
        return None
    if strength == "weak" and (_HEX_NUMBER.fullmatch(value) or value.isdigit()):
        return None  # a number (ZooKeeper's `sessionid: 0x14ede63a5a70002`), not a token
    if strength == "weak" and not (
        looks_random(value, min_len=8)
        or (len(value) >= 8 and any(c.isdigit() for c in value) and any(c.isalpha() for c in value))
    ):
        return None
    return start, end


_KEY_WORDS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|token|credentials?|key|auth|cookie|session(?:[_-]?id)?"
    r"|sid|signature|sig"
)
_QUOTED = r"(?P<q>[\"'])(?P<qv>(?:(?!(?P=q))[^\\\n]|\\.){1,500})(?P=q)"
_BARE = r"(?![{\[(])(?P<v>[^\s\"',;&}<>=)\]]{1,500}(?:={1,2}(?=[\s\"',;&}<>)\]]|$))?)"
_KEYVAL = Detector(
    "secret",
    # the value in a lookahead: the next key can start inside it (`Cookie: csrftoken=...`)
    re.compile(
        rf"(?P<kw>{_KEY_WORDS})(?![\w-])[\"']?[ \t]*(?:[:=]|=>)[ \t]*(?=(?:{_QUOTED}|{_BARE}))"
    ),
    groups=("qv", "v"),
    lower=True,
    anchors=(
        *("pass", "pwd", "secret", "token", "credential", "key", "auth", "cookie", "session"),
        *("sid", "sig"),
    ),
    check=_keyval_check,
)


def _token(kind: str, pattern: str) -> Detector:
    # No `\b` in front: a pattern that starts with a literal is found by a quick scan.
    return Detector(kind, re.compile(pattern), word_start=True)


SECRET_DETECTORS: list[Detector] = [
    _pem(),
    _token("jwt", r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
    _token(
        "slack-webhook",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,}",
    ),
    _token("slack-token", r"x(?:ox[abposre]|app)-[A-Za-z0-9-]{8,}"),
    _token("github-token", r"g(?:h[pousr]_[A-Za-z0-9]{30,}|ithub_pat_\w{40,})"),
    _token("aws-key", r"A(?:KIA|SIA|GPA|IDA|ROA|NPA|IPA)[0-9A-Z]{16}\b"),
    Detector(
        "aws-secret",
        re.compile(
            r"secret_?access_?key[\"']?[ \t]*[:=][ \t]*[\"']?([a-z0-9/+]{40})(?![a-z0-9/+])"
        ),
        groups=(1,),
        lower=True,
        anchors=("secret",),
    ),
    Detector(  # OpenAI, Stripe (secret and restricted), Google, GitLab, npm, SendGrid, webhooks
        "api-key",
        re.compile(
            r"(?:sk-[A-Za-z0-9_-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|AIza[\w-]{35}"
            r"|glpat-[\w-]{20,}|npm_[A-Za-z0-9]{36}|SG\.[\w-]{22}\.[\w-]{43}|whsec_[A-Za-z0-9]{24,})"
        ),
        needles=("sk-", "k_live_", "k_test_", "aiza", "glpat-", "npm_", "sg.", "whsec_"),
        word_start=True,
    ),
    Detector(
        "bearer",
        re.compile(
            r"authorization[\"']?[ \t]*[:=][ \t]*[\"']?"
            r"(?:(?:bearer|basic|token|digest|negotiate|apikey|sso-key)[ \t]+)?"
            r"(?!(?:bearer|basic|token|digest|negotiate)\b)([^\s\"',;]{6,})"
        ),
        groups=(1,),
        lower=True,
        anchors=("authorization",),
        word_start=True,
    ),
    Detector(
        "bearer",
        re.compile(r"bearer[ \t]+([a-z0-9._~+/-]{8,}=*)"),
        groups=(1,),
        lower=True,
        anchors=("bearer",),
        word_start=True,
        check=_bearer_check,
    ),
    Detector(
        "bearer",
        re.compile(r"basic[ \t]+([a-z0-9+/]{8,}={0,2})(?![\w+/=])"),
        groups=(1,),
        lower=True,
        anchors=("basic",),
        word_start=True,
        check=_basic_check,
    ),
    Detector(  # found at its `://`: the scheme before it does not matter
        "url-password",
        re.compile(r"://[^\s:/@?#\"'<>]*:([^\s/@?#\"'<>]+)@[\w.\[-]"),
        groups=(1,),
        lower=True,
        anchors=("://",),
    ),
    Detector(  # command lines: `--password x`, `curl -u user:x`, and .netrc's `password x`
        "secret",
        re.compile(
            r"(?:--(?:password|passwd|token|secret|api-key|client-secret)[ =]"
            r"|(?:-u|--user)[ =][^\s:]+:"
            r"|machine[ \t]+\S+[ \t]+login[ \t]+\S+[ \t]+password[ \t]+)"
            r"(\S+)"
        ),
        groups=(1,),
        lower=True,
        anchors=("--", "-u", "machine"),
        word_start=True,
    ),
    Detector(
        "secret",
        re.compile(r"<((?:\w+[_-])?(?:password|passwd|secret|token|apikey|api_key))>([^<]+)</\1>"),
        groups=(2,),
        needles=("</",),
        lower=True,
    ),
    _KEYVAL,
]
