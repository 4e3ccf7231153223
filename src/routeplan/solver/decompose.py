"""Large days by decomposition: prefecture groups, then geographic clusters, solved in parallel.

A province-wide day is many nearly independent problems: teams mostly serve one prefecture,
and inside a large prefecture a team works one part of town. The day is split into parts that
keep every borrower's visits together (at most one visit per borrower per day stays exact),
each part is solved by the ordinary solver with its share of the time budget, on a pool of
processes (or any `PartRunner`, such as the service's job queue), and the parts' routes are
joined and checked again as one plan. The clustering is a small seeded k-means in numpy: no
library clusters with the borrower-grouping and team-quota rules this needs.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from queue import Empty
from typing import Any, Protocol, TypeVar

import numpy as np

from routeplan.domain.kpis import compute_kpis
from routeplan.domain.plan import Plan, Route, Unassigned
from routeplan.domain.problem import Problem
from routeplan.geo.prefectures import PREFECTURES
from routeplan.rules.compliance import assert_compliant
from routeplan.solver.solve import Progress, SolveOptions
from routeplan.solver.solve import solve as solve_single

T = TypeVar("T")
R = TypeVar("R")


class PartSignals(Protocol):
    """What a part solving elsewhere can ask and tell: stop now? here is how far I got."""

    def should_stop(self) -> bool: ...

    def report(self, index: int, progress: Progress) -> None: ...


type PartFn[T, R] = Callable[[T, PartSignals | None], R]
type OnPartProgress = Callable[[int, Progress], None]


class PartRunner(Protocol):
    """Runs independent solves, possibly on other processes or machines.

    `fn(item, signals)` runs once per item; `signals` (None when the caller neither stops nor
    watches) carries a stop from `should_stop` to every part within about a second, and each
    part's progress back to `on_progress(index, progress)`.
    """

    def map(self, fn: PartFn[T, R], items: Sequence[T], *,
            should_stop: Callable[[], bool] | None = None,
            on_progress: OnPartProgress | None = None) -> list[R]: ...


class _Direct:
    """Signals for parts solved in this process: the caller's own callables."""

    def __init__(self, should_stop: Callable[[], bool] | None,
                 on_progress: OnPartProgress | None) -> None:
        self._stop, self._progress = should_stop, on_progress

    def should_stop(self) -> bool:
        return bool(self._stop is not None and self._stop())

    def report(self, index: int, progress: Progress) -> None:
        if self._progress is not None:
            self._progress(index, progress)


class _Shared:
    """Signals across local processes: one shared event, one queue of progress reports."""

    def __init__(self, stop: Any, queue: Any) -> None:
        self.stop, self.queue = stop, queue

    def should_stop(self) -> bool:
        return bool(self.stop.is_set())

    def report(self, index: int, progress: Progress) -> None:
        self.queue.put((index, progress))


_PROCESS_SIGNALS: list[_Shared] = []


def _init_part_process(stop: Any, queue: Any) -> None:
    _PROCESS_SIGNALS[:] = [_Shared(stop, queue)]


def _call_with_process_signals[T, R](fn: PartFn[T, R], watched: bool, item: T) -> R:
    return fn(item, _PROCESS_SIGNALS[0] if watched and _PROCESS_SIGNALS else None)


