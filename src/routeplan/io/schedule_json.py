"""A weekly schedule on disk: schedule.json and each day's plan.json, written and read back.

The contract (issue 15): `{"start": "2026-10-05", "days": [{"date": "2026-10-08", "plan":
"2026-10-08/plan.json", "kpis": {...}}], "unscheduled": [{"visit_id", "reason", "detail",
"detail_en"}], "kpis": {...}}`. A day's `plan` is a path relative to the schedule's folder and
must stay inside it; a day listed without a plan (a skipped holiday) has no routes. Every
problem is reported at once, located by file and JSON pointer; KPIs are not read.

`write_week` writes a `WeekPlan`: every planned day's plan.json and routes.csv in its
`DATE/` folder, the inputs as JSON records in `inputs/` (so a re-plan of the week needs
nothing else), and schedule.json last. schedule.json also carries, beside the contract's keys,
each skipped day's reason, the policy, seed and budget the week was planned with, each day's
spread of work over its team-days, and `past` (a re-planned week's days kept as they were).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.plan import Plan
from routeplan.domain.schedule import Schedule, Spread, Unscheduled, WeekKpis, WeekPlan, WorkSpread
from routeplan.io.atomic import write_atomic
from routeplan.io.day_writers import team_record, visit_record
from routeplan.io.plan_json import PLAN_FILE, kpis_to_dict, plan_from_dict, write_plan

SCHEDULE_FILE = "schedule.json"
INPUTS_DIR = "inputs"
VISITS_FILE = "visits.json"
TEAMS_FILE = "teams.json"
#: A re-planned week's inputs also keep the week's first cases and every outcome so far.
WEEK_VISITS_FILE = "week_visits.json"
OUTCOMES_FILE = "outcomes.json"


# -- writing -------------------------------------------------------------------------------


def spread_to_dict(s: Spread) -> dict[str, float]:
    return {"mean": s.mean, "std": s.std, "min": s.low, "max": s.high}


def work_to_dict(w: WorkSpread) -> dict[str, Any]:
    """Team-days, those used, and the spread of visits and hours over them."""
    return {"team_days": w.team_days, "team_days_used": w.team_days_used,
            "visits_per_team_day": spread_to_dict(w.visits),
            "hours_per_team_day": spread_to_dict(w.hours)}


def week_kpis_to_dict(k: WeekKpis) -> dict[str, Any]:
    """The week's KPI block."""
    return {
        "cases": k.cases,
        "visits_planned": k.visits_planned,
        "unscheduled": k.unscheduled,
        "priority_planned": k.priority_planned,
        "priority_total": k.priority_total,
        "priority_share": round(k.priority_share, 4),
        "must_visits_planned": k.must_visits_planned,
        "must_visits_total": k.must_visits_total,
        "distance_m": k.distance_m,
        "driving_s": k.driving_s,
        "waiting_s": k.waiting_s,
        "service_s": k.service_s,
        "days_planned": k.days_planned,
        "days_skipped": k.days_skipped,
        **work_to_dict(k.work),
        "unscheduled_by_reason": dict(k.unscheduled_by_reason),
        "moved": k.moved,
        "warnings": list(k.warnings),
        "travel_source": k.travel_source,
        "solve_s": k.solve_s,
        "phases": dict(k.phases),
    }


def day_path(day: date) -> str:
    """Where a day's plan lives, relative to the schedule's folder."""
    return f"{day.isoformat()}/{PLAN_FILE}"


