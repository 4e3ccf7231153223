"""Malformed and oversized inputs on the command line: exit 2, one located line, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routeplan.cli.staging import staged
from tests.cli.test_cli import run
from tests.io.bombs import sheet_bomb


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("day")
    done = run("synth", "--prefecture", "郑州市", "--visits", "12", "--teams", "2",
               "--seed", "4", "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def _visits(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _rows(n: int) -> str:
    return "visit_id,borrower_id,lat,lon\n" + "".join(
        f"V{i},B{i},34.7,113.6\n" for i in range(1, n + 1))


CASES = {
    "blank": ("visits.csv", ",,,\n,,\n",
              "error: visits.csv: every row of the file is blank; expected a header row "
              "(visit_id, borrower_id) and one row per record"),
    "long cell": ("visits.csv", f"visit_id,borrower_id,address\nV1,B1,{'x' * 140_000}\n",
                  "error: visits.csv:2:address: a cell of more than 131,072 characters; a cell "
                  "may hold at most 2,000"),
    "nested json": ("visits.json", "[" * 100_000 + "]" * 100_000,
                    "error: visits.json:1: JSON nested deeper than 32 levels (the limit)"),
    "200k rows": ("visits.csv", _rows(200_000),
                  "error: visits.csv:20002: more than 20,000 rows; limits.max_rows allows at "
                  "most 20,000 (split the day, or raise limits.max_rows in the policy)"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_plan_refuses_with_one_line_and_writes_nothing(day: Path, tmp_path: Path,
                                                        case: str) -> None:
    """Each of these once ended in exit 1 and a traceback."""
    name, data, line = CASES[case]
    visits = _visits(tmp_path, name, data)
    out = tmp_path / "out"
    done = run("plan", "--visits", visits, "--teams", day / "teams.csv", "--date", "2026-12-01",
               "--out", out, "--quiet")
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [line]
    assert not out.exists()


def test_plan_refuses_a_sheet_bomb(day: Path, tmp_path: Path) -> None:
    bomb = sheet_bomb(tmp_path / "visits.xlsx", inflated=300_000_000)
    done = run("plan", "--visits", bomb, "--teams", day / "teams.csv", "--date", "2026-12-01",
               "--out", tmp_path / "out", "--quiet")
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: visits.xlsx[xl/worksheets/sheet1.xml]: inflates to 300,")
    assert "a sheet may inflate to at most 57,737,216 bytes" in line


def test_check_and_replan_refuse_a_deeply_nested_plan(day: Path, tmp_path: Path) -> None:
    """check once exited 1 with a RecursionError: unreadable input is exit 2."""
    plan = tmp_path / "plan.json"
    plan.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    for args in (("check",), ("replan", "--now", "12:00", "--out", tmp_path / "out")):
        done = run(*args, "--visits", day / "visits.csv", "--teams", day / "teams.csv",
                   "--plan", plan)
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines() == [
            f"error: {plan}:1: JSON nested deeper than 32 levels (the limit)"]
    assert not (tmp_path / "out").exists()


def test_a_deeply_nested_policy_is_input(day: Path, tmp_path: Path) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text("x = " + "[" * 5000 + "1" + "]" * 5000 + "\n", encoding="utf-8")
    done = run("plan", "--visits", day / "visits.csv", "--teams", day / "teams.csv",
               "--date", "2026-12-01", "--out", tmp_path / "out", "--policy", policy)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: {policy}: not a valid TOML policy (nested too "
                                        "deeply)"]


def test_a_smaller_row_limit_in_the_policy_is_followed(day: Path, tmp_path: Path) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text("[limits]\nmax_rows = 5\n", encoding="utf-8")
    done = run("plan", "--visits", day / "visits.csv", "--teams", day / "teams.csv",
               "--date", "2026-12-01", "--out", tmp_path / "out", "--policy", policy)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: visits.csv:7: more than 5 rows; limits.max_rows allows at most 5 (split the "
        "day, or raise limits.max_rows in the policy)"]


def test_a_plan_is_written_whole_and_leaves_no_staging(day: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("old", encoding="utf-8")
    done = run("plan", "--visits", day / "visits.csv", "--teams", day / "teams.csv",
               "--date", "2026-12-01", "--out", out, "--time-limit", "1")
    assert done.returncode == 0, done.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert {r["team_id"] for r in plan["routes"]} == {"T001", "T002"}
    assert (out / "routes.csv").is_file() and (out / "overview.html").is_file()
    assert f"wrote {out / 'plan.json'}" in done.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_an_output_that_cannot_be_written_is_one_line(day: Path, tmp_path: Path) -> None:
    """--out naming a file: exit 3, the path and the reason, no traceback, nothing left."""
    out = tmp_path / "out"
    out.write_text("a file, not a folder", encoding="utf-8")
    done = run("plan", "--visits", day / "visits.csv", "--teams", day / "teams.csv",
               "--date", "2026-12-01", "--out", out, "--time-limit", "1", "--quiet")
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {out}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert out.read_text(encoding="utf-8") == "a file, not a folder"


def test_staging_writes_nothing_when_rendering_fails(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("old plan", encoding="utf-8")
    (out / "routes.csv").write_text("old routes", encoding="utf-8")

    def render() -> None:
        with staged(out) as stage:
            (stage.folder / "routes.csv").write_text("new routes", encoding="utf-8")
            raise RuntimeError("a page failed to render")

    with pytest.raises(RuntimeError):
        render()
    assert (out / "plan.json").read_text(encoding="utf-8") == "old plan"
    assert (out / "routes.csv").read_text(encoding="utf-8") == "old routes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_staging_moves_every_file_and_the_marker_last(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    with staged(out) as stage:
        assert not out.exists()  # nothing at --out while rendering
        files = []
        for name in ("plan.json", "assets/app.js", "routes.csv"):
            path = stage.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(name, encoding="utf-8")
            files.append(path)
        written = stage.publish(files, last="plan.json")
    assert written == [out / "plan.json", out / "assets/app.js", out / "routes.csv"]
    assert all(p.read_text(encoding="utf-8") == str(p.relative_to(out)) for p in written)
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["out"]
