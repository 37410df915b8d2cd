"""`logs mine INPUT [--json] [--assignments OUT.csv]` through `mine_command`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bot.logs_cli import mine_command

LOG = [
    '{"ts": "2024-05-01T12:00:00Z", "level": "INFO", "service": "catalog", "msg": "listening"}',
    "2024-05-01T12:00:01Z INFO session opened for user alice by the web console",
    "2024-05-01T12:00:02Z ERROR [storefront] upstream catalog refused: ConnectionRefusedError",
    "",
    "2024-05-01T12:00:03Z INFO session opened for user bob by the web console",
    'ts=2024-05-01T12:00:04Z level=error service=storefront msg="upstream catalog refused: '
    'ConnectionRefusedError"',
]


def _log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text("\n".join(LOG) + "\n", encoding="utf-8")
    return path


def test_assignments_csv_has_one_row_per_line_with_its_final_template(tmp_path: Path) -> None:
    out_csv = tmp_path / "out.csv"
    out = io.StringIO()
    code = mine_command(str(_log(tmp_path)), as_json=False, assignments=str(out_csv), out=out)
    assert code == 0
    with out_csv.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["line", "template_id", "template"]
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, len(LOG) + 1)]
    # line 2 was mined before bob generalised its template: the CSV gives the final one
    assert rows[2][2] == rows[5][2] == "session opened for user <*> by the web console"
    assert rows[2][1] == rows[5][1]
    assert rows[3][1] == rows[6][1]  # the plain and the logfmt error read as one event
    assert rows[4][2] == ""
    assert "suspects:" in out.getvalue() and "storefront" in out.getvalue()


def test_json_output_is_the_mined_summary(tmp_path: Path) -> None:
    out = io.StringIO()
    assert mine_command(str(_log(tmp_path)), as_json=True, assignments=None, out=out) == 0
    data = json.loads(out.getvalue())
    assert data["lines"] == len(LOG)
    assert set(data) == {"lines", "templates", "suspects", "timeline", "counts", "correlations"}
    assert data["suspects"][0]["name"] == "storefront"
    assert data["counts"]["by_level"]["error"] == 2


def test_a_missing_file_is_a_one_line_error_and_exit_code_2(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = mine_command(
        str(tmp_path / "nope.log"), as_json=False, assignments=None, out=out, err=err
    )
    assert code == 2
    assert out.getvalue() == ""
    assert err.getvalue().startswith("error: cannot read")
    assert err.getvalue().count("\n") == 1


def test_an_unwritable_assignments_path_is_exit_code_2(tmp_path: Path) -> None:
    err = io.StringIO()
    code = mine_command(
        str(_log(tmp_path)), as_json=False, assignments=str(tmp_path), out=io.StringIO(), err=err
    )
    assert code == 2
    assert err.getvalue().startswith("error: cannot write")
