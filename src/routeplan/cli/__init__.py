"""The `routeplan` command line: plan and re-check days, audit field reports, manage policies."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routeplan.config import RuntimeConfig
from routeplan.domain.errors import (
    ComplianceViolation,
    InputProblem,
    InvalidInput,
    RoutePlanError,
    RoutingError,
)

if TYPE_CHECKING:
    from collections import Counter

    from routeplan.domain.plan import Plan
    from routeplan.domain.policy import Policy
    from routeplan.domain.problem import Problem
    from routeplan.domain.schedule import WeekPlan
    from routeplan.domain.team import Team
    from routeplan.domain.visit import Visit
    from routeplan.rules.audit import AuditResult
    from routeplan.solver.solve import Progress as SolveProgress

EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID, EXIT_FAILED = 0, 1, 2, 3


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `routeplan` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    # The one runtime configuration: the environment, read here once, then the flags.
    args.config = RuntimeConfig.from_env(os.environ).with_flags(
        roads_dir=getattr(args, "roads", None))
    try:
        return handler(args)
    except InvalidInput as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    except ComplianceViolation as exc:  # a bug: never write or show such a plan
        print("internal error: the plan broke a rule and was not written:", file=sys.stderr)
        for line in exc.violations:
            print(f"  {line}", file=sys.stderr)
        return EXIT_FAILED
    except RoutingError as exc:
        print(f"error: travel times: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except RoutePlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # writing the output (reading is checked by the readers)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or type(exc).__name__}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="routeplan", description="Lawful field-visit routes for Henan.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("plan", help="plan a day from visits and teams files")
    p.add_argument("--visits", type=Path, required=True, help="visits .csv or .xlsx")
    p.add_argument("--teams", type=Path, required=True, help="teams .csv or .xlsx")
    p.add_argument("--date", required=True, type=_iso_date, help="the day to plan, YYYY-MM-DD")
    p.add_argument("--out", type=Path, required=True, help="folder for plan.json and routes")
    _solve_options(p)
    p.add_argument("--roads", type=Path,
                   help="road graph folder built by 'routeplan roads build' "
                        "(default: $ROUTEPLAN_ROADS; $ROUTEPLAN_OSRM_URL for an OSRM server)")
    p.set_defaults(handler=_cmd_plan)

    rd = sub.add_parser("roads", help="road networks for travel times (OSRM)")
    rd_sub = rd.add_subparsers(dest="roads_command", required=True, metavar="ACTION")
    rb = rd_sub.add_parser("build", help="prepare OSRM graphs (MLD) from an OSM extract")
    rb.add_argument("file", type=Path, help="an OSM extract (.osm, .osm.pbf)")
    rb.add_argument("--out", type=Path, required=True, help="folder for the graphs")
    rb.add_argument("--profile", action="append", choices=("car", "bicycle", "foot"),
                    help="profile to build, repeatable (default car)")
    rb.set_defaults(handler=_cmd_roads_build)

    d = sub.add_parser("demo", help="plan a synthetic day and print its summary")
    d.add_argument("--prefecture", default="410100", help="name or adcode (default 郑州市)")
    d.add_argument("--visits", type=int, default=120, help="number of visits (default 120)")
    d.add_argument("--teams", type=int, default=8, help="number of teams (default 8)")
    d.add_argument("--date", type=_iso_date, default=date(2026, 12, 1))
    d.add_argument("--out", type=Path, default=Path("out/demo"), help="default out/demo")
    _solve_options(d, default_time_limit=10.0)
    d.set_defaults(handler=_cmd_demo)

    sy = sub.add_parser("synth", help="write a synthetic day's visits.csv and teams.csv")
    sy.add_argument("--prefecture", action="append",
                    help="name or adcode; repeat for several (default: all of Henan)")
    sy.add_argument("--visits", type=int, default=300)
    sy.add_argument("--teams", type=int, default=20)
    sy.add_argument("--seed", type=int, default=0)
    sy.add_argument("--date", type=_iso_date, default=date(2026, 12, 1))
    sy.add_argument("--out", type=Path, required=True)
    sy.set_defaults(handler=_cmd_synth)

    c = sub.add_parser("check", help="re-run the compliance checker on a written plan or "
                                     "weekly schedule")
    c.add_argument("--visits", type=Path, required=True)
    c.add_argument("--teams", type=Path, required=True)
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--plan", type=Path, help="plan.json written by 'plan'")
    what.add_argument("--schedule", type=Path, help="schedule.json written by 'week'")
    c.add_argument("--policy", type=Path,
                   help="policy TOML (default: the one in plan.json, or in the first day plan)")
    c.add_argument("--days", type=_positive_int,
                   help="with --schedule: days in the horizon (default: to the last day listed)")
    c.add_argument("--roads", type=Path,
                   help="a folder holding the road graphs the plan or schedule was made on "
                        "(default: $ROUTEPLAN_ROADS); a plan records which graph it needs")
    c.set_defaults(handler=_cmd_check)

    _register_week_command(sub)

    pol = sub.add_parser("policy", help="policy profiles")
    pol_sub = pol.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    init = pol_sub.add_parser("init", help="write the default profile, every key documented")
    init.add_argument("file", type=Path)
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=_cmd_policy_init)
    _register_analyst_commands(sub)
    _register_service_commands(sub)
    return parser


def _register_week_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`week`: plan several days at once, or re-plan the rest of a planned week."""
    wk = sub.add_parser(
        "week", help="plan several days at once under the rules across days (frequency, "
                     "holidays, appointments, weekdays, team days); or re-plan the rest of one",
        description="Plan a week: routeplan week --visits V --teams T --start D --days N "
                    "--out DIR. Re-plan the rest of it from what happened: routeplan week "
                    "--replan DIR --outcomes F --today D [--out DIR2].")
    wk.add_argument("--visits", type=Path, help="visits .csv, .xlsx or .json")
    wk.add_argument("--teams", type=Path, help="teams .csv, .xlsx or .json")
    wk.add_argument("--start", type=_iso_date, help="the first day, YYYY-MM-DD")
    wk.add_argument("--days", type=_positive_int, help="how many days, from --start")
    wk.add_argument("--out", type=Path, help="folder for schedule.json and a folder per day "
                                             "(with --replan: default the schedule's own)")
    wk.add_argument("--replan", type=Path, metavar="DIR",
                    help="re-plan the week in DIR (its schedule.json) from --today on")
    wk.add_argument("--outcomes", type=Path, help="with --replan: field outcomes (.json); a "
                    "rescheduled one may carry new_date and new_window_start/new_window_end")
    wk.add_argument("--today", type=_iso_date, help="with --replan: the first day to re-plan; "
                    "the days before it are kept as they were")
    wk.add_argument("--policy", type=Path, help="policy profile (TOML; with --replan: default "
                                                "the schedule's own)")
    wk.add_argument("--time-limit", type=_positive_float,
                    help="seconds for the whole run (default: the policy's week.time_limit_s)")
    wk.add_argument("--seed", type=int, default=None, help="seed of every search (default 0, "
                    "with --replan the schedule's)")
    wk.add_argument("--roads", type=Path,
                    help="road graph folder (default: $ROUTEPLAN_ROADS; $ROUTEPLAN_OSRM_URL)")
    wk.add_argument("--quiet", action="store_true", help="no progress display or summary")
    wk.set_defaults(handler=_cmd_week)