class LocalPool:
    """The embedded default: a pool of worker processes on this machine."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def map(self, fn: PartFn[T, R], items: Sequence[T], *,
            should_stop: Callable[[], bool] | None = None,
            on_progress: OnPartProgress | None = None) -> list[R]:
        watched = should_stop is not None or on_progress is not None
        if self.workers <= 1 or len(items) <= 1:
            direct = _Direct(should_stop, on_progress) if watched else None
            return [fn(x, direct) for x in items]
        ctx = multiprocessing.get_context("spawn")
        stop, queue = ctx.Event(), ctx.Queue()
        done = threading.Event()

        def relay() -> None:  # the caller's stop out to the parts, their progress back
            while True:
                if should_stop is not None and should_stop():
                    stop.set()
                try:
                    while True:
                        index, progress = queue.get_nowait()
                        if on_progress is not None:
                            on_progress(index, progress)
                except Empty:
                    pass
                if done.wait(0.2):
                    return

        relay_thread = threading.Thread(target=relay, name="routeplan-parts", daemon=True)
        with ProcessPoolExecutor(min(self.workers, len(items)), mp_context=ctx,
                                 initializer=_init_part_process,
                                 initargs=(stop, queue)) as pool:
            relay_thread.start()
            try:
                return list(pool.map(partial(_call_with_process_signals, fn, watched), items))
            finally:
                done.set()
                relay_thread.join()


@dataclass(frozen=True, slots=True)
class Part:
    """Indices of the visits and teams solved together, and their time budget."""

    visits: tuple[int, ...]
    teams: tuple[int, ...]
    time_limit_s: float = 0.0


def _solve_part(job: tuple[int, Problem, SolveOptions, bool], signals: PartSignals | None
                ) -> Plan:
    index, problem, options, stoppable = job
    if signals is None:
        return solve_single(problem, options)
    part_signals = signals

    def report(p: Progress) -> None:
        part_signals.report(index, p)

    # only a stoppable caller gets the sliced search: a plain run stays as repeatable as ever
    return solve_single(problem, options, progress=report,
                        should_stop=part_signals.should_stop if stoppable else None)


def partition(problem: Problem, *, max_part: int = 350, seed: int = 0) -> list[Part]:
    """Split visits and teams into parts; every borrower's visits land in one part."""
    teams = problem.teams
    seats = np.array([p.seat for p in PREFECTURES])
    codes = [p.adcode for p in PREFECTURES]

    def home(point: tuple[float, float]) -> int:
        d = (seats[:, 0] - point[0]) ** 2 + (seats[:, 1] - point[1]) ** 2
        return codes[int(d.argmin())]

    # prefectures joined by teams that serve several of them
    parent = {c: c for c in codes}

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    team_home: list[int] = []
    for t in teams:
        served = sorted(t.prefectures & set(codes)) or [home(t.start)]
        for other in served[1:]:
            parent[find(other)] = find(served[0])
        team_home.append(find(served[0]))
    staffed = {find(h) for h in team_home}

    def component(code: int, point: tuple[float, float] | None) -> int:
        if code in parent and find(code) in staffed:
            return find(code)
        if point is None or not staffed:
            return find(code) if code in parent else -1
        order = np.argsort((seats[:, 0] - point[0]) ** 2 + (seats[:, 1] - point[1]) ** 2)
        return next(find(codes[int(k)]) for k in order if find(codes[int(k)]) in staffed)

    # borrower groups follow their most important visit
    lead: dict[str, int] = {}
    for i, v in enumerate(problem.visits):
        j = lead.get(v.borrower_id)
        if j is None or (v.must_visit, v.priority) > (problem.visits[j].must_visit,
                                                       problem.visits[j].priority):
            lead[v.borrower_id] = i
    team_at = {t.team_id: k for k, t in enumerate(teams)}

    def lead_component(i: int) -> int:
        pinned = team_at.get(problem.visits[i].pin_team or "")
        if pinned is not None:  # a pinned visit goes where its team is
            return team_home[pinned]
        return component(problem.prefecture[i], problem.visits[i].location)

    comp_of_lead = {i: lead_component(i) for i in set(lead.values())}
    by_comp: dict[int, list[int]] = defaultdict(list)
    for i, v in enumerate(problem.visits):
        by_comp[comp_of_lead[lead[v.borrower_id]]].append(i)
    teams_by_comp: dict[int, list[int]] = defaultdict(list)
    for k, h in enumerate(team_home):
        teams_by_comp[h].append(k)

    parts: list[Part] = []
    for comp in sorted(set(by_comp) | set(teams_by_comp)):
        vs, ts = by_comp.get(comp, []), teams_by_comp.get(comp, [])
        if len(vs) <= max_part or len(ts) <= 1:
            parts.append(Part(tuple(vs), tuple(ts)))
        else:
            parts.extend(_clusters(problem, vs, ts, math.ceil(len(vs) / max_part), seed, lead))
    return [p for p in parts if p.visits or p.teams]


def _clusters(problem: Problem, vs: list[int], ts: list[int], k: int, seed: int,
              lead: dict[str, int]) -> list[Part]:
    """K geographic clusters of visits, each with a share of the teams nearest to it."""
    k = min(k, len(ts))
    located = [i for i in vs if problem.visits[i].location is not None]
    xy = np.array([problem.visits[i].location for i in located], dtype=float)
    scale = math.cos(math.radians(float(xy[:, 1].mean()))) if len(xy) else 1.0
    pts = xy * np.array([scale, 1.0])
    rng = np.random.default_rng(seed)
    centres = pts[rng.choice(len(pts), size=k, replace=False)]
    for _ in range(30):  # Lloyd iterations
        label = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        new = np.array([pts[label == c].mean(axis=0) if (label == c).any() else centres[c]
                        for c in range(k)])
        if np.allclose(new, centres):
            break
        centres = new
    cluster_of = {i: int(c) for i, c in zip(located, label, strict=True)}
    members: list[list[int]] = [[] for _ in range(k)]
    for i in vs:
        leader = lead[problem.visits[i].borrower_id]
        members[cluster_of.get(leader, cluster_of.get(i, 0))].append(i)
    # team quotas by share of visits, nearest teams first
    quota = [max(1, round(len(ts) * len(m) / len(vs))) for m in members]
    while sum(quota) > len(ts):
        quota[int(np.argmax(quota))] -= 1
    while sum(quota) < len(ts):
        need = [q / max(1, len(m)) for q, m in zip(quota, members, strict=True)]
        quota[int(np.argmin(need))] += 1
    start = np.array([problem.teams[t].start for t in ts], dtype=float) * np.array([scale, 1.0])
    free = set(range(len(ts)))
    crew: list[list[int]] = [[] for _ in range(k)]
    for c in sorted(range(k), key=lambda c: -len(members[c])):
        near = sorted(free, key=lambda j: float(((start[j] - centres[c]) ** 2).sum()))
        for j in near[: quota[c]]:
            crew[c].append(ts[j])
            free.discard(j)
    for j in sorted(free):  # any left over joins the largest cluster
        crew[int(np.argmax([len(m) for m in members]))].append(ts[j])
    _follow_pins_and_skills(problem, members, crew, centres, scale)
    return [Part(tuple(m), tuple(c)) for m, c in zip(members, crew, strict=True) if m or c]


