"""Issue 15: the week against planning day by day with the same total budget, and its scale.

`compare` plans a synthetic week (`synth_week`: weekday limits, appointments, earliest/latest
dates, team days off) twice with the same total wall-clock budget:

* **week**: `plan_week` (cases to team-days by a min-cost flow, each (day, place) solved,
  moves, the schedule checked);
* **day by day**: what a dispatcher does without it: plan Monday with the cases Monday allows,
  then Tuesday with what is left, and so on, each day with an equal share of the budget. The
  baseline keeps the same rules: a case goes only to a day its own days allow, teams only work
  their days, closed days are skipped, and the borrower's visits (history, and what earlier
  days of the baseline routed) are passed to each day as `last_visit` / `visits_last_7d`, so
  the day solver's own screen keeps the gap and the weekly cap.

It prints, for both, priority planned, must-visits, driving hours and km, and the balance:
visits and hours per team-day (mean ± std over every working team-day, used or not).

`scale` runs `plan_week` alone at the default budget (policy `week.time_limit_s`) for the
issue's sizes: Zhengzhou (2,000 cases, 38 teams, 5 days) and Henan (20,000, 300, 5), each in a
fresh process, with the peak resident memory of the process and all its children (sampled
every 0.2 s from /proc) and the wall time including synthesis and the schedule check.

Usage:
    python benchmarks/week.py compare [--visits 2000] [--teams 38] [--days 5]
                                      [--time-limit 90] [--seed 0] [--prefecture 410100]
    python benchmarks/week.py scale [--sizes zhengzhou henan] [--time-limit S]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

START = date(2026, 11, 2)  # Monday 2 November 2026, an ordinary week
SIZES = {"zhengzhou": ("410100", 2000, 38), "henan": (None, 20_000, 300)}


# -- memory --------------------------------------------------------------------------------


def _tree_rss_mb() -> float:
    """Resident memory of this process and all its descendants, in MB (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(statm.split()[1]) * page
    mine = {os.getpid()}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    return sum(rss.get(p, 0) for p in mine) / 2**20


class _Peak:
    """Samples the process tree's memory in a thread; `.mb` is the highest seen."""

    def __init__(self) -> None:
        self.mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.mb = max(self.mb, _tree_rss_mb())
            self._stop.wait(0.2)

    def __enter__(self) -> _Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.mb = max(self.mb, _tree_rss_mb())


# -- figures -------------------------------------------------------------------------------


def _figures(name: str, plans: dict[date, Any], working: dict[date, list[str]],
             cases: Sequence[Any], wall: float) -> dict[str, Any]:
    """The same figures for either schedule: priority, must-visits, driving, balance."""
    must = {v.visit_id for v in cases if v.must_visit}
    prio = {v.visit_id: v.priority for v in cases}
    routed = [s.visit_id for p in plans.values() for r in p.routes for s in r.stops]
    visits: list[float] = []
    hours: list[float] = []
    for d, teams in working.items():
        by_team = {r.team_id: r for r in plans[d].routes} if d in plans else {}
        for tid in teams:
            r = by_team.get(tid)
            visits.append(float(len(r.stops)) if r is not None else 0.0)
            hours.append(r.duration_s / 3600 if r is not None else 0.0)
    routes = [r for p in plans.values() for r in p.routes]
    return {
        "plan": name, "wall_s": round(wall, 1), "cases": len(cases), "planned": len(routed),
        "priority": sum(prio[v] for v in routed), "priority_total": sum(prio.values()),
        "must": f"{len(must & set(routed))}/{len(must)}",
        "driving_h": round(sum(r.driving_s for r in routes) / 3600, 1),
        "km": round(sum(r.distance_m for r in routes) / 1000, 1),
        "visits_per_team_day": f"{statistics.fmean(visits):.2f} ± {statistics.pstdev(visits):.2f}"
        if visits else "-",
        "hours_per_team_day": f"{statistics.fmean(hours):.2f} ± {statistics.pstdev(hours):.2f}"
        if hours else "-",
        "team_days": len(visits), "team_days_used": sum(1 for v in visits if v > 0),
    }


# -- the two plans -------------------------------------------------------------------------


def _world(prefecture: str | None, n: int, teams: int, days: int, seed: int) -> Any:
    from routeplan.workflows.build import default_locator
    from routeplan.workflows.synth import synth_week

    locator = default_locator()
    return synth_week(prefectures=None if prefecture is None else (prefecture,), visits=n,
                      teams=teams, seed=seed, start=START, days=days, locator=locator), locator


def _week(world: Any, locator: Any, days: int, budget: float | None, seed: int
          ) -> tuple[Any, float]:
    from routeplan.domain.policy import Policy
    from routeplan.domain.schedule import Horizon
    from routeplan.workflows.week import WeekOptions, plan_week

    t0 = time.perf_counter()
    week = plan_week(world.visits, world.teams, Policy(), Horizon(START, days), locator=locator,
                     options=WeekOptions(time_limit_s=budget, seed=seed))
    return week, time.perf_counter() - t0


def _history(cases: Sequence[Any], start: date) -> dict[str, set[tuple[date, int, bool]]]:
    """Per borrower, the visits known before the week: (date, count, dated), as the week reads
    them (a count without a date on the day before the week, no gap from it)."""
    seen: dict[str, set[tuple[date, int, bool]]] = defaultdict(set)
    for v in cases:
        if v.last_visit is not None:
            seen[v.borrower_id].add((v.last_visit, max(1, v.visits_last_7d), True))
        elif v.visits_last_7d:
            seen[v.borrower_id].add((start - timedelta(days=1), v.visits_last_7d, False))
    return seen


def _day_by_day(world: Any, locator: Any, days: int, budget: float, seed: int
                ) -> tuple[dict[date, Any], dict[date, list[str]], float]:
    """Monday with what Monday allows, Tuesday with what is left...; each an equal share."""
    from routeplan.domain.policy import Policy
    from routeplan.rules.compliance import closed_day
    from routeplan.solver import SolveOptions, solve
    from routeplan.workflows.build import build_problem

    policy = Policy()
    t0 = time.perf_counter()
    dates = [START + timedelta(days=i) for i in range(days)]
    open_days = [d for d in dates if closed_day(d, policy) is None
                 and any(t.days.works(d) for t in world.teams)]
    share = budget / max(1, len(open_days))
    left = list(world.visits)
    seen = _history(left, START)
    routed_on: dict[str, list[date]] = defaultdict(list)
    plans: dict[date, Any] = {}
    working: dict[date, list[str]] = {}
    for d in open_days:
        teams = [t for t in world.teams if t.days.works(d)]
        working[d] = [t.team_id for t in teams]
        today = []
        for v in left:
            if not v.days.allows(d):
                continue
            known = seen.get(v.borrower_id, set())
            last = max((s for s, _, dated in known if dated), default=None)
            past = max((n for s, n, _ in known if (d - s).days < 7), default=0)
            routed = len([s for s in routed_on[v.borrower_id] if (d - s).days < 7])
            latest = max([x for x in (last, *routed_on[v.borrower_id]) if x is not None],
                         default=None)
            today.append(replace(v, last_visit=latest, visits_last_7d=past + routed))
        problem = build_problem(d, today, teams, policy, locator=locator)
        plan = solve(problem, SolveOptions(time_limit_s=share, seed=seed))
        plans[d] = plan
        done = {s.visit_id for r in plan.routes for s in r.stops}
        for v in left:
            if v.visit_id in done:
                routed_on[v.borrower_id].append(d)
        left = [v for v in left if v.visit_id not in done]
    return plans, working, time.perf_counter() - t0


def _week_working(week: Any) -> dict[date, list[str]]:
    return {d: [t.team_id for t in week.teams if t.days.works(d)]
            for d in sorted(week.schedule.days)}


# -- commands ------------------------------------------------------------------------------


def _compare(args: argparse.Namespace) -> None:
    world, locator = _world(args.prefecture, args.visits, args.teams, args.days, args.seed)
    week, wall = _week(world, locator, args.days, args.time_limit, args.seed)
    rows = [_figures("week", dict(week.schedule.days), _week_working(week), world.visits, wall)]
    plans, working, wall = _day_by_day(world, locator, args.days, args.time_limit, args.seed)
    rows.append(_figures("day by day", plans, working, world.visits, wall))
    print(f"# {args.visits} cases, {args.teams} teams, {args.days} days from {START}, "
          f"prefecture {args.prefecture}, budget {args.time_limit:g} s each, seed {args.seed}; "
          f"load {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + " --- |" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r[k]) for k in keys) + " |")
    print("week unscheduled by reason:", dict(week.kpis.unscheduled_by_reason))


def _one(size: str, budget: float | None, seed: int) -> dict[str, Any]:
    prefecture, n, teams = SIZES[size]
    with _Peak() as peak:
        t0 = time.perf_counter()
        world, locator = _world(prefecture, n, teams, 5, seed)
        synth = time.perf_counter() - t0
        week, wall = _week(world, locator, 5, budget, seed)
    k = week.kpis
    return {"size": size, "cases": n, "teams": teams, "days": 5,
            "budget_s": budget if budget is not None else week.policy.week_time_limit_s,
            "synth_s": round(synth, 1), "plan_week_s": round(wall, 1),
            "peak_mb": round(peak.mb), "planned": k.visits_planned,
            "priority_share": round(k.priority_share, 4),
            "must": f"{k.must_visits_planned}/{k.must_visits_total}",
            "unscheduled": dict(k.unscheduled_by_reason), "moved": k.moved,
            "phases": dict(k.phases)}


def _scale(args: argparse.Namespace) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"# load at start {load}", flush=True)
    for size in args.sizes:
        cmd = [sys.executable, __file__, "one", size, "--seed", str(args.seed)]
        if args.time_limit is not None:
            cmd += ["--time-limit", str(args.time_limit)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"{size}: exit {out.returncode}: {out.stderr.strip()[-2000:]}", flush=True)
            continue
        print(out.stdout.strip().splitlines()[-1], flush=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"# load at end {load}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare")
    c.add_argument("--visits", type=int, default=2000)
    c.add_argument("--teams", type=int, default=38)
    c.add_argument("--days", type=int, default=5)
    c.add_argument("--time-limit", type=float, default=90.0)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--prefecture", default="410100")
    s = sub.add_parser("scale")
    s.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["zhengzhou", "henan"])
    s.add_argument("--time-limit", type=float, default=None)
    s.add_argument("--seed", type=int, default=0)
    o = sub.add_parser("one")
    o.add_argument("size", choices=sorted(SIZES))
    o.add_argument("--time-limit", type=float, default=None)
    o.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.command == "compare":
        _compare(args)
    elif args.command == "scale":
        _scale(args)
    else:
        print(json.dumps(_one(args.size, args.time_limit, args.seed), ensure_ascii=False))


if __name__ == "__main__":
    main()