def _register_analyst_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`compare` (what-if), `replan` (rest of the day), `audit` (field reports vs the rules)."""
    cmp = sub.add_parser("compare", help="solve one day under several policies or rosters")
    cmp.add_argument("--visits", type=Path, required=True, help="visits .csv or .xlsx")
    cmp.add_argument("--teams", type=Path, required=True, action="append",
                     help="teams file; give it again to compare rosters")
    cmp.add_argument("--date", type=_iso_date, help="the day, YYYY-MM-DD (or --start and "
                                                    "--days: compare weeks)")
    cmp.add_argument("--start", type=_iso_date, help="compare weeks: the first day")
    cmp.add_argument("--days", type=_positive_int, help="compare weeks: how many days")
    cmp.add_argument("--policy", type=Path, action="append", default=[],
                     help="policy TOML; give it once per profile (default: the default policy)")
    cmp.add_argument("--time-limit", type=_positive_float,
                     help="solver seconds per scenario (default: the first policy's)")
    cmp.add_argument("--solution-limit", type=_positive_int,
                     help="stop each search after this many solutions (repeatable runs)")
    cmp.add_argument("--seed", type=int, default=0)
    cmp.add_argument("--out", type=Path, help="folder for comparison.csv/.json, charts, report")
    cmp.add_argument("--roads", type=Path,
                     help="road graph folder (default: $ROUTEPLAN_ROADS; $ROUTEPLAN_OSRM_URL)")
    cmp.add_argument("--quiet", action="store_true", help="no progress or table")
    cmp.set_defaults(handler=_cmd_compare)

    rp = sub.add_parser("replan", help="re-plan the rest of the day from what happened so far")
    rp.add_argument("--visits", type=Path, required=True)
    rp.add_argument("--teams", type=Path, required=True)
    rp.add_argument("--plan", type=Path, required=True, help="the plan.json in force")
    rp.add_argument("--now", required=True, help="local time HH:MM")
    rp.add_argument("--done", action="append", default=[], help="visit ids, comma-separated")
    rp.add_argument("--cancelled", action="append", default=[], help="visit ids")
    rp.add_argument("--positions", type=Path, help="team positions (.json or .csv)")
    rp.add_argument("--dropped-teams", action="append", default=[], help="team ids")
    rp.add_argument("--locked-teams", action="append", default=[], help="team ids")
    rp.add_argument("--available-from", action="append", default=[], metavar="TEAM=HH:MM",
                    help="a late team and when it can go on (comma-separated pairs)")
    rp.add_argument("--rescheduled", action="append", default=[], metavar="VISIT=HH:MM",
                    help="a visit and the new start agreed with the borrower for later today")
    rp.add_argument("--outcomes", type=Path, help="field outcomes (.json)")
    rp.add_argument("--policy", type=Path, help="policy TOML (default: the plan's)")
    rp.add_argument("--time-limit", type=_positive_float, help="solver seconds")
    rp.add_argument("--solution-limit", type=_positive_int)
    rp.add_argument("--seed", type=int, default=0)
    rp.add_argument("--out", type=Path, required=True, help="folder for plan.json, changes.json")
    rp.add_argument("--roads", type=Path,
                    help="a folder holding the road graphs the plan was made on "
                         "(default: $ROUTEPLAN_ROADS)")
    rp.add_argument("--quiet", action="store_true")
    rp.set_defaults(handler=_cmd_replan)

    au = sub.add_parser("audit", help="check field reports against the rules (exit 1: findings)")
    au.add_argument("--plan", type=Path, required=True,
                    help="the plan's folder (its plan.json) or the plan.json itself")
    au.add_argument("--events", type=Path, required=True,
                    help="field reports (.json) with positions and members present")
    au.add_argument("--visits", type=Path,
                    help="the day's visits file: its out-of-hours consent windows (without "
                         "it, every report outside 08:00-22:00 is a finding)")
    au.add_argument("--policy", type=Path, help="policy TOML (default: the plan's)")
    au.add_argument("--out", type=Path, help="write the findings and summary as JSON")
    au.add_argument("--xlsx", type=Path, help="write the findings as an Excel sheet")
    au.add_argument("--quiet", action="store_true", help="no table")
    au.set_defaults(handler=_cmd_audit)


def _register_service_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `serve`, `worker` and `keys` when the service is installed (lazy: no web imports)."""
    try:
        from routeplan_api.cli import register
    except ImportError:
        return
    register(sub)


def _solve_options(p: argparse.ArgumentParser, default_time_limit: float | None = None) -> None:
    p.add_argument("--policy", type=Path, help="policy profile (TOML)")
    p.add_argument("--time-limit", type=_positive_float, default=default_time_limit,
                   help="solver seconds (default: the policy's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress display or summary")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 3600 seconds")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not at least 1")
    return value


