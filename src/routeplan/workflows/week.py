"""Plan a week: cases to days under the rules across days, each day solved, then checked.

`plan_week(visits, teams, policy, horizon)` returns a `WeekPlan`: a `Schedule` (one ordinary
day plan per planned day, every case a stop on one day or unscheduled with a reason) that has
passed the independent schedule checker (`rules.schedule_check`), with its KPIs. The steps:

1. *Days open to each case.* A day is open when the case's own days allow it (可访日, 最早/最晚
   日期, 约访日期), the policy plans it (statutory holidays, rest weekends; adjusted workdays
   are worked), some team works it (出勤日), and a visit then keeps rule 7 with the borrower's
   history (`min_days_between_visits` since `last_visit`; `max_visits_per_7d` in any 7 days,
   `visits_last_7d` counted on `last_visit`, or the day before the horizon without a date).
   A case no day is open to is `no_lawful_day` (after `do_not_visit`), with a detail naming
   what closes each day.
2. *Places.* Cases and teams are split by place as a decomposed day is: prefectures joined by
   the teams that serve several, each borrower's cases with its most important one. Days and
   places are independent problems: no matrix ever spans the week, or more than one place.
3. *A probe per place.* The place's cases are screened (in chunks) with all its teams by the
   day solver's own screen: what can never be routed keeps the screen's reason (invalid
   location, workplace without consent, a window outside the lawful hours...), and for the
   rest the teams that could serve the case alone. A team-day's capacity is estimated from
   its shift, the cases' service times and the travel between them.
4. *Assignment.* A min-cost flow (`solver.assign`) puts each case on one of its open days
   with a team that could serve it working, within the team-days' capacities; must-visits
   weigh more than all optional cases together, then priority, less `week.balance_weight`
   per visit a day lies above its even share. The borrower windows (one visit a day, the
   gap, the cap) are not flow constraints: the flow's answer is repaired to keep them.
5. *Days.* Each (day, place) is built and solved as an ordinary day (`routeplan.solver.solve`,
   decomposed above its threshold), on a `PartRunner` (the local pool, or the service's RQ
   workers), with shares of the run's budget in proportion to their cases.
6. *Moves.* What a day could not route goes to another open day with room, and that day is
   solved again; the new plan is kept only when it serves at least the same must-visits and
   priority. Repeated while the budget lasts.
7. *Check.* The days are joined, every case left out gets its reason (in the precedence the
   checker expects), and the whole schedule goes through `check_schedule`; a schedule that
   breaks a rule is never returned (`ComplianceViolation`).

`week.time_limit_s` (or `WeekOptions.time_limit_s`) is the whole run's budget: a share is kept
back for joining and checking, in proportion to the number of cases.
"""

from __future__ import annotations

import math
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from scipy.cluster.vq import kmeans2
from scipy.optimize import linear_sum_assignment

from routeplan.domain.calendar import HolidayCalendar
from routeplan.domain.clock import DAY_S
from routeplan.domain.days import weekdays_text, weekdays_zh
from routeplan.domain.errors import ComplianceViolation, InvalidInput
from routeplan.domain.plan import Kpis, Plan, Reason, Route
from routeplan.domain.policy import Policy
from routeplan.domain.problem import Problem, validate_roster
from routeplan.domain.schedule import (
    Horizon,
    Schedule,
    Spread,
    Unscheduled,
    WeekKpis,
    WeekPlan,
    WorkSpread,
)
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit
from routeplan.geo.prefectures import PREFECTURES
from routeplan.rules import reasons as explain
from routeplan.rules.calendar import day_info
from routeplan.rules.reasons import Explanation
from routeplan.rules.schedule_check import NO_LAWFUL_DAY, DayProblemBuilder, check_schedule
from routeplan.solver import SolveOptions, solve
from routeplan.solver.assign import Assignment, GroupRule, Option, assign, even_shares, windows
from routeplan.solver.decompose import LocalPool, PartRunner, PartSignals
from routeplan.solver.screen import screen
from routeplan.solver.solve import Progress
from routeplan.workflows.build import (
    RegionLocator,
    build_problem,
    check_plannable_day,
    default_geocoder,
    default_locator,
    place_visits,
)

if TYPE_CHECKING:
    from routeplan.geo.geocode import Geocoder

_WEEK = 7
#: Cases per probe problem (screening and travel estimates); keeps each matrix small.
PROBE_CHUNK = 300
#: Below this many cases the days are solved in this process, one after another.
LOCAL_BELOW = 150
#: Most cases a (day, place) search should hold: larger places are split (`_split_places`).
JOB_MAX = 300
#: Rounds of moving what a day could not route to another day.
MAX_MOVE_ROUNDS = 3
#: The assignment's tie-break per km between a case and its team-day's seed (see `_seeds`);
#: a team-day's k-th visit costs k, so this trades compact days against even ones.
SEED_COST_PER_KM = 2
#: What a cluster pays on a team-day, in km, when none of its cases is open that day.
CLOSED_CLUSTER_KM = 20.0
_KM_PER_DEG_LAT = 111.2


@dataclass(frozen=True, slots=True)
class WeekOptions:
    """The run's budget (None: the policy's `week.time_limit_s`) and the seed of every search.

    `solution_limit` stops each day's search after that many solutions instead (repeatable
    runs, as `routeplan compare --solution-limit`); the budget still bounds the run.
    """

    time_limit_s: float | None = None
    seed: int = 0
    solution_limit: int | None = None

    def __post_init__(self) -> None:
        if self.time_limit_s is not None and not 0 < self.time_limit_s <= 3600:
            raise InvalidInput(f"time_limit_s: {self.time_limit_s} is not between 0 and 3600")


# -- the public entry ------------------------------------------------------------------------


