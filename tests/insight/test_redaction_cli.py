"""`preprod redact [FILE]`: the text redacted and not one other byte changed, in bounded memory."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot import redact_cli
from bot.redact_cli import blocks, redact_command

PLACEHOLDER = re.compile(rb"\[[a-z][a-z-]*:[0-9a-f]{6}\]")
KEY_BODY = b"MIIEowIBAAKCAQEAx3q1Lm0pK9sT2vW8yZ4nR6bF1cD7eH5jA0gU3iO9kXwYtQ2z"
PEM = (
    b"-----BEGIN RSA PRIVATE KEY-----\n"
    + b"\n".join([KEY_BODY] * 6)
    + b"\n-----END RSA PRIVATE KEY-----"
)
# Line endings of three kinds, trailing blanks, bytes that are not UTF-8, no newline at the end.
CLEAN = b"one\r\ntwo  \t\r\nthree\rfour \xff\xfe\x00 five\n\nsix\xe2\x82 seven   "
SECRETS = [b"hunter22", b"jane.doe@example.com", b"4111 1111 1111 1111", b"203.0.113.42"]
DIRTY = (
    b"start \xff\r\npassword=hunter22   \r\n\tmail jane.doe@example.com\xfe\n"
    + PEM
    + b"\r\ncard 4111 1111 1111 1111 from 203.0.113.42 again jane.doe@example.com"
)


def run_file(path: Path) -> tuple[int, bytes]:
    out = io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8")
    code = redact_command(str(path), stdin=io.StringIO(), stdout=stdout)
    stdout.flush()
    return code, out.getvalue()


def run_stdin(data: bytes) -> tuple[int, bytes]:
    out = io.BytesIO()
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    stdout = io.TextIOWrapper(out, encoding="utf-8")
    code = redact_command(None, stdin=stdin, stdout=stdout)
    stdout.flush()
    return code, out.getvalue()


def test_text_with_nothing_sensitive_comes_out_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "clean.log"
    path.write_bytes(CLEAN)
    assert run_file(path) == (0, CLEAN)


def test_only_the_sensitive_values_change(tmp_path: Path) -> None:
    path = tmp_path / "dirty.log"
    path.write_bytes(DIRTY)
    code, out = run_file(path)
    expected = DIRTY.replace(PEM, b"<X>")
    for secret in SECRETS:
        expected = expected.replace(secret, b"<X>")
    assert code == 0
    assert PLACEHOLDER.sub(b"<X>", out) == expected


def test_standard_input_is_read_when_no_file_is_given() -> None:
    code, out = run_stdin(DIRTY)
    assert code == 0
    assert b"hunter22" not in out and KEY_BODY not in out
    assert out.startswith(b"start \xff\r\npassword=[secret:")


def test_the_same_value_gets_the_same_placeholder_across_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redact_cli, "BLOCK_CHARS", 16)
    path = tmp_path / "many.log"
    path.write_bytes(b"".join(b"line %d from jane.doe@example.com\n" % i for i in range(50)))
    _, out = run_file(path)
    assert len(set(PLACEHOLDER.findall(out))) == 1
    assert out.count(b"[email:") == 50


def test_a_private_key_is_redacted_whole_even_across_block_borders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redact_cli, "BLOCK_CHARS", 32)  # smaller than one line of the key
    path = tmp_path / "key.pem"
    path.write_bytes(b"before\n" + PEM + b"\nafter\n")
    _, out = run_file(path)
    assert PLACEHOLDER.sub(b"<X>", out) == b"before\n<X>\nafter\n"


def test_blocks_are_whole_lines_of_bounded_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redact_cli, "BLOCK_CHARS", 1000)
    text = "".join(f"{i:05d} some log line\n" for i in range(2000))
    parts = list(blocks(io.StringIO(text)))
    assert "".join(parts) == text
    assert all(p.endswith("\n") for p in parts)
    assert max(len(p) for p in parts) < 1000 + 30


def test_a_missing_file_is_one_line_of_error_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    code = redact_command(str(tmp_path / "nope.log"), stdin=io.StringIO(), stdout=out)
    err = capsys.readouterr().err
    assert code == 2 and out.getvalue() == ""
    assert err.count("\n") == 1 and "nope.log" in err and "No such file" in err


def test_a_directory_is_an_error_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert redact_command(str(tmp_path), stdin=io.StringIO(), stdout=io.StringIO()) == 2
    assert capsys.readouterr().err.startswith("preprod redact: cannot read")


def test_text_streams_without_a_byte_layer() -> None:
    out = io.StringIO()
    assert redact_command(None, stdin=io.StringIO("token=abc123xyz\n"), stdout=out) == 0
    assert re.fullmatch(r"token=\[secret:[0-9a-f]{6}\]\n", out.getvalue())