# -- commands ------------------------------------------------------------------------------


def _load_policy(path: Path | None) -> Policy:
    from routeplan.domain.policy import Policy
    from routeplan.io.limits import MAX_FILE_BYTES

    if path is None:
        return Policy()
    if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"{path}: a policy file may be at most {MAX_FILE_BYTES:,} bytes")
    try:
        return Policy.from_toml(path)
    except RecursionError:  # tomllib descends into nested arrays by recursion
        raise InvalidInput(f"{path}: not a valid TOML policy (nested too deeply)") from None


def _cmd_plan(args: argparse.Namespace) -> int:
    from routeplan.workflows.runtime import build_day, travel_of

    policy = _load_policy(args.policy)
    visits, teams = _read_day(args.visits, args.teams, policy)
    cfg: RuntimeConfig = args.config
    problem = build_day(args.date, visits, teams, policy, cfg,
                        travel=travel_of(cfg, policy, args.roads))
    return _solve_and_write(problem, args)


def _cmd_week(args: argparse.Namespace) -> int:
    """Plan the week, check it, write schedule.json, the day plans and their pages."""
    if args.replan is not None:
        return _cmd_week_replan(args)
    from functools import partial

    from routeplan.domain.schedule import Horizon
    from routeplan.workflows.build import default_locator
    from routeplan.workflows.runtime import build_day, calendar_of, travel_of
    from routeplan.workflows.week import WeekOptions, plan_week

    missing = [f"--{name}" for name in ("visits", "teams", "start", "days", "out")
               if getattr(args, name) is None]
    stray = [f"--{name}" for name in ("outcomes", "today") if getattr(args, name) is not None]
    if missing or stray:
        raise InvalidInput.many(
            [InputProblem(m, "required to plan a week (or give --replan DIR)") for m in missing]
            + [InputProblem(m, "only with --replan DIR") for m in stray])
    policy = _load_policy(args.policy)
    visits, teams = _read_day(args.visits, args.teams, policy)
    cfg: RuntimeConfig = args.config
    horizon = Horizon(args.start, args.days)
    calendar = calendar_of(cfg)
    locator = default_locator()
    build = partial(build_day, config=cfg, travel=travel_of(cfg, policy, args.roads),
                    locator=locator, calendar=calendar)
    options = WeekOptions(time_limit_s=args.time_limit, seed=args.seed or 0)
    with _week_progress(args, options.time_limit_s or policy.week_time_limit_s) as report:
        week = plan_week(visits, teams, policy, horizon, build=build, locator=locator,
                         calendar=calendar, options=options, progress=report)
    return _write_week(week, args.out, args)


def _week_progress(args: argparse.Namespace, limit: float) -> Any:
    """A context giving the progress callback: a spinner, or nothing with --quiet."""
    import contextlib

    if args.quiet:
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def shown() -> Iterator[Callable[[SolveProgress], None]]:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      transient=True) as bar:
            task = bar.add_task(f"planning the week (limit {limit:g} s)", total=None)

            def report(p: SolveProgress) -> None:
                bar.update(task, description=f"planning the week (limit {limit:g} s): "
                           f"{p.solutions} day solve(s) reporting, {p.planned or 0:,} visits "
                           "planned")

            yield report

    return shown()


def _write_week(week: WeekPlan, out: Path, args: argparse.Namespace, *,
                past: Sequence[Mapping[str, Any]] = (),
                extra: Mapping[str, Any] | None = None,
                keep_from: tuple[Path, tuple[date, ...]] | None = None,
                more: Mapping[str, str] | None = None) -> int:
    """Render everything beside `out`, then move it in, schedule.json last.

    `keep_from` (a re-plan): the folder of the week re-planned and its days kept, copied as
    they were. Re-planning into that same folder removes what the re-planned days' folders
    held before and no longer do (pages of teams without a route now).
    """
    import shutil

    from routeplan.cli.staging import staged
    from routeplan.io.atomic import write_atomic
    from routeplan.io.schedule_json import SCHEDULE_FILE, write_week
    from routeplan.maps import write_maps

    by_id = {v.visit_id: v for v in week.visits}
    same = keep_from is not None and keep_from[0].resolve() == out.resolve()
    with staged(out) as stage:  # every file rendered before any is moved into --out
        files = write_week(week, stage.folder, past=past, extra=extra)
        files += [write_atomic(stage.folder / name, text) for name, text in (more or {}).items()]
        for day, plan in sorted(week.schedule.days.items()):
            mine = [by_id[vid] for vid in plan.visit_ids() if vid in by_id]
            files += write_maps(plan, stage.folder / day.isoformat(), visits=mine)
        if keep_from is not None and not same:
            for day in keep_from[1]:
                kept = keep_from[0] / day.isoformat()
                if kept.is_dir():
                    shutil.copytree(kept, stage.folder / day.isoformat(), symlinks=False)
                    files += [p for p in (stage.folder / day.isoformat()).rglob("*")
                              if p.is_file()]
        written = stage.publish(files, last=SCHEDULE_FILE)
    if same:
        now = set(written)
        for day in week.horizon.dates:
            for stale in sorted((out / day.isoformat()).rglob("*"), reverse=True):
                if stale.is_file() and stale not in now:
                    stale.unlink()
    if not args.quiet:
        _print_week(week)
        print(f"wrote {out / SCHEDULE_FILE} and {len(week.schedule.days)} day folder(s), "
              f"{len(written)} files in {out}")
    return EXIT_OK