def plan_week(
    visits: Sequence[Visit],
    teams: Sequence[Team],
    policy: Policy,
    horizon: Horizon,
    *,
    build: DayProblemBuilder | None = None,
    locator: RegionLocator | None = None,
    geocoder: Geocoder | None = None,
    calendar: HolidayCalendar | None = None,
    options: WeekOptions | None = None,
    runner: PartRunner | None = None,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> WeekPlan:
    """The best lawful week found within the budget, checked; see the module docstring.

    `build` makes each day's problem (default: `build_problem` with `locator` and
    `calendar`); it must be the one the schedule is checked with. Raises InvalidInput for a
    roster the policy refuses, a day no holiday calendar covers (policy `refuse`), and cases
    or teams given twice; ComplianceViolation if the schedule broke a rule (a bug).
    """
    options = options or WeekOptions()
    began = time.perf_counter()
    budget = options.time_limit_s if options.time_limit_s is not None else (
        policy.week_time_limit_s)
    locator = locator if locator is not None else default_locator()
    if build is None:
        build = partial(build_problem, locator=locator, calendar=calendar)
    _check_input(visits, teams, policy, horizon, calendar)
    if any(v.location is None and v.address.strip() for v in visits):
        visits = place_visits(visits, geocoder or default_geocoder())  # once for the week
    week = _Week(tuple(visits), tuple(teams), policy, horizon, build, locator, calendar,
                 options, began, budget)
    week.run(runner, progress, should_stop)
    return week.result()


def _check_input(visits: Sequence[Visit], teams: Sequence[Team], policy: Policy,
                 horizon: Horizon, calendar: HolidayCalendar | None) -> None:
    problems = validate_roster(tuple(visits), tuple(teams), policy)
    years: set[int] = set()
    for day in horizon.dates:  # one message per year no calendar covers
        if day.year not in years:
            years.add(day.year)
            problems.extend(check_plannable_day(day, policy, calendar))
    if problems:
        raise InvalidInput.many(problems)


# -- what closes a day -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Seen:
    """A known visit to a borrower: its date, how many it counts for, and if the date is real."""

    day: date
    count: int
    dated: bool = True


def _history(cases: Iterable[Visit], start: date) -> list[_Seen]:
    """The borrower's past visits as the checker reads them (see `rules.schedule_check`)."""
    out: set[_Seen] = set()
    for v in cases:
        if v.last_visit is not None:
            out.add(_Seen(v.last_visit, max(v.visits_last_7d, 1)))
        elif v.visits_last_7d:
            out.add(_Seen(start - timedelta(days=1), v.visits_last_7d, dated=False))
    return sorted(out, key=lambda s: (s.day, s.count))


def _frequency_bars(day: date, history: Sequence[_Seen], routed: Sequence[date],
                    policy: Policy) -> tuple[str, str] | None:
    """Why one more visit on `day` would break rule 7 (zh, en), or None."""
    need = max(policy.min_days_between_visits, 1)
    for s in history:
        if s.dated and abs((day - s.day).days) < need:
            return ("gap", f"{s.day}")
    for r in routed:
        if abs((day - r).days) < need:
            return ("gap", f"{r}")
    cap = policy.max_visits_per_7d
    for w in range(_WEEK):
        lo = day - timedelta(days=w)
        hi = lo + timedelta(days=_WEEK - 1)
        inside = sum(1 for r in routed if lo <= r <= hi)
        past = max((s.count for s in history if lo <= s.day <= hi), default=0)
        if 1 + inside + past > cap:
            return ("cap", f"{lo}..{hi}")
    return None


#: Why a day is closed to a case, in the order a dispatcher reads them.
_KINDS = ("holiday", "weekend", "no_team", "weekday", "earliest", "latest", "appointment",
          "gap", "cap")


def _zh_day(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _zh_days(days: Sequence[date]) -> str:
    """10月5-7日、10月9日: runs of consecutive dates."""
    runs: list[list[date]] = []
    for d in sorted(days):
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    out = []
    for run in runs:
        a, b = run[0], run[-1]
        if a == b:
            out.append(_zh_day(a))
        elif a.month == b.month:
            out.append(f"{a.month}月{a.day}-{b.day}日")
        else:
            out.append(f"{_zh_day(a)}-{_zh_day(b)}")
    return "、".join(out)


def _en_days(days: Sequence[date]) -> str:
    runs: list[list[date]] = []
    for d in sorted(days):
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)


# -- places ----------------------------------------------------------------------------------


def _places(visits: Sequence[Visit], codes: Sequence[int], teams: Sequence[Team]
            ) -> tuple[list[int], list[list[int]]]:
    """Each visit's place and each place's teams (indices), as a decomposed day splits them.

    A place is a group of prefectures joined by teams that serve several; a team that names
    none belongs to the prefecture whose seat is nearest its base. Borrowers' cases follow
    their most important case; a pinned case follows its team.
    """
    seats = np.array([p.seat for p in PREFECTURES])
    adcodes = [p.adcode for p in PREFECTURES]
    parent = {c: c for c in adcodes}

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    def nearest(point: tuple[float, float]) -> list[int]:
        order = np.argsort((seats[:, 0] - point[0]) ** 2 + (seats[:, 1] - point[1]) ** 2)
        return [adcodes[int(k)] for k in order]

    team_home: list[int] = []
    for t in teams:
        served = sorted(t.prefectures & set(adcodes)) or nearest(t.start)[:1]
        for other in served[1:]:
            parent[find(other)] = find(served[0])
        team_home.append(served[0])
    staffed = sorted({find(h) for h in team_home})
    if not staffed:
        return [0] * len(visits), [[]]
    index = {c: i for i, c in enumerate(staffed)}

    def place_of(code: int, point: tuple[float, float] | None) -> int:
        if code in parent and find(code) in index:
            return index[find(code)]
        if point is None:
            return 0
        return next(index[find(c)] for c in nearest(point) if find(c) in index)

    team_at = {t.team_id: k for k, t in enumerate(teams)}
    lead = _leads(visits, range(len(visits)))

    def lead_place(i: int) -> int:
        pinned = team_at.get(visits[i].pin_team or "")
        if pinned is not None:
            return index[find(team_home[pinned])]
        return place_of(codes[i], visits[i].location)

    leads = {i: lead_place(i) for i in set(lead.values())}
    visit_place = [leads[lead[v.borrower_id]] for v in visits]
    place_teams: list[list[int]] = [[] for _ in staffed]
    for k, h in enumerate(team_home):
        place_teams[index[find(h)]].append(k)
    return visit_place, place_teams


def _leads(visits: Sequence[Visit], among: Iterable[int]) -> dict[str, int]:
    """Each borrower's most important case (must-visit, then priority) among some cases."""
    lead: dict[str, int] = {}
    for i in among:
        v = visits[i]
        j = lead.get(v.borrower_id)
        if j is None or (v.must_visit, v.priority) > (visits[j].must_visit, visits[j].priority):
            lead[v.borrower_id] = i
    return lead


def _kmeans(xy: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Centroids and labels of `k` clusters (k-means++, seeded: repeatable)."""
    with warnings.catch_warnings():  # an empty cluster keeps its seed: no harm here
        warnings.simplefilter("ignore")
        centroids, labels = kmeans2(xy, k, minit="++", seed=seed)
    return centroids, labels


def _split_places(visits: Sequence[Visit], visit_place: Sequence[int],
                  place_teams: Sequence[Sequence[int]], teams: Sequence[Team], open_days: int,
                  seed: int) -> tuple[list[int], list[list[int]], list[int]]:
    """Places whose days would hold more than `JOB_MAX` cases, split by geography.

    Returns each case's part, each part's teams, and each part's whole place.

    A day's search needs time to find its first solution that grows much faster than its
    cases (a 540-case, 38-team Zhengzhou day found none in 2 s; 230 cases with 17 teams in
    0.3 s), so a province-wide week at its default budget would leave its largest place
    unrouted. Such a place is cut into parts of its borrowers (k-means on each borrower's
    most important case), and its teams are shared among the parts in proportion to their
    cases, each to a part near its base (an assignment). A borrower's cases stay together
    and a pinned case goes with its team, so the rules across cases of a borrower remain
    the flow's and one day problem's to keep.
    """
    out_place = list(visit_place)
    out_teams: list[list[int]] = []
    team_at = {t.team_id: k for k, t in enumerate(teams)}
    by_place: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(visit_place):
        by_place[p].append(i)
    renumber: dict[int, dict[int, int]] = {}
    parent: list[int] = []

    def _whole(place: int, cases: Sequence[int]) -> None:
        renumber[place] = {0: len(out_teams)}
        out_teams.append(list(place_teams[place]))
        parent.append(place)
        for i in cases:
            out_place[i] = renumber[place][0]

    for place, members in enumerate(place_teams):
        cases = by_place.get(place, [])
        parts = math.ceil(len(cases) / max(1, open_days) / JOB_MAX) if open_days else 1
        parts = min(parts, len(members), max(1, len(cases)))
        if parts <= 1:
            _whole(place, cases)
            continue
        lead = _leads(visits, cases)
        located = sorted(i for i in set(lead.values()) if visits[i].location is not None)
        if len(located) < parts:
            _whole(place, cases)
            continue
        lat0 = float(np.mean([visits[i].location[1] for i in located]))  # type: ignore[index]
        xy = _plane([visits[i].location for i in located], lat0)  # type: ignore[misc]
        centroids, labels = _kmeans(xy, parts, seed)
        sizes = np.bincount(labels, minlength=parts).astype(np.float64)
        # each part's share of the teams, at least one each, in proportion to its cases
        quota = np.maximum(1, np.floor(sizes / sizes.sum() * len(members))).astype(int)
        while quota.sum() > len(members):
            quota[int(np.argmax(quota))] -= 1
        while quota.sum() < len(members):
            quota[int(np.argmax(sizes / quota))] += 1
        slot_part = [c for c in range(parts) for _ in range(int(quota[c]))]
        bases = _plane([teams[k].start for k in members], lat0)
        cost = np.hypot(bases[:, None, 0] - centroids[None, slot_part, 0],
                        bases[:, None, 1] - centroids[None, slot_part, 1])
        rows, cols = linear_sum_assignment(cost)
        team_part = {members[r]: slot_part[c] for r, c in zip(rows, cols, strict=True)}
        renumber[place] = {c: len(out_teams) + c for c in range(parts)}
        for c in range(parts):
            out_teams.append([k for k in members if team_part[k] == c])
            parent.append(place)
        part_of_lead = {i: int(labels[n]) for n, i in enumerate(located)}
        for borrower, i in lead.items():
            pinned = team_at.get(visits[i].pin_team or "")
            part = (team_part[pinned] if pinned is not None and pinned in team_part
                    else part_of_lead.get(i, 0))
            lead[borrower] = part
        for i in cases:
            out_place[i] = renumber[place][lead[visits[i].borrower_id]]
    return out_place, out_teams, parent


def _without_history(v: Visit) -> Visit:
    """The case as a day problem holds it: rule 7 across days is the week's to keep."""
    if v.last_visit is None and v.visits_last_7d == 0:
        return v
    return replace(v, last_visit=None, visits_last_7d=0)


# -- the run ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Case:
    """One case through the run: where it may go, and what became of it."""

    visit: Visit
    place: int
    lawful: list[date] = field(default_factory=list)  # open, counting history only
    closed: dict[date, tuple[str, str]] = field(default_factory=dict)  # day -> (kind, note)
    teams: frozenset[str] | None = None  # probe: teams that could serve it alone
    rejected: Explanation | None = None  # probe: why no day can route it
    useful: list[date] = field(default_factory=list)  # lawful, with such a team working
    tried: set[date] = field(default_factory=set)  # days it was solved on and not routed


@dataclass(frozen=True, slots=True)
class _Job:
    """One (day, place) solve: its cases and its teams, by id."""

    day: date
    place: int
    cases: tuple[str, ...]
    teams: tuple[str, ...]


def _solve_day(job: tuple[int, Problem, SolveOptions, bool], signals: PartSignals | None
               ) -> Plan:
    """One day of one place, wherever the runner puts it; its own parts (if any) run here."""
    index, problem, options, stoppable = job
    serial = LocalPool(1)
    if signals is None:
        return solve(problem, options, runner=serial)
    part_signals = signals

    def report(p: Progress) -> None:
        part_signals.report(index, p)

    return solve(problem, options, progress=report, runner=serial,
                 should_stop=part_signals.should_stop if stoppable else None)


def _value(plan: Plan, must: Mapping[str, bool], priority: Mapping[str, int]
           ) -> tuple[int, int, int]:
    routed = [s.visit_id for r in plan.routes for s in r.stops]
    return (sum(1 for v in routed if must[v]), sum(priority[v] for v in routed),
            -plan.kpis.distance_m)


class _Week:
    """One run of `plan_week`: the state the steps share."""

    def __init__(self, visits: tuple[Visit, ...], teams: tuple[Team, ...], policy: Policy,
                 horizon: Horizon, build: DayProblemBuilder, locator: RegionLocator,
                 calendar: HolidayCalendar | None, options: WeekOptions, began: float,
                 budget: float) -> None:
        self.visits, self.teams, self.policy, self.horizon = visits, teams, policy, horizon
        self.build, self.locator, self.calendar = build, locator, calendar
        self.seed, self.solution_limit = options.seed, options.solution_limit
        self.began, self.budget = began, budget
        n = len(visits)
        # joining and checking take time in proportion to the cases: kept back from the budget
        self.reserve = min(0.3 * budget, 1.0 + 0.004 * n)
        self.deadline = began + budget - self.reserve
        self.team_at = {t.team_id: k for k, t in enumerate(teams)}
        self.case_at = {v.visit_id: i for i, v in enumerate(visits)}
        self.phases: dict[str, float] = {}
        self.warnings: list[str] = []
        self.moved = 0
        self.plans: dict[tuple[date, int], Plan] = {}
        self.jobs: dict[tuple[date, int], _Job] = {}
        self.routed: dict[str, date] = {}
        self.capacity: dict[str, int] = {}
        self.service = 0
        self.leg = 0
        self.by_borrower: dict[str, list[str]] = defaultdict(list)
        for v in visits:
            self.by_borrower[v.borrower_id].append(v.visit_id)
        self.histories = {b: _history((visits[self.case_at[c]] for c in ids), horizon.start)
                          for b, ids in self.by_borrower.items()}
        self.cases: dict[str, _Case] = {}
        self.place_teams: list[list[int]] = []
        self.whole_teams: list[list[int]] = []  # per place, the teams of the place it is part of
        self.parent: list[int] = []  # per place, the whole place it is part of
        self.runner: PartRunner = LocalPool(1)
        self.workers = 1
        self.progress: Callable[[Progress], None] | None = None
        self.should_stop: Callable[[], bool] | None = None
        self.day_closed: dict[date, tuple[str, str, str]] = {}  # day -> (kind, zh, en)
        self.working: dict[date, list[str]] = {}
        for d in horizon.dates:
            why = self._calendar_closed(d)
            if why is not None:
                self.day_closed[d] = why
                continue
            self.working[d] = [t.team_id for t in teams if t.days.works(d)]
            if not self.working[d]:
                self.day_closed[d] = ("no_team", f"{_zh_day(d)}无外访组出勤",
                                      f"no team works on {d}")
        self.open_days = [d for d in horizon.dates if d not in self.day_closed]

    # -- facts -------------------------------------------------------------------------

    def _calendar_closed(self, d: date) -> tuple[str, str, str] | None:
        """The policy's closed days, as `compliance.closed_day` decides them."""
        info = day_info(d, self.calendar)
        if self.policy.skip_holidays and info.holiday is not None:
            return ("holiday", f"{info.holiday.name}假期", f"the statutory holiday "
                    f"{info.holiday.name_en}")
        if self.policy.skip_weekends and info.is_rest_weekend:
            return ("weekend", "周末", "a rest weekend")
        return None

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def routed_siblings(self, vid: str) -> list[date]:
        v = self.visits[self.case_at[vid]]
        return [self.routed[o] for o in self.by_borrower[v.borrower_id]
                if o != vid and o in self.routed]

    def open_for(self, case: _Case, day: date, *, routed: bool = True) -> bool:
        """Open to the case: lawful (history) and rule 7 with its borrower's routed cases."""
        if day not in case.lawful:
            return False
        if not routed:
            return True
        siblings = self.routed_siblings(case.visit.visit_id)
        return not siblings or _frequency_bars(
            day, self.histories[case.visit.borrower_id], siblings, self.policy) is None

    # -- the steps ---------------------------------------------------------------------

    def run(self, runner: PartRunner | None, progress: Callable[[Progress], None] | None,
            should_stop: Callable[[], bool] | None) -> None:
        t0 = time.perf_counter()
        self.cases = self.classify()
        self.phases["classify_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        self.probe()
        self.phases["probe_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        day_of = self.assign()
        self.phases["assign_s"] = round(time.perf_counter() - t0, 3)
        busy = sum(1 for c in self.cases.values() if c.useful)
        if runner is None:
            runner = LocalPool(1) if busy < LOCAL_BELOW else LocalPool()
        self.runner = runner
        self.workers = max(1, int(getattr(runner, "workers", 1)))
        self.progress, self.should_stop = progress, should_stop
        t0 = time.perf_counter()
        members: dict[tuple[date, int], list[str]] = defaultdict(list)
        for vid, d in day_of.items():
            members[(d, self.cases[vid].place)].append(vid)
        first_share = 0.7 if any(c.useful and c.visit.visit_id not in day_of
                                 for c in self.cases.values()) else 0.8
        self.solve_jobs(members, share=first_share)
        self.phases["days_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        for _ in range(MAX_MOVE_ROUNDS):
            if self.left() < 1.0 or (should_stop is not None and should_stop()):
                break
            if not self.move_round():
                break
        self.must_visits_first()
        self.phases["moves_s"] = round(time.perf_counter() - t0, 3)

    def classify(self) -> dict[str, _Case]:
        """Each case's place, and the days open to it counting its history only."""
        located = [v for v in self.visits if v.location is not None]
        codes_found = (self.locator.locate([v.location[0] for v in located if v.location],
                                           [v.location[1] for v in located if v.location])
                       if located else np.zeros(0, dtype=np.int64))
        code_of = {v.visit_id: int(c) for v, c in zip(located, codes_found, strict=True)}
        codes = [code_of.get(v.visit_id, 0) for v in self.visits]
        place_of, self.place_teams = _places(self.visits, codes, self.teams)
        whole_teams = self.place_teams
        place_of, self.place_teams, self.parent = _split_places(
            self.visits, place_of, whole_teams, self.teams, len(self.open_days), self.seed)
        # a case's reasons and its must-visit retries are judged with every team of its
        # whole place, as the checker judges them with every team of the day
        self.whole_teams = [whole_teams[self.parent[p]] for p in range(len(self.place_teams))]
        out: dict[str, _Case] = {}
        for v, place in zip(self.visits, place_of, strict=True):
            case = _Case(v, place)
            history = self.histories[v.borrower_id]
            for d in self.horizon.dates:
                why = self.day_closed.get(d)
                if why is not None:
                    case.closed[d] = (why[0], "")
                    continue
                if not v.days.allows(d):
                    kind = ("weekday" if d.weekday() not in v.days.weekdays else
                            "appointment" if v.days.appointment is not None
                            and d != v.days.appointment else
                            "earliest" if v.days.earliest is not None and d < v.days.earliest
                            else "latest")
                    case.closed[d] = (kind, "")
                    continue
                bar = _frequency_bars(d, history, (), self.policy)
                if bar is not None:
                    case.closed[d] = bar
                    continue
                case.lawful.append(d)
            out[v.visit_id] = case
        return out

    def probe(self) -> None:
        """Screen every case that has an open day, place by place, with all the place's teams."""
        if not self.open_days:
            return
        day = self.open_days[0]
        services: list[int] = []
        legs: list[float] = []
        for whole in sorted(set(self.parent)):
            parts = {p for p, w in enumerate(self.parent) if w == whole}
            teams = [self.teams[k] for k in self.whole_teams[min(parts)]]
            mine = [c for c in self.cases.values()
                    if c.place in parts and c.lawful and not c.visit.do_not_visit]
            if not teams:
                continue
            for lo in range(0, len(mine), PROBE_CHUNK):
                chunk = mine[lo:lo + PROBE_CHUNK]
                problem = self.build(day, [_without_history(c.visit) for c in chunk], teams,
                                     self.policy)
                found = screen(problem)
                for i, why in found.rejected.items():
                    chunk[i].rejected = why
                nodes = []
                for cand in found.candidates:
                    case = chunk[cand.visit]
                    case.teams = frozenset(problem.teams[k].team_id for k in cand.teams)
                    services.append(cand.service_s)
                    nodes.append(cand.node)
                legs.extend(_nearest_legs(problem, nodes))
        for case in self.cases.values():
            if case.teams is not None:
                case.useful = [d for d in case.lawful
                               if case.teams & set(self.working.get(d, ()))]
        self.service = int(np.median(services)) if services else self.policy.default_service_s
        self.leg = int(np.median(legs)) if legs else 600
        busy = sum(1 for c in self.cases.values() if c.useful)
        per_day = max(1.0, busy / max(1, len(self.open_days)))
        # the probe's chunks hold up to PROBE_CHUNK cases; a day's route draws from per_day
        size = min(PROBE_CHUNK, max(1, busy))
        self.leg = int(self.leg * math.sqrt(size / per_day)) if per_day < size else self.leg
        for t in self.teams:
            self.capacity[t.team_id] = self._team_capacity(t)

    def _team_capacity(self, t: Team) -> int:
        """Visits the team can make in a day: its cap, or what its shift holds, the lower."""
        cap = min(t.max_visits, self.policy.max_visits_per_team) if t.max_visits is not None \
            else self.policy.max_visits_per_team
        usable = t.shift.length - t.break_s - 2 * self.leg
        by_time = max(0, usable) // max(1, self.service + self.leg)
        return int(min(cap, by_time))

    def assign(self) -> dict[str, date]:
        """Each case with a useful day to one of them (or none), place by place."""
        out: dict[str, date] = {}
        index = {d: i for i, d in enumerate(self.horizon.dates)}
        need = max(self.policy.min_days_between_visits, 1)
        lam = self.policy.balance_weight
        dates = self.horizon.dates
        for place in sorted({c.place for c in self.cases.values() if c.useful}):
            mine = [c for c in self.cases.values() if c.place == place and c.useful]
            team_index = {self.teams[k].team_id: k for k in self.place_teams[place]}
            capacity = {(index[d], team_index[tid]): self.capacity[tid]
                        for d in self.open_days for tid in self.working[d] if tid in team_index}
            at, seeds, reach = _seeds(mine, capacity, self.teams, index, self.seed)
            # one priority point outweighs every tie-break cost together
            scale = (max(capacity.values(), default=1) + SEED_COST_PER_KM * math.ceil(reach)
                     ) * len(mine) + 1
            optional = sum(c.visit.priority for c in mine if not c.visit.must_visit)
            must = optional + 1 + math.ceil(lam)
            groups: dict[str, int] = {}
            for c in mine:
                if len(self.by_borrower[c.visit.borrower_id]) > 1:
                    groups.setdefault(c.visit.borrower_id, len(groups))
            options = []
            for n, c in enumerate(mine):
                weight = scale * (must if c.visit.must_visit else c.visit.priority)
                teams = {index[d]: frozenset(team_index[t] for t in c.teams or ()
                                             if t in self.working[d] and t in team_index)
                         for d in c.useful}
                options.append(Option(n, weight, {d: ts for d, ts in teams.items() if ts},
                                      groups.get(c.visit.borrower_id), at[n]))
            problem = Assignment(tuple(options), capacity, tuple(self._group_rules(groups, need)),
                                 even_shares(capacity, len(mine)), round(lam * scale),
                                 seeds, SEED_COST_PER_KM if seeds else 0)
            placed = assign(problem)
            for n, di in placed.day_of.items():
                out[mine[n].visit.visit_id] = dates[di]
        return out

    def _group_rules(self, groups: Mapping[str, int], need: int) -> list[GroupRule]:
        """One visit a day, the gap and the weekly cap for borrowers with several cases."""
        rules: list[GroupRule] = []
        days = list(range(self.horizon.days))
        for borrower, g in groups.items():
            for w in windows(days, need):
                rules.append(GroupRule(g, w, 1))
            history = self.histories[borrower]
            for w in windows(days, _WEEK):
                lo = self.horizon.start + timedelta(days=min(w))
                hi = lo + timedelta(days=_WEEK - 1)
                past = max((s.count for s in history if lo <= s.day <= hi), default=0)
                most = max(0, self.policy.max_visits_per_7d - past)
                rules.append(GroupRule(g, frozenset(i for i in w if 0 <= i < len(days)), most))
        return rules

    # -- solving days ------------------------------------------------------------------

    def solve_jobs(self, members: Mapping[tuple[date, int], Sequence[str]], *,
                   share: float) -> dict[tuple[date, int], Plan]:
        """Build and solve the given (day, place) jobs; returns their new plans."""
        keys = [k for k in sorted(members) if members[k]]
        if not keys:
            return {}
        jobs: list[tuple[int, Problem, SolveOptions, bool]] = []
        n_total = sum(len(members[k]) for k in keys)
        budget = max(0.2, self.left() * share)
        built: dict[tuple[date, int], _Job] = {}
        for i, key in enumerate(keys):
            day, place = key
            team_ids = [self.teams[k].team_id for k in self.place_teams[place]
                        if self.teams[k].team_id in self.working[day]]
            job = _Job(day, place, tuple(members[key]), tuple(team_ids))
            built[key] = job
            problem = self.build(day, [_without_history(self.visits[self.case_at[v]])
                                       for v in job.cases],
                                 [self.teams[self.team_at[t]] for t in team_ids], self.policy)
            limit = min(budget, max(0.2, budget * self.workers * len(job.cases) / n_total))
            jobs.append((i, problem, SolveOptions(time_limit_s=limit, seed=self.seed,
                                                  solution_limit=self.solution_limit),
                         self.should_stop is not None))
        latest: dict[int, Progress] = {}
        began = self.began

        def on_part(index: int, p: Progress) -> None:
            latest[index] = p
            if self.progress is not None:
                planned = sum(x.planned or 0 for x in latest.values())
                self.progress(Progress(time.perf_counter() - began,
                                       sum(x.objective for x in latest.values()),
                                       len(latest), planned))

        watched = self.progress is not None
        plans = self.runner.map(_solve_day, jobs, should_stop=self.should_stop,
                                on_progress=on_part if watched else None)
        out = dict(zip(keys, plans, strict=True))
        for key, plan in out.items():
            self._adopt(key, built[key], plan)
        return out

    def _adopt(self, key: tuple[date, int], job: _Job, plan: Plan) -> None:
        old = self.plans.get(key)
        if old is not None:
            for vid in (s.visit_id for r in old.routes for s in r.stops):
                self.routed.pop(vid, None)
        self.plans[key], self.jobs[key] = plan, job
        for r in plan.routes:
            for s in r.stops:
                self.routed[s.visit_id] = key[0]
        for u in plan.unassigned:
            self.cases[u.visit_id].tried.add(key[0])

    def _spare(self, key: tuple[date, int]) -> int:
        """Visits the job's teams could still take, by their caps and the time they have left."""
        day, place = key
        plan = self.plans.get(key)
        if plan is not None and any(u.reason is Reason.OVER_CAPACITY for u in plan.unassigned):
            return 0  # the day left work out already: it is full
        routes = {r.team_id: r for r in plan.routes} if plan is not None else {}
        spare = 0
        for k in self.place_teams[place]:
            t = self.teams[k]
            if t.team_id not in self.working.get(day, ()):
                continue
            route = routes.get(t.team_id)
            if route is None or not route.stops:
                spare += self.capacity[t.team_id]
                continue
            cap = min(t.max_visits, self.policy.max_visits_per_team) if t.max_visits is not None \
                else self.policy.max_visits_per_team
            slack = max(0, t.shift.end - route.end_s) + route.waiting_s
            by_time = slack // max(1, self.service + self.leg)
            spare += max(0, min(cap - len(route.stops), int(by_time)))
        return spare

    def move_round(self) -> bool:
        """Move what the days could not route to other open days with room; False: nothing."""
        leftovers = [c for c in self.cases.values()
                     if c.useful and c.visit.visit_id not in self.routed]
        leftovers.sort(key=lambda c: (not c.visit.must_visit, -c.visit.priority,
                                      self.case_at[c.visit.visit_id]))
        spare: dict[tuple[date, int], int] = {}
        moves: dict[tuple[date, int], list[str]] = defaultdict(list)
        pending: dict[str, date] = {}
        for c in leftovers:
            vid = c.visit.visit_id
            best: tuple[int, date] | None = None
            for d in c.useful:
                key = (d, c.place)
                if d in c.tried or not self.open_for(c, d):
                    continue
                if any(abs((d - p).days) < max(self.policy.min_days_between_visits, 1)
                       for o, p in pending.items()
                       if self.visits[self.case_at[o]].borrower_id == c.visit.borrower_id):
                    continue
                if key not in spare:
                    spare[key] = self._spare(key)
                room = spare[key] - len(moves[key])
                if room > 0 and (best is None or room > best[0]):
                    best = (room, d)
            if best is None:
                continue
            key = (best[1], c.place)
            moves[key].append(vid)
            pending[vid] = best[1]
        moves = {k: v for k, v in moves.items() if v}
        if not moves:
            return False
        members = {k: [*(self.jobs[k].cases if k in self.jobs else ()), *v]
                   for k, v in moves.items()}
        old = {k: self.plans.get(k) for k in members}
        old_jobs = {k: self.jobs.get(k) for k in members}
        new = self.solve_jobs(members, share=0.6)
        must = {v.visit_id: v.must_visit for v in self.visits}
        priority = {v.visit_id: v.priority for v in self.visits}
        changed = False
        for key, plan in new.items():
            before = old[key]
            was = old_jobs[key]
            if before is not None and was is not None and (
                    _value(plan, must, priority) < _value(before, must, priority)):
                self._adopt(key, was, before)  # the new solve did worse: keep the old plan
                for vid in moves[key]:
                    self.cases[vid].tried.add(key[0])
                continue
            changed = True
            self.moved += sum(1 for vid in moves[key] if self.routed.get(vid) == key[0])
        return changed

    def must_visits_first(self) -> None:
        """A must-visit left out is solved into an open day where a team could serve it."""
        for c in self.cases.values():
            vid = c.visit.visit_id
            if not c.visit.must_visit or vid in self.routed or not c.useful:
                continue
            if self.left() < 0.5:
                return
            # its own part first, then the other parts of its place
            parts = sorted((p for p, w in enumerate(self.parent) if w == self.parent[c.place]),
                           key=lambda p: p != c.place)
            for key in ((d, p) for d in c.useful for p in parts):
                if vid in self.routed or self.left() < 0.5:
                    break
                if not self.open_for(c, key[0]) or key not in self.jobs:
                    continue
                plan = self.plans[key]
                optional = [r.team_id for r in plan.routes
                            if c.teams and r.team_id in c.teams
                            and any(not self.visits[self.case_at[s.visit_id]].must_visit
                                    for s in r.stops)]
                if not optional:
                    continue
                self.solve_jobs({key: [*self.jobs[key].cases, vid]}, share=0.5)

    # -- the result --------------------------------------------------------------------

    def result(self) -> WeekPlan:
        t0 = time.perf_counter()
        days: dict[date, Plan] = {}
        day_work: dict[date, WorkSpread] = {}
        for d in self.open_days:
            plans = [self.plans[k] for k in sorted(self.plans) if k[0] == d]
            days[d] = self._join(d, plans)
            day_work[d] = self._work([d], days[d].routes)
        unscheduled = tuple(self._unscheduled(c) for c in self.cases.values()
                            if c.visit.visit_id not in self.routed)
        schedule = Schedule(days, unscheduled)
        skipped = {d: (why[1], why[2]) for d, why in self.day_closed.items()}
        self.phases["join_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        violations = check_schedule(self.visits, self.teams, self.policy, self.horizon,
                                    schedule, self.build, calendar=self.calendar)
        self.phases["check_s"] = round(time.perf_counter() - t0, 3)
        if violations:
            raise ComplianceViolation(violations)
        kpis = self._kpis(schedule)
        return WeekPlan(self.horizon, schedule, kpis, day_work, skipped, self.visits,
                        self.teams, self.policy, self.seed, self.budget)

    def _join(self, day: date, plans: Sequence[Plan]) -> Plan:
        """The places' plans of a day as one day plan, with nothing unassigned."""
        order = self.team_at
        routes = sorted((r for p in plans for r in p.routes), key=lambda r: order[r.team_id])
        routed = [self.visits[self.case_at[s.visit_id]] for r in routes for s in r.stops]
        working = [t for t in self.teams if t.team_id in self.working.get(day, ())]
        by_team = {r.team_id: r for r in routes}
        utilisation = {t.team_id: round(by_team[t.team_id].duration_s / t.shift.length, 4)
                       if t.team_id in by_team and t.shift.length else 0.0 for t in working}
        warnings = list(dict.fromkeys(w for p in plans for w in p.kpis.warnings))
        source = plans[0].kpis.travel_source if plans else "haversine"
        kpis = Kpis(
            visits_planned=len(routed), visits_unassigned=0,
            priority_planned=sum(v.priority for v in routed),
            priority_total=sum(v.priority for v in routed),
            must_visits_planned=sum(1 for v in routed if v.must_visit),
            must_visits_total=sum(1 for v in routed if v.must_visit),
            distance_m=sum(r.distance_m for r in routes),
            driving_s=sum(r.driving_s for r in routes),
            waiting_s=sum(r.waiting_s for r in routes),
            service_s=sum(r.service_s for r in routes),
            teams_used=sum(1 for r in routes if r.stops), utilisation=utilisation,
            unassigned_by_reason={}, warnings=tuple(warnings), travel_source=source,
            solve_s=round(sum(p.kpis.solve_s for p in plans), 3),
            objective=sum(p.kpis.objective or 0 for p in plans) if plans else None)
        travel = plans[0].travel if plans else {}
        meta = {"seed": str(self.seed), "travel_source": source,
                "schedule_start": self.horizon.start.isoformat(),
                "parts": str(len(plans))}
        return Plan(day, tuple(routes), (), kpis, self.policy, meta, travel)

    def _work(self, days: Sequence[date], routes: Iterable[Route]) -> WorkSpread:
        by_key = {r.team_id: r for r in routes}
        visits: list[float] = []
        hours: list[float] = []
        for d in days:
            for tid in self.working.get(d, ()):
                r = by_key.get(tid)
                visits.append(float(len(r.stops)) if r is not None else 0.0)
                hours.append(r.duration_s / 3600 if r is not None else 0.0)
        used = sum(1 for v in visits if v > 0)
        return WorkSpread(len(visits), used, Spread.of(visits), Spread.of(hours))

    def _unscheduled(self, c: _Case) -> Unscheduled:
        """The case's reason, in the precedence the checker expects."""
        v = c.visit
        if v.do_not_visit:
            e = explain.do_not_visit()
            return Unscheduled(v.visit_id, e.reason.value, e.detail, e.detail_en)
        open_now = [d for d in c.lawful if self.open_for(c, d)]
        if not open_now:
            zh, en = self._no_lawful_day(c)
            return Unscheduled(v.visit_id, NO_LAWFUL_DAY, zh, en)
        if c.rejected is not None:
            e = c.rejected
            return Unscheduled(v.visit_id, e.reason.value, e.detail, e.detail_en)
        if c.teams and any(c.teams & set(self.working[d]) for d in open_now):
            e = explain.over_capacity(v.priority)
            tried = sorted(d for d in c.tried if d in open_now)
            zh = e.detail + (f"本周已尝试安排在{_zh_days(tried)}，各可访日运力均已排满。"
                             if tried else "本周各可访日运力均已排满。")
            en = e.detail_en + (f" Tried on {_en_days(tried)}; every open day of the week is "
                                "full." if tried else " Every open day of the week is full.")
            return Unscheduled(v.visit_id, e.reason.value, zh, en)
        return self._day_reason(c, open_now[0])

    def _day_reason(self, c: _Case, day: date) -> Unscheduled:
        """The day screen's reason for the case alone on `day` with that day's teams."""
        teams = [self.teams[k] for k in self.whole_teams[c.place]
                 if self.teams[k].team_id in self.working[day]]
        problem = self.build(day, [_without_history(c.visit)], teams, self.policy)
        found = screen(problem)
        e = found.rejected.get(0)
        if e is None:  # a team could serve it that day after all
            e = explain.over_capacity(c.visit.priority)
        return Unscheduled(c.visit.visit_id, e.reason.value, e.detail, e.detail_en)

    def _no_lawful_day(self, c: _Case) -> tuple[str, str]:
        """What closes each day of the horizon to the case, grouped: 10月5-7日为国庆节假期..."""
        v = c.visit
        closed: dict[str, list[date]] = defaultdict(list)
        for d in self.horizon.dates:  # a day not closed by itself is closed by a sibling case
            closed[c.closed[d][0] if d in c.closed else "sibling"].append(d)
        zh: list[str] = []
        en: list[str] = []
        holidays: dict[str, list[date]] = defaultdict(list)
        holidays_en: dict[str, str] = {}
        for d in closed.get("holiday", ()):
            _, name, name_en = self.day_closed[d]
            holidays[name].append(d)
            holidays_en[name] = name_en
        for name, ds in holidays.items():
            zh.append(f"{_zh_days(ds)}为{name}")
            en.append(f"{_en_days(ds)} is {holidays_en[name]}")
        if closed.get("weekend"):
            zh.append(f"{_zh_days(closed['weekend'])}为周末，政策不安排外访")
            en.append(f"{_en_days(closed['weekend'])}: rest weekend, not planned by the policy")
        if closed.get("no_team"):
            zh.append(f"{_zh_days(closed['no_team'])}无外访组出勤")
            en.append(f"no team works on {_en_days(closed['no_team'])}")
        if closed.get("weekday"):
            zh.append(f"仅{weekdays_zh(v.days.weekdays)}可访")
            en.append(f"the borrower is found only on {weekdays_text(v.days.weekdays)}")
        if closed.get("earliest") and v.days.earliest is not None:
            zh.append(f"最早{_zh_day(v.days.earliest)}可访")
            en.append(f"not before its earliest date {v.days.earliest}")
        if closed.get("latest") and v.days.latest is not None:
            zh.append(f"最晚{_zh_day(v.days.latest)}")
            en.append(f"not after its latest date {v.days.latest}")
        if closed.get("appointment") and v.days.appointment is not None:
            a = v.days.appointment
            outside = a not in self.horizon
            zh.append(f"约访日期为{_zh_day(a)}" + ("，不在本次计划期内" if outside else ""))
            en.append(f"the appointment is on {a}" + (", outside the planned days"
                                                     if outside else ""))
        need = max(self.policy.min_days_between_visits, 1)
        if closed.get("gap"):
            zh.append(f"{_zh_days(closed['gap'])}距该客户其他外访不足{need}天")
            en.append(f"{_en_days(closed['gap'])}: fewer than {need} day(s) from another visit "
                      "to the borrower (policy visits.min_days_between)")
        if closed.get("cap"):
            cap = self.policy.max_visits_per_7d
            zh.append(f"{_zh_days(closed['cap'])}七日内外访将超过{cap}次上限")
            en.append(f"{_en_days(closed['cap'])}: more than {cap} visits in 7 days (policy "
                      "visits.max_per_7_days)")
        if closed.get("sibling"):
            zh.append(f"{_zh_days(closed['sibling'])}与该客户本周已安排的其他案件冲突（间隔或"
                      "每周上限）")
            en.append(f"{_en_days(closed['sibling'])}: another case of the borrower is planned "
                      "this week (gap or weekly cap)")
        return ("本周无可安排外访的日期：" + "；".join(zh) + "。",
                "No day of the horizon is open to the case: " + "; ".join(en) + ".")

    def _kpis(self, schedule: Schedule) -> WeekKpis:
        plans = [schedule.days[d] for d in sorted(schedule.days)]
        routes = [r for p in plans for r in p.routes]
        routed = [self.visits[self.case_at[s.visit_id]] for r in routes for s in r.stops]
        visits: list[float] = []
        hours: list[float] = []
        for d in self.open_days:
            by_team = {r.team_id: r for r in schedule.days[d].routes}
            for tid in self.working[d]:
                r = by_team.get(tid)
                visits.append(float(len(r.stops)) if r is not None else 0.0)
                hours.append(r.duration_s / 3600 if r is not None else 0.0)
        work = WorkSpread(len(visits), sum(1 for v in visits if v > 0), Spread.of(visits),
                          Spread.of(hours))
        by_reason: dict[str, int] = defaultdict(int)
        for u in schedule.unscheduled:
            by_reason[u.reason] += 1
        order = [r.value for r in Reason]
        ranked = sorted(by_reason, key=lambda r: order.index(r) if r in order else -1)
        warnings = list(dict.fromkeys(w for p in plans for w in p.kpis.warnings))
        return WeekKpis(
            cases=len(self.visits), visits_planned=len(routed),
            unscheduled=len(schedule.unscheduled),
            priority_planned=sum(v.priority for v in routed),
            priority_total=sum(v.priority for v in self.visits),
            must_visits_planned=sum(1 for v in routed if v.must_visit),
            must_visits_total=sum(1 for v in self.visits if v.must_visit),
            distance_m=sum(r.distance_m for r in routes),
            driving_s=sum(r.driving_s for r in routes),
            waiting_s=sum(r.waiting_s for r in routes),
            service_s=sum(r.service_s for r in routes),
            days_planned=len(self.open_days), days_skipped=len(self.day_closed), work=work,
            unscheduled_by_reason={r: by_reason[r] for r in ranked}, moved=self.moved,
            warnings=tuple(warnings),
            travel_source=plans[0].kpis.travel_source if plans else "haversine",
            solve_s=round(time.perf_counter() - self.began, 3), phases=dict(self.phases))


def _plane(points: Sequence[tuple[float, float]], lat0: float) -> np.ndarray:
    """Lon/lat to km on a plane through the place (equirectangular: fine within a province)."""
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return np.column_stack((xy[:, 0] * _KM_PER_DEG_LAT * math.cos(math.radians(lat0)),
                            xy[:, 1] * _KM_PER_DEG_LAT))


def _seeds(cases: Sequence[_Case], capacity: Mapping[tuple[int, int], int],
           teams: Sequence[Team], day_index: Mapping[date, int], seed: int
           ) -> tuple[list[tuple[float, float] | None], dict[tuple[int, int], tuple[float, float]],
                      float]:
    """Where each team-day's work should lie, so that each day of a team is compact.

    The place's cases are clustered (k-means, one cluster per team-day) and the clusters
    matched to the team-days (an assignment: a cluster goes to a team whose base is near and
    that works a day most of its cases are open on). Returns each case's point and each
    team-day's seed on one plane (km), and the largest distance on it (the cost's bound).
    """
    slots = sorted(k for k, cap in capacity.items() if cap > 0)
    located = [c.visit.location for c in cases]
    found = [p for p in located if p is not None]
    if len(found) < 2 or len(slots) < 2:
        return [None] * len(cases), {}, 0.0
    lat0 = float(np.mean([p[1] for p in found]))
    xy = _plane(found, lat0)
    at: list[tuple[float, float] | None] = []
    rows = iter(xy)
    for p in located:
        if p is None:
            at.append(None)
        else:
            x, y = next(rows)
            at.append((float(x), float(y)))
    bases = _plane([teams[t].start for _, t in slots], lat0)
    k = min(len(slots), len(xy))
    centroids, labels = _kmeans(xy, k, seed)
    # cost of a cluster on a team-day: the base's distance, and a share of its cases closed
    open_share = np.zeros((k, max(day_index.values(), default=0) + 1))
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    members = [c for c in cases if c.visit.location is not None]
    for c, label in zip(members, labels, strict=True):
        for d in c.useful:
            open_share[label, day_index[d]] += 1
    open_share /= np.maximum(sizes, 1)[:, None]
    days = np.array([d for d, _ in slots])
    cost = (np.hypot(centroids[:, None, 0] - bases[None, :, 0],
                     centroids[:, None, 1] - bases[None, :, 1])
            + CLOSED_CLUSTER_KM * (1.0 - open_share[:, days]))
    chosen, slot_at = linear_sum_assignment(cost)
    seeds = {slots[s]: (float(centroids[c, 0]), float(centroids[c, 1]))
             for c, s in zip(chosen, slot_at, strict=True)}
    for s, base in zip(slots, bases, strict=True):  # fewer cases than team-days
        seeds.setdefault(s, (float(base[0]), float(base[1])))
    every = np.vstack((xy, bases))
    reach = float(np.hypot(*(every.max(axis=0) - every.min(axis=0))))
    return at, seeds, reach


def _nearest_legs(problem: Problem, nodes: Sequence[int]) -> list[float]:
    """Seconds from each node to its nearest other node (the first mode's matrix)."""
    if len(nodes) < 2 or not problem.travel.by_mode:
        return []
    m = next(iter(problem.travel.by_mode.values())).durations
    idx = np.asarray(nodes, dtype=np.int64)
    sub = m[np.ix_(idx, idx)].astype(np.float64)
    np.fill_diagonal(sub, np.inf)
    best = sub.min(axis=1)
    return [float(x) for x in best if np.isfinite(x) and x < DAY_S]