def _follow_pins_and_skills(problem: Problem, members: list[list[int]], crew: list[list[int]],
                            centres: np.ndarray, scale: float) -> None:
    """Move each borrower's visits to a cluster whose crew can take them (pin, skill)."""
    cluster_of_team = {problem.teams[t].team_id: c for c, ts in enumerate(crew) for t in ts}
    skills = [set().union(*(problem.teams[t].skills for t in ts)) for ts in crew]
    for c in range(len(members)):
        for i in list(members[c]):
            if i not in members[c]:
                continue  # moved with its borrower already
            v = problem.visits[i]
            target: int | None = None
            if v.pin_team is not None and v.pin_team in cluster_of_team:
                target = cluster_of_team[v.pin_team]
            elif v.skill and v.skill not in skills[c]:
                able = [d for d in range(len(crew)) if v.skill in skills[d]]
                if able and v.location is not None:
                    here = np.array(v.location) * np.array([scale, 1.0])
                    target = min(able, key=lambda d: float(((centres[d] - here) ** 2).sum()))
            if target is None or target == c:
                continue
            group = [j for j in members[c] if problem.visits[j].borrower_id == v.borrower_id]
            members[c] = [j for j in members[c] if j not in group]
            members[target].extend(group)


def solve_decomposed(
    problem: Problem,
    options: SolveOptions,
    *,
    runner: PartRunner | None = None,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    max_part: int = 350,
) -> Plan:
    """Solve a large day part by part within the overall time limit; check the joined plan.

    A `should_stop` reaches every part (each keeps its best plan so far), and `progress`
    hears the parts' sums (objective, solutions, visits planned) as they improve.
    """
    began = time.perf_counter()
    runner = runner or LocalPool()
    workers = getattr(runner, "workers", 1)
    total = options.time_limit_s if options.time_limit_s is not None else (
        problem.policy.time_limit_s)
    parts = partition(problem, max_part=max_part, seed=options.seed)
    n = max(1, sum(len(p.visits) for p in parts))
    # the parts share the workers: each gets time in proportion to its visits
    budget = max(1.0, total * 0.85 - 3.0)  # leave room for process start-up and joining
    jobs = []
    for i, p in enumerate(parts):
        share = budget * workers * len(p.visits) / n
        limit = min(budget, max(1.0, share))
        jobs.append((i, problem.restrict(p.visits, p.teams),
                     replace(options, time_limit_s=limit), should_stop is not None))
    latest: dict[int, Progress] = {}

    def on_part(index: int, p: Progress) -> None:
        latest[index] = p
        if progress is not None:
            planned = sum(x.planned or 0 for x in latest.values())
            progress(Progress(time.perf_counter() - began,
                              sum(x.objective for x in latest.values()),
                              sum(x.solutions for x in latest.values()), planned))

    plans = runner.map(_solve_part, jobs, should_stop=should_stop,
                       on_progress=on_part if progress is not None else None)
    routes: list[Route] = []
    unassigned: list[Unassigned] = []
    warnings = list(problem.warnings)
    for plan in plans:
        routes.extend(plan.routes)
        unassigned.extend(plan.unassigned)
        warnings.extend(w for w in plan.kpis.warnings if w not in warnings)
    order = problem.team_index
    routes.sort(key=lambda r: order[r.team_id])
    vorder = problem.visit_index
    unassigned.sort(key=lambda u: vorder[u.visit_id])
    objective = sum(p.kpis.objective or 0 for p in plans)
    kpis = compute_kpis(problem, routes, unassigned, warnings=warnings,
                        solve_s=time.perf_counter() - began, objective=objective)
    plan = Plan(problem.day, tuple(routes), tuple(unassigned), kpis, problem.policy,
                {"seed": str(options.seed), "travel_source": problem.travel.source,
                 "parts": str(len(parts))}, problem.travel.record)
    assert_compliant(problem, plan)
    if progress is not None:
        progress(Progress(time.perf_counter() - began, objective, len(parts),
                          plan.kpis.visits_planned))
    return plan