def _print_week(week: WeekPlan) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"week from {week.horizon.start} ({week.horizon.days} days)")
    for col in ("day", "visits", "teams", "km", "driving h", "visits/team-day", "note"):
        table.add_column(col, justify="left" if col in ("day", "note") else "right")
    for day in week.horizon.dates:
        plan = week.schedule.days.get(day)
        if plan is None:
            note = week.skipped.get(day, ("", ""))[1]
            table.add_row(day.isoformat(), "-", "-", "-", "-", "-", f"skipped: {note}")
            continue
        dk, spread = plan.kpis, week.day_work[day].visits
        table.add_row(day.isoformat(), str(dk.visits_planned), str(dk.teams_used),
                      f"{dk.distance_m / 1000:.1f}", f"{dk.driving_s / 3600:.1f}",
                      f"{spread.mean:.1f} ({spread.low:g}-{spread.high:g})", "")
    console.print(table)
    k = week.kpis
    console.print(
        f"planned {k.visits_planned} of {k.cases} cases; priority {k.priority_planned}/"
        f"{k.priority_total} ({k.priority_share:.1%}); must-visits {k.must_visits_planned}/"
        f"{k.must_visits_total}; {k.distance_m / 1000:.1f} km; visits per team-day "
        f"{k.work.visits.mean:.1f} ± {k.work.visits.std:.1f}; {k.moved} moved to another day; "
        f"{k.solve_s:.1f} s", markup=False, highlight=False)
    if k.unscheduled_by_reason:
        console.print("unscheduled by reason: " + ", ".join(
            f"{r} {n}" for r, n in k.unscheduled_by_reason.items()), markup=False)
    for warning in k.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False)


def _cmd_week_replan(args: argparse.Namespace) -> int:
    """Keep the days before --today, re-plan the rest of the week from the outcomes."""
    from dataclasses import replace
    from functools import partial

    from routeplan.domain.policy import Policy
    from routeplan.io.day_writers import visit_record
    from routeplan.io.field_reports import outcomes_from_records
    from routeplan.io.reschedules import reschedules_from_records
    from routeplan.io.schedule_json import (
        INPUTS_DIR,
        OUTCOMES_FILE,
        SCHEDULE_FILE,
        TEAMS_FILE,
        VISITS_FILE,
        WEEK_VISITS_FILE,
        read_schedule,
        schedule_from_dict,
    )
    from routeplan.workflows.build import default_locator
    from routeplan.workflows.runtime import build_day, calendar_of, travel_of
    from routeplan.workflows.week import WeekOptions, plan_week
    from routeplan.workflows.week_replan import prepare_week_replan

    missing = [f"--{name}" for name in ("outcomes", "today") if getattr(args, name) is None]
    stray = [f"--{name}" for name in ("visits", "teams", "start", "days")
             if getattr(args, name) is not None]
    if missing or stray:
        raise InvalidInput.many(
            [InputProblem(m, "required with --replan DIR") for m in missing]
            + [InputProblem(m, "not with --replan DIR (the week's own inputs are used)")
               for m in stray])
    folder: Path = args.replan
    source = folder / SCHEDULE_FILE
    document = read_schedule(source)
    raw = json.loads(source.read_text(encoding="utf-8-sig"))
    if args.policy is not None:
        policy = _load_policy(args.policy)
    elif isinstance(raw.get("policy"), dict):
        policy = Policy.from_mapping(raw["policy"], source=f"{SCHEDULE_FILE}#/policy",
                                     name=raw["policy"].get("name"))
    else:
        raise InvalidInput(f"{SCHEDULE_FILE}#/policy: missing; give --policy")
    listed_past = raw.get("past")
    past_entries = ([e for e in listed_past if isinstance(e, dict)]
                    if isinstance(listed_past, list) else [])
    earlier = schedule_from_dict({"start": document.start.isoformat(), "days": past_entries},
                                 folder=folder, source=f"{SCHEDULE_FILE}#/past").schedule.days
    plans = {**earlier, **document.schedule.days}
    days = raw.get("horizon_days")
    end = (document.start + timedelta(days=days - 1) if isinstance(days, int) and days > 0
           else document.last_day)
    # A re-plan starts from the week's own cases and every outcome so far (a re-planned
    # week's visits.json holds its cases as re-planned, history carried: not a start).
    inputs = folder / INPUTS_DIR
    first = inputs / WEEK_VISITS_FILE
    visits, teams = _read_day(first if first.is_file() else inputs / VISITS_FILE,
                              inputs / TEAMS_FILE, policy)
    earlier_reports = inputs / OUTCOMES_FILE
    records = _outcome_records(earlier_reports) if earlier_reports.is_file() else []
    new_records = _outcome_records(args.outcomes)
    records += new_records
    outcomes = outcomes_from_records(records, source=args.outcomes.name,
                                     max_rows=policy.max_rows)
    reschedules = reschedules_from_records(records, source=args.outcomes.name)
    if args.today < document.start:
        raise InvalidInput.many([InputProblem(
            "--today", f"{args.today} is before the week's first day {document.start}")])
    prepared = prepare_week_replan(visits, plans, end, args.today, outcomes, reschedules, policy)
    cfg: RuntimeConfig = args.config
    calendar = calendar_of(cfg)
    locator = default_locator()
    build = partial(build_day, config=cfg, travel=travel_of(cfg, policy, args.roads),
                    locator=locator, calendar=calendar)
    seed = args.seed if args.seed is not None else int(raw.get("seed") or 0)
    options = WeekOptions(time_limit_s=args.time_limit, seed=seed)
    with _week_progress(args, options.time_limit_s or policy.week_time_limit_s) as report:
        week = plan_week(prepared.visits, teams, policy, prepared.horizon, build=build,
                         locator=locator, calendar=calendar, options=options, progress=report)
    week = replace(week, schedule=replace(
        week.schedule, unscheduled=prepared.with_notes(week.schedule.unscheduled)))
    kept = sorted(prepared.kept)
    past = [{"date": d.isoformat(), "plan": f"{d.isoformat()}/plan.json",
             "visits_planned": prepared.kept[d].kpis.visits_planned} for d in kept]
    before = raw.get("replanned")
    week_start = before.get("week_start") if isinstance(before, dict) else None
    extra = {"replanned": {"today": args.today.isoformat(),
                           "week_start": str(week_start or document.start.isoformat()),
                           "finished": list(prepared.finished),
                           "changes": [dict(c) for c in prepared.changes]}}
    out: Path = args.out or folder
    more = {f"{INPUTS_DIR}/{WEEK_VISITS_FILE}": json.dumps(
                [visit_record(v) for v in visits], ensure_ascii=False, indent=1) + "\n",
            f"{INPUTS_DIR}/{OUTCOMES_FILE}": json.dumps(
                records, ensure_ascii=False, indent=1) + "\n"}
    return _write_week(week, out, args, past=past, extra=extra,
                       keep_from=(folder, tuple(kept)), more=more)


