"""Run several search strategies at once, one per core, and keep the best plan.

The first strategy runs in this process; each other one in a fresh 'spawn' process that
rebuilds the OR-Tools model from the (picklable) problem and candidates. The best
objective wins, and on a tie the earlier strategy, so with solution-limit budgets the
result does not depend on which process finishes first. Progress from every process is
reported through the caller's callback, and a stop it asks for reaches every process.
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from routeplan.domain.problem import Problem
from routeplan.solver import pyvrp_engine
from routeplan.solver.routing_model import OnSolution, RoutingModel, SearchOutcome, SearchSettings
from routeplan.solver.screen import Candidate
from routeplan.solver.search import PORTFOLIO

#: Seconds a child may overrun its limit (model build, reading the result) before it is
#: given up on; its strategy then simply does not compete.
_GRACE_S = 5.0


def run_portfolio(problem: Problem, candidates: Sequence[Candidate],
                  settings: Sequence[SearchSettings],
                  on_solution: OnSolution | None = None) -> SearchOutcome:
    """Search with every settings entry in parallel; the best outcome (ties: first) wins."""
    if not settings:
        raise ValueError("run_portfolio needs at least one strategy")
    began = time.monotonic()
    if len(settings) == 1:
        stopped = [False]

        def _alone(objective: int, count: int, planned: int | None) -> bool:
            stopped[0] = stopped[0] or bool(on_solution and on_solution(objective, count,
                                                                        planned))
            return stopped[0]

        return run_one(problem, candidates, _less(settings[0], began), _alone,
                       lambda: stopped[0])
    ctx = mp.get_context("spawn")
    messages: Any = ctx.Queue()
    stop = ctx.Event()
    children = []
    for index, child_settings in enumerate(settings[1:], start=1):
        proc = ctx.Process(target=_worker, name=f"routeplan-search-{index}", daemon=True,
                           args=(_Job(problem, tuple(candidates), child_settings, began, index),
                                 messages, stop))
        proc.start()
        children.append(proc)

    best = _Reports()
    results: dict[int, SearchOutcome | None] = {}

    def _drain() -> None:
        while True:
            try:
                kind, index, payload = messages.get_nowait()
            except queue_mod.Empty:
                return
            _take(kind, index, payload)

    def _take(kind: str, index: int, payload: Any) -> None:
        if kind == "progress":
            best.take(index, *payload)
        else:
            results[index] = payload if kind == "done" else None

    def _own(objective: int, count: int, planned: int | None) -> bool:
        _drain()
        best.take(0, objective, count, planned)
        assert best.objective is not None
        if on_solution is not None and on_solution(best.objective, sum(best.counts.values()),
                                                    best.planned):
            stop.set()
        return stop.is_set()

    results[0] = run_one(problem, candidates, _less(settings[0], began), _own, stop.is_set)
    deadline = began + max(s.time_limit_s for s in settings) + _GRACE_S
    while len(results) < len(settings):
        try:
            kind, index, payload = messages.get(timeout=max(0.05, deadline - time.monotonic()))
        except queue_mod.Empty:
            break
        _take(kind, index, payload)
    for proc in children:
        proc.join(timeout=1.0)
        if proc.is_alive():
            proc.terminate()
            proc.join()
    messages.close()
    ranked = sorted(
        ((i, r) for i, r in results.items() if r is not None and r.objective is not None),
        key=lambda item: (item[1].objective, item[0]))
    if not ranked:
        return results[0] or SearchOutcome((), None, "fail", 0)
    index, outcome = ranked[0]
    total = sum(r.solutions for r in results.values() if r is not None)
    return replace(outcome, solutions=total,
                   status=f"{outcome.status} ({settings[index].resolved().name})")


@dataclass(slots=True)
class _Reports:
    """What the processes reported: best objective, visits of the best plan read, solutions."""

    objective: int | None = None
    planned: int | None = None
    planned_objective: int | None = None  # the objective of the plan `planned` counts
    counts: dict[int, int] = field(default_factory=dict)

    def take(self, index: int, objective: int, count: int, planned: int | None) -> None:
        self.counts[index] = count
        if self.objective is None or objective < self.objective:
            self.objective = objective
        if planned is not None and (self.planned_objective is None
                                    or objective <= self.planned_objective):
            self.planned, self.planned_objective = planned, objective


@dataclass(frozen=True, slots=True)
class _Job:
    """What a child process needs: the problem, its candidates, its strategy and the clock."""

    problem: Problem
    candidates: tuple[Candidate, ...]
    settings: SearchSettings
    began: float  # time.monotonic() at launch; the clock is shared across processes
    index: int


def run_one(problem: Problem, candidates: Sequence[Candidate], settings: SearchSettings,
            on_solution: OnSolution, poll: Callable[[], bool], *, began: float | None = None
            ) -> SearchOutcome:
    """One strategy's search on its engine. `poll` says whether a stop was asked for.

    `began`, when given, is when the budget started (the model build and, in a child, the
    process start count against it). A PyVRP strategy on a day PyVRP does not model runs
    the first portfolio recipe instead.
    """
    model = RoutingModel(problem, candidates)
    if began is not None:
        settings = _less(settings, began)
    strategy = settings.resolved()
    if strategy.engine != "pyvrp" or not pyvrp_engine.applies(problem, candidates):
        if strategy.engine == "pyvrp":
            settings = replace(settings, strategy=PORTFOLIO[0])
        return model.search(settings, on_solution)
    count = [0]
    last: list[tuple[int, int]] = []  # the best plan's objective and visits, once there is one

    def _best(objective: int, planned: int) -> bool:
        count[0] += 1
        last[:] = [(objective, planned)]
        return on_solution(objective, count[0], planned)

    def _asked() -> bool:
        # PyVRP may go long without a new best: the caller is asked between its iterations
        # too (every 0.2 s), with the best so far, as the OR-Tools searches do
        if poll():
            return True
        return bool(last) and on_solution(last[0][0], count[0], last[0][1])

    began_here = time.monotonic()
    try:
        chains = pyvrp_engine.search(problem, candidates, model.penalty,
                                     time_limit_s=settings.time_limit_s,
                                     solution_limit=settings.solution_limit, seed=0,
                                     on_best=_best, should_stop=_asked)
    except Exception:  # the second engine must not sink the solve: OR-Tools takes over
        left = settings.time_limit_s - (time.monotonic() - began_here)
        return model.search(replace(settings, strategy=PORTFOLIO[0],
                                    time_limit_s=max(0.2, left)), on_solution)
    if chains is None:
        return SearchOutcome((), None, "fail (pyvrp)", count[0])
    outcome = model.restore(chains)
    return replace(outcome, solutions=count[0],
                   status="success" if outcome.objective is not None else "fail")


def _less(settings: SearchSettings, began: float) -> SearchSettings:
    """The settings with the time already spent since `began` taken off a time budget."""
    if settings.solution_limit is not None:
        return settings
    left = settings.time_limit_s - (time.monotonic() - began)
    return replace(settings, time_limit_s=max(0.2, left))


def _worker(job: _Job, messages: Any, stop: Any) -> None:
    """Child process: rebuild the model, search, send progress and the outcome back."""
    problem, candidates, settings, began, index = (job.problem, job.candidates, job.settings,
                                                   job.began, job.index)
    try:
        def _progress(objective: int, count: int, planned: int | None) -> bool:
            messages.put(("progress", index, (objective, count, planned)))
            return bool(stop.is_set())

        outcome = run_one(problem, candidates, settings, _progress, stop.is_set, began=began)
        messages.put(("done", index, outcome))
    except Exception as exc:  # a failed strategy must not sink the solve
        messages.put(("error", index, repr(exc)))