def schedule_to_dict(week: WeekPlan, *, past: Sequence[Mapping[str, Any]] = (),
                     extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """schedule.json's content: the contract's keys first, then the week's record."""
    days: list[dict[str, Any]] = []
    for d in week.horizon.dates:
        plan = week.schedule.days.get(d)
        if plan is not None:
            work = week.day_work.get(d, WorkSpread())
            days.append({"date": d.isoformat(), "plan": day_path(d),
                         "kpis": {**kpis_to_dict(plan.kpis), **work_to_dict(work)}})
        elif d in week.skipped:
            zh, en = week.skipped[d]
            days.append({"date": d.isoformat(), "skipped": {"detail": zh, "detail_en": en}})
    first = next((week.schedule.days[d] for d in sorted(week.schedule.days)), None)
    doc: dict[str, Any] = {
        "start": week.horizon.start.isoformat(),
        "days": days,
        "unscheduled": [{"visit_id": u.visit_id, "reason": u.reason, "detail": u.detail,
                         "detail_en": u.detail_en} for u in week.schedule.unscheduled],
        "kpis": week_kpis_to_dict(week.kpis),
        "horizon_days": week.horizon.days,
        "policy": week.policy.to_mapping(),
        "seed": week.seed,
        "time_limit_s": week.time_limit_s,
        "travel": ({mode.value: {k: v for k, v in asdict(src).items() if v not in ("", 0.0)}
                    for mode, src in first.travel.items()} if first is not None else {}),
        "inputs": {"visits": f"{INPUTS_DIR}/{VISITS_FILE}", "teams": f"{INPUTS_DIR}/{TEAMS_FILE}"},
    }
    if past:
        doc["past"] = list(past)
    if extra:
        doc.update(extra)
    return doc


def write_week(week: WeekPlan, folder: Path, *, past: Sequence[Mapping[str, Any]] = (),
               extra: Mapping[str, Any] | None = None) -> list[Path]:
    """Write every day's plan, the inputs and schedule.json (last) into `folder`."""
    written: list[Path] = []
    for d in sorted(week.schedule.days):
        written += write_plan(week.schedule.days[d], folder / d.isoformat())
    inputs = folder / INPUTS_DIR
    written.append(write_atomic(inputs / VISITS_FILE, json.dumps(
        [visit_record(v) for v in week.visits], ensure_ascii=False, indent=1) + "\n"))
    written.append(write_atomic(inputs / TEAMS_FILE, json.dumps(
        [team_record(t) for t in week.teams], ensure_ascii=False, indent=1) + "\n"))
    written.append(write_atomic(folder / SCHEDULE_FILE, json.dumps(
        schedule_to_dict(week, past=past, extra=extra), ensure_ascii=False, indent=2) + "\n"))
    return written


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleDocument:
    """A schedule as read: its start, every day it lists, and the schedule itself."""

    start: date
    listed: tuple[date, ...]
    schedule: Schedule

    @property
    def last_day(self) -> date:
        """The last day the document lists (the start when it lists none)."""
        return max((self.start, *self.listed))


def read_schedule(path: str | Path) -> ScheduleDocument:
    """The schedule in `path` and the day plans it names; raise InvalidInput naming each problem."""
    p = Path(path)
    data = _load_json(p, p.name)
    return schedule_from_dict(data, folder=p.parent, source=p.name)


def schedule_from_dict(data: object, *, folder: Path, source: str = SCHEDULE_FILE
                       ) -> ScheduleDocument:
    """A schedule document, reading each day's plan from `folder`."""
    problems: list[InputProblem] = []

    def bad(pointer: str, message: str) -> None:
        problems.append(InputProblem(f"{source}#{pointer}", message))

    if not isinstance(data, dict):
        raise InvalidInput.many([InputProblem(f"{source}#/", f"expected an object, got "
                                              f"{_kind(data)}")])
    start = _date(data.get("start"), "/start", bad)
    listed: list[date] = []
    plans: dict[date, Plan] = {}
    where: dict[date, str] = {}
    for i, item in enumerate(_array(data, "days", bad)):
        at = f"/days/{i}"
        if not isinstance(item, dict):
            bad(at, f"expected an object, got {_kind(item)}")
            continue
        day = _date(item.get("date"), f"{at}/date", bad)
        if day is None:
            continue
        if day in where:
            bad(f"{at}/date", f"{day} is listed twice (also at {where[day]})")
            continue
        where[day] = at
        listed.append(day)
        ref = item.get("plan")
        if ref is None:
            continue
        if not isinstance(ref, str) or not ref.strip():
            bad(f"{at}/plan", f"expected a relative path, got {_kind(ref)}")
            continue
        plan = _day_plan(folder, ref, f"{at}/plan", bad, problems)
        if plan is not None:
            plans[day] = plan
    unscheduled = []
    for i, item in enumerate(_array(data, "unscheduled", bad)):
        u = _unscheduled(item, f"/unscheduled/{i}", bad)
        if u is not None:
            unscheduled.append(u)
    if problems or start is None:
        raise InvalidInput.many(problems)
    return ScheduleDocument(start, tuple(listed), Schedule(plans, tuple(unscheduled)))


# -- parts ----------------------------------------------------------------------------------


#: Records one problem: (JSON pointer, message).
type _Bad = Callable[[str, str], None]


def _load_json(path: Path, name: str) -> object:
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a folder, not a JSON file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{name}: the file is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name}:{exc.lineno}: not valid JSON ({exc.msg})") from None


def _day_plan(folder: Path, ref: str, at: str, bad: _Bad,
              problems: list[InputProblem]) -> Plan | None:
    """The plan at `ref` under `folder`; a path leaving the folder is refused."""
    base = folder.resolve()
    target = (base / ref).resolve()
    if Path(ref).is_absolute() or not target.is_relative_to(base):
        bad(at, f"{ref!r} is not a path inside the schedule's folder")
        return None
    name = target.relative_to(base).as_posix()
    try:
        return plan_from_dict(_load_json(target, name), source=name)
    except InvalidInput as exc:
        problems.extend(exc.problems)
        return None


def _unscheduled(item: object, at: str, bad: _Bad) -> Unscheduled | None:
    if not isinstance(item, dict):
        bad(at, f"expected an object, got {_kind(item)}")
        return None
    values: dict[str, str] = {}
    for key, required in (("visit_id", True), ("reason", True), ("detail", False),
                          ("detail_en", False)):
        value = item.get(key)
        if value is None and not required:
            value = ""
        if not isinstance(value, str) or (required and not value.strip()):
            bad(f"{at}/{key}", "required, but missing" if value is None
                else f"expected a string, got {_kind(value)}")
            continue
        values[key] = value
    if len(values) < 4:
        return None
    return Unscheduled(values["visit_id"], values["reason"], values["detail"],
                       values["detail_en"])


def _array(obj: Mapping[str, Any], key: str, bad: _Bad) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        bad(f"/{key}", f"expected an array, got {_kind(value)}")
        return []
    return value


def _date(value: object, at: str, bad: _Bad) -> date | None:
    if not isinstance(value, str):
        bad(at, "required, but missing" if value is None
            else f"expected a date as YYYY-MM-DD, got {_kind(value)}")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        bad(at, f"{value!r} is not a date as YYYY-MM-DD")
        return None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    return "an array" if isinstance(value, list) else type(value).__name__
