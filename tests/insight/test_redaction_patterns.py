"""Redaction, kind by kind: each format of secret and personal data found, log numbers not."""

from __future__ import annotations

import pytest

from actions.insight.checks import card_ok, iban_ok, ip_personal, luhn_ok, ssn_ok
from actions.insight.redact import Redactor, find_spans

R = Redactor(key=b"pattern-tests-16")
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaWQiOiI5ZjFjMmUiLCJyb2xlIjoiYWRtaW4ifQ"
    ".DRdJuPnBIKpi99lSi0tcL21pffWQJEeNajnez0LHtfR"
)
PEM_BODY = "MIIEowIBAAKCAQEAx3q1Lm0pK9sT2vW8yZ4nR6bF1cD7eH5jA0gU3iO9kXwYtQ2z"


def kinds_of(text: str, value: str) -> set[str]:
    """The kinds of the redacted spans covering `value` in `text` (empty when it is not covered)."""
    start = text.index(value)
    end = start + len(value)
    spans = find_spans(text)
    covered = set().union(*(range(s, e) for s, e, _ in spans)) if spans else set()
    if not set(range(start, end)) <= covered:
        return set()
    return {k for s, e, k in spans if s < end and start < e}


GH_PAT = "github_pat_SkHbn88HxjSI6bWHtP3fS2_qHx6kwXoIIXGvOoNZYW2mZp0zVZ"
SLACK = "xoxb-194875749118-6252760189555-MFLZDe1f8rESQed"
WEBHOOK = "https://hooks.slack.com/services/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"
# (text with {} where the secret goes, the secret, its kind)
SECRETS = [
    ("OPENAI_API_KEY={}", "sk-proj-u8jzPde0IgxLd6GncfBAepfJBd0Kh8oO", "api-key"),
    ("token: {}", SLACK, "slack-token"),
    ("cloning with {} now", "ghp_Ig8xNbe3nNyjOq9wMxEhh2FDEEtfjgVvVqE1", "github-token"),
    ("GH={}", GH_PAT, "github-token"),
    ("access key {} region=eu-west-1", "AKIAIOSFODNN7EXAMPLE", "aws-key"),
    ("aws_secret_access_key = {}", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws-secret"),
    ("maps key={} ok", "AIzazTOlUcR64cXQLioDnkHIfxIq2HZt-PlJhx2", "api-key"),
    ("stripe {} failed", "sk_live_5er8bOfZqfM2oeq3hDavJA76", "api-key"),
    ("restricted {}", "rk_live_rNicHTp8hkqdlm7tOtHWnsCG", "api-key"),
    ("Authorization: Bearer {}", JWT, "jwt"),
    ("GET /orders?access_token={}&limit=5", JWT, "jwt"),
    ("Authorization: Bearer {}", "8a1c5e7f93b24d6aa0c4e2f1b7d9c3e5", "bearer"),
    ("Authorization: Basic {}", "YWRtaW46V2ludGVyMjAyNSE=", "bearer"),
    ("curl with basic {} done", "YWRtaW46V2ludGVyMjAyNSE=", "bearer"),
    ("password={} next", "hunter22", "secret"),
    ('{{"password": "{}"}}', "correct horse battery", "secret"),
    ("PGPASSWORD={} psql -h db", "pg_Adm1n_pass", "secret"),
    ("DB_PASSWORD='{}' ./run", "S3cr3t!", "secret"),
    ("clientSecret: {}", "Z9y8X7w6V5u4T3s2R1q0", "secret"),
    ("X-Api-Key: {}", "VD1WQVH9sIv4o3e2LshZpcc5", "secret"),
    ("license_key={} seats=25", "JC616I76BOFBCIXGY29DB8P5QA3E6", "secret"),
    ("Cookie: theme=dark; session={}; lang=en", "tYygX0bKRVitGoPZrpul", "secret"),
    ("wget --password {} --user deploy", "Hunter2-Staging", "secret"),
    ("curl -u admin:{} https://ci", "Winter2025!", "secret"),
    ("<password>{}</password>", "N3xusD3pl0y", "secret"),
    ("postgres://shop:{}@db:5432/shop", "s3cr3t-Pg", "url-password"),
    ("mongodb+srv://catalog:{}@cluster0.a1b2c.mongodb.net/x", "M0ng0Atlas99", "url-password"),
    ("redis://:{}@redis:6379/0", "r3d1sP4ss", "url-password"),
    ("amqp://orders:{}@rabbit:5672/", "Rabb1tMQ!", "url-password"),
    ("jdbc:postgresql://db:5432/o?user=orders&password={}&ssl=true", "jdbcP@ss", "secret"),
    ("Server=sql01;Database=Orders;User Id=app;Password={};Encrypt=True", "Sq1S3rv3r#Pw", "secret"),
    ("posting to {}", WEBHOOK, "slack-webhook"),
    ("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----", PEM_BODY, "private-key"),
    (
        '{{"private_key": "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n"}}',
        PEM_BODY,
        "private-key",
    ),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n(truncated)", PEM_BODY, "private-key"),
]


@pytest.mark.parametrize(("text", "secret", "kind"), SECRETS)
def test_a_planted_secret_is_redacted_with_its_kind(text: str, secret: str, kind: str) -> None:
    text = text.format(secret)
    assert kinds_of(text, secret) == {kind}
    assert secret not in R.redact(text)


PERSONAL = [
    ("write to bob.smith@example.com now", "bob.smith@example.com", "email"),
    ("card 4111 1111 1111 1111 declined", "4111 1111 1111 1111", "card"),
    ("card=378282246310005 exp=09/27", "378282246310005", "card"),
    ("charged 5555-5555-5555-4444 ok", "5555-5555-5555-4444", "card"),
    ("iban=DE89370400440532013000 ok", "DE89370400440532013000", "iban"),
    ("from GB82 WEST 1234 5698 7654 32 received", "GB82 WEST 1234 5698 7654 32", "iban"),
    ("my iban is gb42nawi04454264788619", "gb42nawi04454264788619", "iban"),
    ("ssn=219-09-9999 verified", "219-09-9999", "ssn"),
    ("SSN: 536 22 1234", "536 22 1234", "ssn"),
    ("client 203.0.113.42 blocked", "203.0.113.42", "ip"),
    ("from 2001:db8:85a3::8a2e:370:7334 port 22", "2001:db8:85a3::8a2e:370:7334", "ip"),
    ("peer ::ffff:81.2.69.142 connected", "::ffff:81.2.69.142", "ip"),
    ("call +44 20 7946 0958 today", "+44 20 7946 0958", "phone"),
    ("to=+1-212-555-0147 status=429", "+1-212-555-0147", "phone"),
    ("Phone: (555) 123-4567", "(555) 123-4567", "phone"),
    ("callback 555-123-4567, thanks", "555-123-4567", "phone"),
    ("fax 415.555.0132 x204", "415.555.0132 x204", "phone"),
    ("Tel: 020 7946 0321", "020 7946 0321", "phone"),
    ("Mobile:\n0490 75 40 81", "0490 75 40 81", "phone"),
    ("please call me on 9472 7916?", "9472 7916", "phone"),
    ("07700 063 966-Fax", "07700 063 966", "phone"),
    ('{"name": "Jane Doe", "id": 7}', "Jane Doe", "person"),
    ('{"first_name": "Siobhán", "last_name": "O\'Connor"}', "O'Connor", "person"),
    ("first_name=Sven last_name=Lindqvist phone=+46 8 123 456 78", "Lindqvist", "person"),
    ('"cardholder": "JANE M DOE"', "JANE M DOE", "person"),
    ("customer=Kenji Watanabe (customer_id=C-1)", "Kenji Watanabe", "person"),
    ("Name: Toshimi Arata\nPhone: 0490 75 40 81", "Toshimi Arata", "person"),
    ("To: Hannah Schmidt <hannah.schmidt@example.de>", "Hannah Schmidt", "person"),
    ("Author: Jane Q. Public <jq@example.org>", "Jane Q. Public", "person"),
    ("escalated to Mr. Haruto Sato (tier 3)", "Haruto Sato", "person"),
    ("hello, my name is Rosa Delgado.", "Rosa Delgado", "person"),
    ("user=mkowalski ip=10.0.0.1", "mkowalski", "username"),
    ('{"username": "jdoe84"}', "jdoe84", "username"),
]


@pytest.mark.parametrize(("text", "value", "kind"), PERSONAL)
def test_personal_data_is_redacted_with_its_kind(text: str, value: str, kind: str) -> None:
    assert kinds_of(text, value) == {kind}


DECOYS = [
    "2025-03-05T14:02:11.482Z level=info id=6f1c2b9e-3d4a-4b8e-9c1f-7a2d5e8b0c13 took 12.7ms",
    "081109 203615 148 INFO dfs.DataNode$PacketResponder: block blk_-6952295868487656571 done",
    "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 RAS KERNEL INFO",
    "load: 8 users on http://127.0.0.1:36789 for 15s; p95 320 ms; order 1234567890123",
    "GET /healthz 200 from 10.0.3.17 and 192.168.1.20 via 172.17.0.2, dns 10.96.0.10",
    "listening on [::]:8443 and 0.0.0.0:8080, lo ::1, link fe80::42:acff:fe11:2",
    "version 2.4.1.0 (windows 10.0.19045.2965), chrome/120.0.6099.109, oid 1.3.6.1.4.1.2021",
    "git 3f2a9c1b7e4d8a6f0c2b5e9d1a7f3c8b2e6d4a0f trace 0af7651916cd43dd8448eb211c80319c",
    "epoch 1741183931 ms 1741183745123 ns 1741183745123456789 seed 2718281828",
    "card check failed for 4111111111111112 (Luhn), iban DE89370400440532013001 (mod 97)",
    "ssn 000-12-3456 666-45-6789 912-34-5678 rejected; isbn 978-3-16-148410-0",
    "duration 00:02:31.512 cron 0 */5 * * * tz +01:00 offset +0100 range bytes=0-1048575",
    "mac 02:42:ac:11:00:02 at 14:12:09 on 2025-03-05, build 20250305.1, sku SKU-555-123-4567",
    "gc 12.345 ms heap 1,234,567 KB, 0.4111111111111111 of old gen, lat 48.858844 lon 2.294351",
    "config: max_tokens=1024 token_count=988 prompt_tokens=812 password_reset_enabled=true",
    "secret_name=db-credentials DB_PASSWORD_FILE=/run/secrets/db PASSWORD_MIN_LENGTH=12",
    "password: ******** api_key: <redacted> token: null password: ${DB_PASSWORD}",
    "session timeout=1800 max_sessions=5 auth_method=oidc token_ttl=3600 passwordless=false",
    "using basic authentication for /internal and bearer authentication for /api",
    "token validation failed: expired at 1741183000; Token: Token { kind: ContainerToken }",
    "zookeeper: processed session termination for sessionid: 0x14ede63a5a70002",
    "PWD=/srv/app HOSTNAME=storefront-7d9f8b6c5-x2x7q PORT=8080 cache_key=product:42:v3",
    'k8s: {"name": "storefront", "image": "registry/shop:1.1.0", "replicas": 3}',
    "db connected host=db.internal port=5432 user=shop pool=20; sshd: user=root from 10.0.0.9",
    "phone-service health ok, 3 replicas, version 3.2.1, Mobile Safari/537.36",
    "git@github.com:shop/storefront.git, com.shop.Order@6d06d69c, node@2.0.0-beta.1",
    "std::vector<int> a; dead::beef; Foo::Bar::baz()",
    "retries (3) 100 200; queue 555-1234; shard 123-45-678; ticket 123.456.7890",
]


@pytest.mark.parametrize("line", DECOYS)
def test_numbers_ids_and_words_of_logs_are_left_alone(line: str) -> None:
    assert R.redact(line) == line


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert card_ok("4111 1111 1111 1111") and not card_ok("1741183745123")  # no issuer 17
    assert not card_ok("4111 1111-1111 1111")  # mixed separators
    assert iban_ok("GB82WEST12345698765432") and not iban_ok("GB82WEST12345698765433")
    assert not iban_ok("XX82WEST12345698765432")  # no such country
    assert ssn_ok("219", "09", "9999")
    assert not any(
        ssn_ok(*p) for p in [("000", "12", "3456"), ("666", "1", "1"), ("900", "12", "3456")]
    )


@pytest.mark.parametrize(
    ("address", "personal"),
    [
        ("203.0.113.42", True),  # documentation range, standing in for a client
        ("81.2.69.142", True),
        ("2001:db8::1", True),
        ("10.0.0.1", False),
        ("172.20.1.1", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("169.254.0.1", False),
        ("100.64.0.1", False),  # carrier NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("256.1.1.1", False),
        ("01.02.03.04", False),
    ],
)
def test_only_addresses_that_can_point_at_a_person_count(address: str, personal: bool) -> None:
    assert ip_personal(address) is personal


def test_a_user_name_in_a_connection_string_is_an_account_not_a_person() -> None:
    line = "jdbc:sqlserver://sql02:1433;user=audit;password=AudIt-2025-pw"
    assert R.redact(line).startswith("jdbc:sqlserver://sql02:1433;user=audit;password=[secret:")


def test_text_whose_lowercase_is_longer_is_still_redacted_in_place() -> None:
    text = "İstanbul office: password=hunter22 user=jdoe84"  # "İ".lower() is two characters
    assert R.redact(text).startswith("İstanbul office: password=[secret:")
    assert "jdoe84" not in R.redact(text)
