"""What a worker computes for a plan version (a solve or a re-plan), its stop signal, and what-ifs.

`run_job` (routeplan_api.jobs) claims, beats and stores; this module decides what a version
is: a first solve of the day, or a re-plan of an earlier version with what happened so far
(its request and the field outcomes stored by then). Comparisons run on the same queue with
`run_comparison`.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from routeplan.domain.errors import InvalidInput
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.io import plan_from_dict, teams_from_records
from routeplan.report.charts import render_charts, report_html
from routeplan.solver import SolveOptions, solve
from routeplan.solver.decompose import PartRunner
from routeplan.solver.solve import Progress
from routeplan.workflows.build import RegionLocator, build_problem
from routeplan.workflows.compare import Scenario, compare, comparison_to_dict
from routeplan.workflows.replan import Disruption, replan
from routeplan_api.inputs import json_inputs, parse

log = logging.getLogger("routeplan.jobs")

if TYPE_CHECKING:
    from routeplan_api.store import Job, Store


class StopSignal:
    """True once a dispatcher asked to stop this version; asks the store at most every `every_s`."""

    def __init__(self, store: Store, plan_id: str, version: int, every_s: float = 0.5) -> None:
        self._store, self._plan_id, self._version = store, plan_id, version
        self._every = every_s
        self._next = 0.0
        self.fired = False

    def __call__(self) -> bool:
        if not self.fired and time.monotonic() >= self._next:
            self._next = time.monotonic() + self._every
            self.fired = self._store.stop_requested(self._plan_id, self._version)
        return self.fired


def compute_plan(store: Store, job: Job, locator: RegionLocator,
                 progress: Callable[[Progress], None],
                 should_stop: Callable[[], bool], *, runner: PartRunner | None = None) -> Plan:
    """The plan of one version: a solve of the day, or a re-plan when the version is one."""
    visits, teams = parse(job.inputs)
    policy = Policy.from_mapping(json.loads(job.policy_json), source="policy")
    problem = build_problem(job.day, visits, teams, policy, locator=locator)
    options = SolveOptions(time_limit_s=job.time_limit_s, seed=job.seed)
    control = store.control(job.plan_id, job.version)
    if control is None or control.replan_json is None or control.base_version is None:
        return solve(problem, options, progress=progress, should_stop=should_stop,
                     runner=runner)
    found = store.get_version(job.plan_id, control.base_version)
    if found is None or found[1].plan_json is None:
        raise InvalidInput(f"version {control.base_version} has no plan to re-plan")
    old = plan_from_dict(json.loads(found[1].plan_json))
    request: dict[str, Any] = json.loads(control.replan_json)
    routed = {s.visit_id for r in old.routes for s in r.stops}
    outcomes = tuple(Outcome(e.visit_id, e.team_id, OutcomeStatus(e.status), e.at, e.note)
                     for e in store.events(job.plan_id) if e.visit_id in routed)
    disruption = Disruption(
        now=int(request["now_s"]), done=frozenset(request.get("done", ())),
        cancelled=frozenset(request.get("cancelled", ())),
        positions={t: (float(p[0]), float(p[1]))
                   for t, p in request.get("positions", {}).items()},
        dropped_teams=frozenset(request.get("dropped_teams", ())),
        locked_teams=frozenset(request.get("locked_teams", ())), outcomes=outcomes)
    new, changes = replan(problem, old, disruption, options, progress=progress,
                          should_stop=should_stop)
    store.set_changes(job.plan_id, job.version, changes.to_dict())
    return new


def run_comparison(comparison_id: str, database_url: str | None = None,
                   heartbeat_s: float | None = None) -> str:
    """Solve a what-if comparison and store its result document and HTML report.

    Runs in a worker process; without a database URL and heartbeat, reads the worker's own
    settings.
    """
    from routeplan_api.config import Settings
    from routeplan_api.jobs import _region_locator, _store

    settings = Settings()
    store = _store(database_url or settings.resolved_database_url)
    beat = heartbeat_s or settings.heartbeat_s
    worker = f"{socket.gethostname()}:{os.getpid()}"
    row = store.claim_comparison(comparison_id, worker)
    if row is None:
        return "skipped"
    log.info("comparison %s: solving", comparison_id)
    done = threading.Event()

    def beat_loop() -> None:  # the service's reaper retries or fails a silent comparison
        while not done.wait(beat):
            if not store.heartbeat_comparison(comparison_id, worker):
                return

    threading.Thread(target=beat_loop, name="heartbeat", daemon=True).start()
    try:
        request: dict[str, Any] = json.loads(row.request_json)
        visits, teams = parse(json_inputs(request["visits"], request["teams"]))
        scenarios = []
        for sc in request["scenarios"]:
            roster = (teams_from_records(sc["teams"], f"scenarios/{sc['name']}/teams")
                      if sc.get("teams") is not None else None)
            scenarios.append(Scenario(sc["name"], Policy.from_mapping(
                sc["policy"], source="policy", name=sc["policy_name"]),
                tuple(roster) if roster is not None else None))
        result = compare(row.day, visits, teams, scenarios,
                         SolveOptions(time_limit_s=row.time_limit_s, seed=row.seed),
                         locator=_region_locator())
        doc = comparison_to_dict(result)
        for out, sc in zip(doc["scenarios"], request["scenarios"], strict=True):
            out["policy_ref"] = {"name": sc["policy_name"], "version": sc["policy_version"]}
        store.finish_comparison(comparison_id, doc, report_html(doc, charts=render_charts(doc)))
        status = "done"
    except InvalidInput as exc:
        store.fail_comparison(comparison_id, {
            "error": "invalid_input", "message": "the comparison cannot be run",
            "problems": [{"location": p.location, "message": p.message} for p in exc.problems]})
        status = "failed"
    except Exception as exc:
        store.fail_comparison(comparison_id, {
            "error": "internal", "message": f"internal error ({type(exc).__name__})"})
        log.error("comparison %s: internal error %s", comparison_id, type(exc).__name__)
        status = "failed"
    finally:
        done.set()
    log.info("comparison %s: %s", comparison_id, status)
    return status