def _outcome_records(path: Path) -> list[Any]:
    """The outcome records of a file, read within the outcome reader's limits."""
    from routeplan.io.field_reports import read_outcomes

    read_outcomes(path)  # size, depth, count and every record checked, with locations
    doc = json.loads(path.read_text(encoding="utf-8-sig"))
    if isinstance(doc, dict):
        doc = doc.get("outcomes", doc.get("events"))
    return list(doc) if isinstance(doc, list) else []


def _cmd_roads_build(args: argparse.Namespace) -> int:
    try:
        from routeplan.travel.roads import build_roads
    except ImportError as exc:  # the road engine is an optional extra
        raise RoutingError("road graphs need the 'roads' extra: pip install 'routeplan[roads]'"
                           ) from exc
    if not args.file.is_file():
        raise InvalidInput(f"{args.file}: OSM extract not found")
    report = build_roads(args.file, args.out, tuple(args.profile or ("car",)))
    print(report.summary())
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from routeplan.workflows.build import default_locator
    from routeplan.workflows.runtime import build_day
    from routeplan.workflows.synth import synth_day

    policy = _load_policy(args.policy)
    locator = default_locator()
    day = synth_day(prefectures=[args.prefecture], visits=args.visits, teams=args.teams,
                    seed=args.seed, day=args.date, locator=locator)
    problem = build_day(day.day, day.visits, day.teams, policy, args.config, locator=locator)
    if not args.quiet:
        print(f"synthetic day {day.day}: {len(day.visits)} visits, {len(day.teams)} teams "
              f"in {args.prefecture}")
    return _solve_and_write(problem, args)


def _cmd_synth(args: argparse.Namespace) -> int:
    from routeplan.io.day_writers import write_day_csv
    from routeplan.workflows.build import default_locator
    from routeplan.workflows.synth import synth_day

    if not 1 <= args.visits <= 100_000 or not 1 <= args.teams <= 5_000:
        raise InvalidInput(f"--visits {args.visits} / --teams {args.teams}: out of range")
    day = synth_day(prefectures=args.prefecture, visits=args.visits, teams=args.teams,
                    seed=args.seed, day=args.date, locator=default_locator())
    for path in write_day_csv(day.visits, day.teams, args.out):
        print(f"wrote {path}")
    return EXIT_OK


def _solve_and_write(problem: Problem, args: argparse.Namespace) -> int:
    from routeplan.cli.staging import staged
    from routeplan.io.plan_json import PLAN_FILE
    from routeplan.maps import write_maps
    from routeplan.solver import SolveOptions, solve

    options = SolveOptions(time_limit_s=args.time_limit, seed=args.seed)
    if args.quiet:
        plan = solve(problem, options)
    else:
        plan = _solve_with_progress(problem, options)
    with staged(args.out) as stage:  # every file rendered before any is moved into --out
        files = _write_plan_files(plan, stage.folder)
        files += write_maps(plan, stage.folder, visits=problem.visits)
        written = stage.publish(files, last=PLAN_FILE)
    if not args.quiet:
        _print_summary(plan)
        shown = [p for p in written
                 if p.suffix in (".json", ".csv", ".xlsx") or p.name == "overview.html"]
        for path in shown:
            print(f"wrote {path}")
        print(f"wrote {len(written) - len(shown)} more files (field pages, route sheets, assets)"
              f" in {args.out}")
    return EXIT_OK


def _write_plan_files(plan: Plan, folder: Path) -> list[Path]:
    """routes.csv, routes.xlsx and plan.json (last) into a staging folder."""
    from routeplan.io.atomic import write_atomic
    from routeplan.io.plan_exports import XLSX_FILE, plan_to_xlsx
    from routeplan.io.plan_json import write_plan

    sheet = write_atomic(folder / XLSX_FILE, plan_to_xlsx(plan))
    return [sheet, *write_plan(plan, folder)]


def _solve_with_progress(problem: Problem, options: object) -> Plan:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from routeplan.solver import SolveOptions, solve

    assert isinstance(options, SolveOptions)
    limit = options.time_limit_s or problem.policy.time_limit_s
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  transient=True) as bar:
        task = bar.add_task(f"solving (limit {limit:g} s)", total=None)

        def report(p: SolveProgress) -> None:
            bar.update(task, description=_progress_line(limit, p))

        return solve(problem, options, progress=report)


def _progress_line(limit: float, p: SolveProgress) -> str:
    """The progress display's text: best objective, solutions, visits planned once known."""
    line = (f"solving (limit {limit:g} s): best objective {p.objective:,} after "
            f"{p.solutions:,} solutions")
    if p.planned is not None:
        line += f", {p.planned:,} visits planned"
    return line


def _print_summary(plan: Plan) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from routeplan.domain.clock import format_hhmm

    k = plan.kpis
    console = Console()
    table = Table(title=f"routes for {plan.day}")
    for col in ("team", "stops", "leave", "back", "km", "driving h", "utilisation"):
        table.add_column(col, justify="right" if col != "team" else "left")
    for r in plan.routes:
        if not r.stops:
            continue
        # an id is text, never console markup
        table.add_row(Text(r.team_id), str(len(r.stops)), format_hhmm(r.start_s),
                      format_hhmm(r.end_s), f"{r.distance_m / 1000:.1f}",
                      f"{r.driving_s / 3600:.1f}", f"{k.utilisation.get(r.team_id, 0):.0%}")
    console.print(table)
    console.print(
        f"planned {k.visits_planned} visits, unassigned {k.visits_unassigned}; priority covered "
        f"{k.priority_planned}/{k.priority_total} ({k.priority_share:.1%}); must-visits "
        f"{k.must_visits_planned}/{k.must_visits_total}; {k.distance_m / 1000:.1f} km; "
        f"{k.teams_used} teams; solved in {k.solve_s:.1f} s"
    )
    if k.unassigned_by_reason:
        console.print("unassigned by reason: " + ", ".join(
            f"{r} {n}" for r, n in k.unassigned_by_reason.items()))
    for w in k.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")


