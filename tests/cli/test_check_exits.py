"""`routeplan check` exit codes: 0 lawful, 1 violations (a visit listed twice too), 2 unreadable."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import run


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A synthetic day's folder with its plan.json (read back as a document)."""
    out = tmp_path_factory.mktemp("check")
    done = run("synth", "--prefecture", "郑州市", "--visits", "30", "--teams", "3",
               "--seed", "4", "--out", out)
    assert done.returncode == 0, done.stderr
    done = run("plan", "--visits", out / "visits.csv", "--teams", out / "teams.csv",
               "--date", "2026-12-01", "--out", out / "plan", "--time-limit", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    doc = json.loads((out / "plan" / "plan.json").read_text(encoding="utf-8"))
    assert sum(1 for r in doc["routes"] if r["stops"]) >= 2, "two routes with stops"
    return out, doc


def _check(folder: Path, doc: dict[str, Any] | None = None, *extra: str | Path) -> Any:
    plan = folder / "plan" / "plan.json"
    if doc is not None:
        plan = folder / "edited.json"
        plan.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    done = run("check", "--visits", folder / "visits.csv", "--teams", folder / "teams.csv",
               "--plan", plan, *extra)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_the_written_plan_is_clean(planned: tuple[Path, dict[str, Any]]) -> None:
    done = _check(planned[0])
    assert done.returncode == 0, done.stdout + done.stderr


def _routes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in doc["routes"] if r["stops"]]


@pytest.mark.parametrize("where", ["another route", "the same route", "unassigned"])
def test_a_visit_listed_twice_is_a_violation(planned: tuple[Path, dict[str, Any]],
                                             where: str) -> None:
    """Exit 1 naming the visit, as the checker's accounting rule words it, not exit 2."""
    folder, doc = planned
    doc = copy.deepcopy(doc)
    first, second = _routes(doc)[:2]
    stop = copy.deepcopy(first["stops"][0])
    if where == "another route":
        second["stops"].append(stop)
    elif where == "the same route":
        first["stops"].append(stop)
    else:
        doc["unassigned"].append({"visit_id": stop["visit_id"], "reason": "over_capacity",
                                  "detail": "运力不足", "detail_en": "no capacity left"})
    done = _check(folder, doc)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"visit {stop['visit_id']}: accounting: appears 2 times in the plan" in done.stdout


def test_a_rule_broken_and_a_visit_twice_are_both_reported(
        planned: tuple[Path, dict[str, Any]]) -> None:
    folder, doc = planned
    doc = copy.deepcopy(doc)
    first, second = _routes(doc)[:2]
    second["stops"].append(copy.deepcopy(first["stops"][0]))
    first["members"] = first["members"][:1]  # rule 3: one collector alone
    done = _check(folder, doc)
    assert done.returncode == 1
    assert "appears 2 times" in done.stdout and "rule 3" in done.stdout


@pytest.mark.parametrize("case", ["plan not JSON", "plan missing", "policy is a folder",
                                  "visits name too long", "plan date broken"])
def test_unreadable_input_exits_2(planned: tuple[Path, dict[str, Any]], case: str,
                                  tmp_path: Path) -> None:
    folder, doc = planned
    if case == "plan not JSON":
        bad = tmp_path / "plan.json"
        bad.write_text("{not json", encoding="utf-8")
        done = run("check", "--visits", folder / "visits.csv", "--teams",
                   folder / "teams.csv", "--plan", bad)
    elif case == "plan missing":
        done = run("check", "--visits", folder / "visits.csv", "--teams",
                   folder / "teams.csv", "--plan", tmp_path / "nothing.json")
    elif case == "policy is a folder":
        done = _check(folder, None, "--policy", tmp_path)
    elif case == "visits name too long":
        done = run("check", "--visits", tmp_path / ("v" * 300 + ".csv"), "--teams",
                   folder / "teams.csv", "--plan", folder / "plan" / "plan.json")
    else:
        done = _check(folder, {**doc, "date": "2026-13-01"})
    assert done.returncode == 2, (case, done.stdout, done.stderr)
    assert done.stderr.startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
