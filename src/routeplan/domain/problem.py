"""The assembled planning problem: one day's visits, teams, policy and travel matrices."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np

from routeplan.domain.calendar import HolidayCalendar
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.policy import Policy
from routeplan.domain.team import Team
from routeplan.domain.travel import Matrices, TravelData
from routeplan.domain.visit import Visit

#: The most visits one search takes; a larger day (with several teams) is decomposed into
#: parts, and its travel data is built per part (no whole-day matrix).
ONE_SEARCH_MAX_VISITS = 600
#: The most points one dense matrix may span (8,000: 1 GiB of durations and distances a mode).
DENSE_MAX_POINTS = 8_000


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything a solve needs, immutable. Build it with `routeplan.workflows.build.build_problem`.

    `prefecture` holds, per visit, the adcode of the prefecture it lies in (0 = outside Henan
    or unknown). `warnings` are carried into the plan's KPIs. `calendar` is the holiday
    calendar the day was planned with (None: the one shipped with routeplan).
    """

    day: date
    visits: tuple[Visit, ...]
    teams: tuple[Team, ...]
    policy: Policy
    travel: TravelData
    prefecture: tuple[int, ...]
    warnings: tuple[str, ...] = field(default=())
    calendar: HolidayCalendar | None = None

    def __post_init__(self) -> None:
        problems = validate_roster(self.visits, self.teams, self.policy)
        if len(self.prefecture) != len(self.visits):
            problems.append(InputProblem("prefecture", "one adcode per visit is required"))
        if problems:
            raise InvalidInput.many(problems)

    def visit(self, visit_id: str) -> Visit:
        return self.visits[self.visit_index[visit_id]]

    def team(self, team_id: str) -> Team:
        return self.teams[self.team_index[team_id]]

    @cached_property
    def visit_index(self) -> dict[str, int]:
        return {v.visit_id: i for i, v in enumerate(self.visits)}

    @cached_property
    def team_index(self) -> dict[str, int]:
        return {t.team_id: i for i, t in enumerate(self.teams)}

    def service_s(self, visit: Visit) -> int:
        """The visit's service time, or the policy's default."""
        return visit.service_s if visit.service_s is not None else self.policy.default_service_s

    def restrict(self, visits: Sequence[int], teams: Sequence[int]) -> Problem:
        """The sub-problem of some visits and teams, with its slice of the matrices."""
        travel = self.travel
        rows: list[int] = []
        node: list[int | None] = []
        for i in visits:
            n = travel.visit_node[i]
            node.append(None if n is None else len(rows))
            if n is not None:
                rows.append(n)
        starts = list(range(len(rows), len(rows) + len(teams)))
        rows += [travel.start_node[t] for t in teams]
        ends = list(range(len(rows), len(rows) + len(teams)))
        rows += [travel.end_node[t] for t in teams]
        idx = np.asarray(rows, dtype=np.int64)
        by_mode = {}
        if travel.lazy is not None:  # a part of a large day: its own dense matrices, now
            wanted = {self.teams[t].mode for t in teams} if teams else set(travel.origins)
            for mode in sorted(wanted):
                by_mode[mode] = travel.lazy.dense(mode, rows, travel.origins.get(mode))
        for mode, m in travel.by_mode.items():
            if teams and mode not in {self.teams[t].mode for t in teams}:
                continue
            by_mode[mode] = Matrices(
                np.ascontiguousarray(m.durations[np.ix_(idx, idx)]),
                np.ascontiguousarray(m.distances[np.ix_(idx, idx)]),
                tuple(m.is_snapped(int(r)) for r in idx) if m.snapped else (),
                m.source, m.warnings, m.origin)
        sub = TravelData(tuple(travel.points[r] for r in rows), tuple(node), tuple(starts),
                         tuple(ends), by_mode, travel.source)
        return Problem(self.day, tuple(self.visits[i] for i in visits),
                       tuple(self.teams[t] for t in teams), self.policy, sub,
                       tuple(self.prefecture[i] for i in visits), self.warnings,
                       self.calendar)

    @property
    def lazy(self) -> bool:
        """True for a large day whose travel is computed per part (no whole-day matrix)."""
        return self.travel.lazy is not None

    def dense(self) -> Problem:
        """The same problem with dense matrices over all its points (a small day as it is)."""
        if self.travel.lazy is None:
            return self
        points = len(self.travel.points)
        if points > DENSE_MAX_POINTS:
            raise InvalidInput(f"the day has {points:,} points; one matrix over them would need "
                               f"{points * points * 16 / 2**30:.1f} GiB per mode (at most "
                               f"{DENSE_MAX_POINTS:,} points): plan or re-plan it in parts "
                               "(by prefecture)")
        return self.restrict(range(len(self.visits)), range(len(self.teams)))

    def max_visits(self, team: Team) -> int:
        """A team's cap on visits: its own, never above the policy's."""
        cap = self.policy.max_visits_per_team
        return min(team.max_visits, cap) if team.max_visits is not None else cap


def validate_roster(visits: tuple[Visit, ...], teams: tuple[Team, ...],
                    policy: Policy) -> list[InputProblem]:
    """Cross-record rules: unique ids, one team per collector, team sizes within policy."""
    problems: list[InputProblem] = []
    for vid, n in Counter(v.visit_id for v in visits).items():
        if n > 1:
            problems.append(InputProblem("visits.visit_id", f"{vid!r} appears {n} times"))
    for tid, n in Counter(t.team_id for t in teams).items():
        if n > 1:
            problems.append(InputProblem("teams.team_id", f"{tid!r} appears {n} times"))
    owner: dict[str, str] = {}
    for t in teams:
        size = len(t.members)
        if not policy.min_team_size <= size <= policy.max_team_size:
            problems.append(InputProblem(
                f"teams[{t.team_id}].members",
                f"team of {size} collector(s); the policy allows "
                f"{policy.min_team_size} to {policy.max_team_size} (never fewer than 2)",
            ))
        for m in t.members:
            if m in owner and owner[m] != t.team_id:
                problems.append(InputProblem(
                    f"teams[{t.team_id}].members",
                    f"collector {m!r} is also in team {owner[m]!r}",
                ))
            owner.setdefault(m, t.team_id)
    return problems