def _cmd_check(args: argparse.Namespace) -> int:
    """Exit 0: lawful; 1: violations (a visit listed twice among them); 2: unreadable input.

    3 when the checker itself fails: never a traceback with exit 1, which reads as violations.
    """
    try:
        if args.schedule is not None:
            return _cmd_check_schedule(args)
        return _check_plan(args)
    except OSError as exc:  # every file check opens is input: unreadable is exit 2
        where = f"{exc.filename}: " if exc.filename else ""
        raise InvalidInput(f"{where}cannot be read ({exc.strerror or type(exc).__name__})"
                           ) from None
    except (RoutePlanError, KeyboardInterrupt):
        raise
    except Exception as exc:  # never a traceback and exit 1, which would read as violations
        print(f"internal error: the check failed ({type(exc).__name__}: {exc}); the plan was "
              "not checked", file=sys.stderr)
        return EXIT_FAILED


def _check_plan(args: argparse.Namespace) -> int:
    from routeplan.rules.compliance import check
    from routeplan.workflows.runtime import build_day, travel_of_plan

    plan, repeated = _read_checked_plan(args.plan)
    policy = _load_policy(args.policy) if args.policy else plan.policy
    visits, teams = _read_day(args.visits, args.teams, policy)
    cfg: RuntimeConfig = args.config
    travel = travel_of_plan(plan, cfg, args.roads, policy)  # the plan's own source, or refuse
    problem = build_day(plan.day, visits, teams, policy, cfg, travel=travel)
    violations = check(problem, plan, repeated=repeated)
    for v in violations:
        print(v)
    if repeated:
        print(f"note: {len(repeated)} visit(s) listed more than once; the other checks saw "
              "each visit's first entry only", file=sys.stderr)
    if violations:
        print(f"{len(violations)} violation(s)", file=sys.stderr)
        return EXIT_VIOLATIONS
    print(f"plan for {plan.day} is compliant: {len(plan.visit_ids())} visits accounted for")
    return EXIT_OK


def _cmd_check_schedule(args: argparse.Namespace) -> int:
    from routeplan.workflows.runtime import travel_of
    from routeplan.workflows.schedule_check import check_schedule_files

    policy = _load_policy(args.policy) if args.policy else None
    travel = travel_of(args.config, policy or _load_policy(None), args.roads)
    violations = check_schedule_files(args.visits, args.teams, args.schedule, policy,
                                      days=args.days, travel=travel)
    for v in violations:
        print(v)
    if violations:
        print(f"{len(violations)} violation(s)", file=sys.stderr)
        return EXIT_VIOLATIONS
    print(f"schedule {args.schedule} is compliant")
    return EXIT_OK


def _read_plan(path: Path) -> Plan:
    """A plan.json within the input limits (size, nesting); unreadable is InvalidInput."""
    from routeplan.io.limits import read_json
    from routeplan.io.plan_json import plan_from_dict

    return plan_from_dict(read_json(path, str(path)), source=str(path))


def _read_checked_plan(path: Path) -> tuple[Plan, Counter[str]]:
    """A plan.json to check, and the visits it lists more than once (a violation, not bad input).

    A `Plan` cannot hold a visit twice, so each visit's later entries (stops or unassigned)
    are left out of the plan read, and counted for the checker's report.
    """
    from routeplan.io.limits import read_json
    from routeplan.io.plan_json import plan_from_dict

    doc, repeated = _without_repeats(read_json(path, str(path)))
    return plan_from_dict(doc, source=str(path)), repeated


def _without_repeats(doc: object) -> tuple[object, Counter[str]]:
    """The plan document with each visit's first entry only (routes first, then unassigned).

    Entries that are not objects with a string `visit_id` are kept for the reader to report.
    """
    from collections import Counter

    repeated: Counter[str] = Counter()
    if not isinstance(doc, dict):
        return doc, repeated
    seen: set[str] = set()

    def first(entry: object) -> bool:
        vid = entry.get("visit_id") if isinstance(entry, dict) else None
        if not isinstance(vid, str):
            return True
        if vid in seen:
            repeated[vid] += 1
            return False
        seen.add(vid)
        return True

    out = dict(doc)
    if isinstance(doc.get("routes"), list):
        out["routes"] = [
            {**r, "stops": [s for s in r["stops"] if first(s)]}
            if isinstance(r, dict) and isinstance(r.get("stops"), list) else r
            for r in doc["routes"]]
    if isinstance(doc.get("unassigned"), list):
        out["unassigned"] = [u for u in doc["unassigned"] if first(u)]
    return out, repeated


def _read_day(visits_path: Path, teams_path: Path,
              policy: Policy) -> tuple[list[Visit], list[Team]]:
    """Read both files within the policy's limits, reporting the problems of both."""
    from routeplan.io.readers import read_teams, read_visits

    problems: list[InvalidInput] = []
    visits: list[Visit] | None = None
    teams: list[Team] | None = None
    try:
        visits = read_visits(visits_path, max_rows=policy.max_rows)
    except InvalidInput as exc:
        problems.append(exc)
    try:
        teams = read_teams(teams_path, max_rows=policy.max_teams)
    except InvalidInput as exc:
        problems.append(exc)
    if problems or visits is None or teams is None:
        raise InvalidInput.many(p for e in problems for p in e.problems)
    return visits, teams


def _cmd_compare(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from routeplan.cli.staging import staged
    from routeplan.io.atomic import write_atomic
    from routeplan.io.readers import read_teams
    from routeplan.report.charts import render_charts, report_html
    from routeplan.solver import SolveOptions
    from routeplan.workflows.compare import (
        Scenario,
        compare,
        comparison_table,
        comparison_to_csv,
        comparison_to_dict,
    )

    week = args.start is not None or args.days is not None
    if (args.date is None) != week or (week and (args.start is None or args.days is None)):
        raise InvalidInput.many([InputProblem(
            "--date", "give --date for a day, or --start and --days for a week")])
    policies = [(p, _load_policy(p)) for p in args.policy] or [(None, _load_policy(None))]
    first = policies[0][1]  # the day is read within the first profile's limits
    visits, first_roster = _read_day(args.visits, args.teams[0], first)
    rosters = [(args.teams[0], tuple(first_roster))] + [
        (p, tuple(read_teams(p, max_rows=first.max_teams))) for p in args.teams[1:]]
    scenarios = []
    for ppath, policy in policies:
        for tpath, roster in rosters:
            name = policy.name if len(rosters) == 1 else f"{policy.name} · {tpath.stem}"
            scenarios.append((name, ppath, policy, roster))
    names = [s[0] for s in scenarios]
    out_scenarios = []
    for n, (name, ppath, policy, roster) in enumerate(scenarios):
        label = name
        if names.count(name) > 1:  # two files with the same profile name: tell them apart
            label = f"{name} ({ppath.stem if ppath is not None else 'default'}#{n + 1})"
        out_scenarios.append(Scenario(label, policy, roster))
    console = Console(stderr=True)

    def announce(i: int, scenario: Scenario) -> None:
        if not args.quiet:
            console.print(f"solving scenario {i + 1}/{len(out_scenarios)}: "
                          f"{escape(scenario.name)}")

    if week:
        return _compare_weeks(args, visits, first_roster, out_scenarios, announce)
    options = SolveOptions(time_limit_s=args.time_limit, solution_limit=args.solution_limit,
                           seed=args.seed)
    result = compare(args.date, visits, first_roster, out_scenarios, options,
                     on_scenario=announce, config=args.config, roads=args.roads)
    doc = comparison_to_dict(result)
    if not args.quiet:
        Console().print(comparison_table(doc))
    if args.out is not None:
        charts = render_charts(doc)
        with staged(args.out) as stage:
            folder = stage.folder
            written = stage.publish([
                write_atomic(folder / "comparison.csv", "\ufeff" + comparison_to_csv(doc)),
                *(write_atomic(folder / name, data) for name, data in charts.items()),
                write_atomic(folder / "report.html", report_html(doc, charts=charts)),
                write_atomic(folder / "comparison.json",
                             json.dumps(doc, ensure_ascii=False, indent=2) + "\n"),
            ], last="comparison.json")
        if not args.quiet:
            for path in written:
                print(f"wrote {path}")
    return EXIT_OK


def _compare_weeks(args: argparse.Namespace, visits: Sequence[Visit], teams: Sequence[Team],
                   scenarios: Sequence[Any], announce: Callable[[int, Any], None]) -> int:
    """Compare weeks (--start, --days): each scenario's week; comparison.json/.csv (--out)."""
    import csv
    import io

    from rich.table import Table

    from routeplan.cli.staging import staged
    from routeplan.domain.schedule import Horizon
    from routeplan.io.atomic import write_atomic
    from routeplan.io.spreadsheet import csv_row
    from routeplan.workflows.compare_week import (
        compare_weeks,
        week_comparison_to_dict,
        week_rows,
    )

    result = compare_weeks(Horizon(args.start, args.days), visits, teams, scenarios,
                           time_limit_s=args.time_limit, seed=args.seed,
                           solution_limit=args.solution_limit, config=args.config,
                           roads=args.roads, on_scenario=announce)
    doc = week_comparison_to_dict(result)
    rows = week_rows(doc)
    if not args.quiet:
        from rich.console import Console

        table = Table(title=f"week from {doc['start']} ({doc['days']} days)")
        for col in rows[0]:
            table.add_column(col, justify="left" if col == "scenario" else "right")
        for row in rows[1:]:
            table.add_row(*row)
        Console().print(table)
    if args.out is not None:
        text = io.StringIO()
        csv.writer(text).writerows([csv_row(r) for r in rows])
        with staged(args.out) as stage:
            written = stage.publish([
                write_atomic(stage.folder / "comparison.csv", "\ufeff" + text.getvalue()),
                write_atomic(stage.folder / "comparison.json",
                             json.dumps(doc, ensure_ascii=False, indent=2) + "\n"),
            ], last="comparison.json")
        if not args.quiet:
            for path in written:
                print(f"wrote {path}")
    return EXIT_OK


def _ids(values: Sequence[str]) -> frozenset[str]:
    return frozenset(x.strip() for v in values for x in v.split(",") if x.strip())


def _times_of(values: Sequence[str], flag: str) -> dict[str, int]:
    """`ID=HH:MM` pairs (comma-separated, the flag repeatable) as {id: seconds}."""
    from routeplan.domain.clock import parse_hhmm
    from routeplan.domain.errors import InputProblem

    out: dict[str, int] = {}
    problems: list[InputProblem] = []
    for pair in (x.strip() for v in values for x in v.split(",") if x.strip()):
        key, sep, at = pair.partition("=")
        if not sep or not key.strip():
            problems.append(InputProblem(flag, f"{pair!r} is not ID=HH:MM"))
            continue
        try:
            out[key.strip()] = parse_hhmm(at.strip(), flag)
        except InvalidInput as exc:
            problems.extend(InputProblem(flag, p.message) for p in exc.problems)
    if problems:
        raise InvalidInput.many(problems)
    return out


def _cmd_replan(args: argparse.Namespace) -> int:
    from routeplan.cli.staging import staged
    from routeplan.domain.clock import parse_hhmm
    from routeplan.io.atomic import write_atomic
    from routeplan.io.field_reports import read_outcomes, read_positions
    from routeplan.io.plan_json import PLAN_FILE
    from routeplan.solver import SolveOptions
    from routeplan.workflows.replan import Disruption, replan
    from routeplan.workflows.runtime import build_day, travel_of_plan

    plan = _read_plan(args.plan)
    policy = _load_policy(args.policy) if args.policy is not None else plan.policy
    visits, teams = _read_day(args.visits, args.teams, policy)
    disruption = Disruption(
        now=parse_hhmm(args.now, "--now"),
        done=_ids(args.done),
        cancelled=_ids(args.cancelled),
        positions=(read_positions(args.positions, max_rows=policy.max_teams)
                   if args.positions is not None else {}),
        dropped_teams=_ids(args.dropped_teams),
        locked_teams=_ids(args.locked_teams),
        outcomes=read_outcomes(args.outcomes) if args.outcomes is not None else (),
        available_from=_times_of(args.available_from, "--available-from"),
        rescheduled=_times_of(args.rescheduled, "--rescheduled"),
    )
    cfg: RuntimeConfig = args.config
    problem = build_day(plan.day, visits, teams, policy, cfg,
                        travel=travel_of_plan(plan, cfg, args.roads, policy))
    options = SolveOptions(time_limit_s=args.time_limit, solution_limit=args.solution_limit,
                           seed=args.seed)
    new_plan, changes = replan(problem, plan, disruption, options)
    with staged(args.out) as stage:
        files = _write_plan_files(new_plan, stage.folder)
        files.append(write_atomic(stage.folder / "changes.json", json.dumps(
            changes.to_dict(), ensure_ascii=False, indent=2) + "\n"))
        written = stage.publish(files, last=PLAN_FILE)
    if not args.quiet:
        _print_summary(new_plan)
        print(f"re-planned from {args.now}: {len(changes.completed)} stops kept as done, "
              f"{len(changes.changed)} visits changed ({len(changes.required)} forced by the "
              f"disruption): {len(changes.moved)} moved, {len(changes.reordered)} reordered, "
              f"{len(changes.retimed)} re-timed, {len(changes.dropped)} dropped; "
              f"{len(changes.added)} added, {len(changes.cancelled)} cancelled")
        for team_id, team_changes in changes.teams.items():
            for c in team_changes:
                other = f" ({c.other_team})" if c.other_team else ""
                print(f"  {team_id}: {c.change} {c.visit_id}{other}: {c.reason}")
        shown = [p for p in written
                 if p.suffix in (".json", ".csv", ".xlsx") or p.name == "overview.html"]
        for path in shown:
            print(f"wrote {path}")
        print(f"wrote {len(written) - len(shown)} more files (field pages, route sheets, assets)"
              f" in {args.out}")
    return EXIT_OK


def _cmd_audit(args: argparse.Namespace) -> int:
    """Exit 0 when the reports show no finding, 1 when they do; unreadable input exits 2."""
    from routeplan.io.atomic import write_atomic
    from routeplan.io.audit_exports import audit_to_dict, findings_to_xlsx
    from routeplan.io.field_reports import read_outcomes
    from routeplan.io.plan_json import PLAN_FILE, read_plan
    from routeplan.io.readers import read_visits
    from routeplan.rules.audit import audit_plan, consent_windows

    plan_path = args.plan / PLAN_FILE if args.plan.is_dir() else args.plan
    problems: list[InvalidInput] = []
    plan = reports = consent = policy = None
    try:
        plan = read_plan(plan_path)
    except InvalidInput as exc:
        problems.append(exc)
    try:
        reports = read_outcomes(args.events)
    except InvalidInput as exc:
        problems.append(exc)
    try:
        consent = consent_windows(read_visits(args.visits)) if args.visits else None
    except InvalidInput as exc:
        problems.append(exc)
    try:
        policy = _load_policy(args.policy) if args.policy is not None else None
    except InvalidInput as exc:
        problems.append(exc)
    if problems or plan is None or reports is None:
        raise InvalidInput.many(p for e in problems for p in e.problems)
    plan_id = plan.meta.get("plan_id") or plan_path.resolve().parent.name
    result = audit_plan(plan, reports, policy, consent=consent, plan_id=plan_id)
    if not args.quiet:
        _print_audit(plan, result)
    written = []
    if args.out is not None:
        text = json.dumps(audit_to_dict(result), ensure_ascii=False, indent=2) + "\n"
        written.append(write_atomic(args.out, text))
    if args.xlsx is not None:
        written.append(write_atomic(args.xlsx, findings_to_xlsx(result.findings)))
    if not args.quiet:
        for path in written:
            print(f"wrote {path}")
    return EXIT_VIOLATIONS if result.findings else EXIT_OK


def _print_audit(plan: Plan, result: AuditResult) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from routeplan.domain.clock import SHANGHAI

    console = Console()
    s = result.summary
    if result.findings:
        table = Table(title=f"audit of the plan for {plan.day}")
        for col in ("code", "team", "visit", "time", "detail"):
            table.add_column(col)
        for f in result.findings:
            local = f.at.astimezone(SHANGHAI)
            when = local.strftime("%H:%M" if local.date() == plan.day else "%Y-%m-%d %H:%M")
            # Text, not str: ids are input and must never be read as rich markup
            table.add_row(*(Text(v) for v in (f.code.value, f.team_id, f.visit_id, when,
                                                f.detail_en)))
        console.print(table)
    counts = ", ".join(f"{code} {n}" for code, n in s.findings_by_code.items() if n)
    console.print(f"{len(result.findings)} finding(s) in {s.reports} report(s) of "
                  f"{s.visits_reported} visit(s)" + (f": {counts}" if counts else ""),
                  markup=False, highlight=False)
    if not s.consent_checked:
        print("note: no --visits given, so out-of-hours consent was not checked / 未核对借款人"
              "非工作时间同意", file=sys.stderr)


def _cmd_policy_init(args: argparse.Namespace) -> int:
    from routeplan.domain.policy import Policy
    from routeplan.io.atomic import write_atomic

    if args.file.exists() and not args.force:
        raise InvalidInput(f"{args.file}: exists already (use --force to overwrite)")
    write_atomic(args.file, Policy().to_toml())
    print(f"wrote {args.file}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
