"""Which day each case of a week goes to: a min-cost flow over cases, team-days and shares.

The weekly planner (`routeplan.workflows.week`) asks this before any route is drawn. Each case
goes to at most one team-day (a team on one of the case's allowed days that could serve it
alone); a team-day takes at most the visits its team can make in a day. That is a weighted
b-matching, solved exactly as a min-cost flow (OR-Tools `SimpleMinCostFlow`): placing a case
earns its weight (priority, must-visits above all optional cases together); a team-day's k-th
visit costs k (a tie-break that spreads work evenly) plus `balance_cost` once k is beyond the
team-day's even share of the week (the trade of priority for balance); and, when the caller
gives each team-day a seed (where its work should lie), `per_km` for each km between the case
and the seed: a tie-break that makes each day's work of a team compact, so it drives less.

The cases of one borrower keep windows of days with a most visits each (one a day, the minimum
gap, the weekly cap with the visits already made): not a flow constraint, so the flow's answer
is repaired afterwards, heaviest cases kept, the others placed again where room and the windows
allow. Everything is plain integers: days and teams are indices; the caller keeps the dates.

CP-SAT was measured first (issue 15): on a 2,000-case Zhengzhou week it returned no better
than its greedy hint in 1-8 s, with one or two workers; the flow is exact and takes a second.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Option:
    """A case to place: its weight, and per allowed day the teams that could serve it."""

    key: int
    weight: int
    teams: Mapping[int, frozenset[int]]  # day -> team indices; the allowed days are its keys
    group: int | None = None  # a borrower with several cases: the windows of `GroupRule`
    at: tuple[float, float] | None = None  # where the case is, km on a local plane

    def __post_init__(self) -> None:
        if self.weight <= 0:
            raise ValueError(f"option {self.key}: weight {self.weight} is not positive")


@dataclass(frozen=True, slots=True)
class GroupRule:
    """At most `most` of the group's cases placed on the days of `days` together."""

    group: int
    days: frozenset[int]
    most: int


@dataclass(frozen=True, slots=True)
class Assignment:
    """The problem: cases, what each team can do each day, group windows, balance."""

    options: tuple[Option, ...]
    capacity: Mapping[tuple[int, int], int]  # (day, team) -> visits the team can make
    rules: tuple[GroupRule, ...] = ()
    share: Mapping[tuple[int, int], int] = field(default_factory=dict)  # even share per team-day
    balance_cost: int = 0  # per visit a team-day takes beyond its share
    # where each team-day's work lies (km, the options' plane), and the cost of each km a
    # case lies from the seed of the team-day it is placed on: days of compact work
    seeds: Mapping[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    per_km: int = 0

    def arc_cost(self, option: Option, slot: tuple[int, int]) -> int:
        """What placing the option on the team-day costs besides the slot's own costs."""
        seed = self.seeds.get(slot)
        if not self.per_km or seed is None or option.at is None:
            return 0
        return round(self.per_km * math.hypot(option.at[0] - seed[0], option.at[1] - seed[1]))


@dataclass(frozen=True, slots=True)
class Placed:
    """The answer: day and team-day per placed case, and the objective reached."""

    day_of: Mapping[int, int]
    team_of: Mapping[int, int]
    objective: int


def even_shares(capacity: Mapping[tuple[int, int], int], placeable: int
                ) -> dict[tuple[int, int], int]:
    """Each team-day's share of `placeable` visits, in proportion to its capacity."""
    total = sum(capacity.values())
    if total <= 0:
        return dict.fromkeys(capacity, 0)
    fill = min(1.0, placeable / total)
    return {k: math.ceil(cap * fill) for k, cap in capacity.items()}


def assign(problem: Assignment) -> Placed:
    """The placement of greatest weight less balance costs; deterministic."""
    from ortools.graph.python import min_cost_flow

    options = [o for o in problem.options if o.teams]
    if not options:
        return Placed({}, {}, 0)
    flow = min_cost_flow.SimpleMinCostFlow()
    slots = sorted(k for k, cap in problem.capacity.items() if cap > 0)
    slot_node = {k: 2 + len(options) + i for i, k in enumerate(slots)}
    source, sink = 0, 1
    choice: list[tuple[int, int, tuple[int, int]]] = []  # (arc, option index, slot)
    for i, o in enumerate(options):
        node = 2 + i
        flow.add_arc_with_capacity_and_unit_cost(source, node, 1, 0)
        flow.add_arc_with_capacity_and_unit_cost(node, sink, 1, 0)  # left out
        for d in sorted(o.teams):
            for t in sorted(o.teams[d]):
                slot = (d, t)
                if slot in slot_node:
                    arc = flow.add_arc_with_capacity_and_unit_cost(
                        node, slot_node[slot], 1, problem.arc_cost(o, slot) - o.weight)
                    choice.append((arc, i, slot))
    for slot in slots:
        share = problem.share.get(slot, problem.capacity[slot])
        for k in range(1, problem.capacity[slot] + 1):
            cost = k + (problem.balance_cost if k > share else 0)
            flow.add_arc_with_capacity_and_unit_cost(slot_node[slot], sink, 1, cost)
    flow.set_node_supply(source, len(options))
    flow.set_node_supply(sink, -len(options))
    status = flow.solve()
    if status != flow.OPTIMAL:  # cannot happen: every case may be left out
        raise RuntimeError(f"the day assignment flow ended {status}")
    team_of: dict[int, tuple[int, int]] = {}
    for arc, i, slot in choice:
        if flow.flow(arc) > 0:
            team_of[options[i].key] = slot
    team_of = _keep_group_rules(problem, options, team_of)
    return Placed({k: s[0] for k, s in team_of.items()}, {k: s[1] for k, s in team_of.items()},
                  _objective(problem, team_of))


def _keep_group_rules(problem: Assignment, options: Sequence[Option],
                      placed: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """Repair the borrower windows: keep the heaviest cases, place the others again."""
    if not problem.rules:
        return placed
    rules_of: dict[int, list[GroupRule]] = defaultdict(list)
    for rule in problem.rules:
        rules_of[rule.group].append(rule)
    load: dict[tuple[int, int], int] = defaultdict(int)
    for slot in placed.values():
        load[slot] += 1
    by_group: dict[int, list[Option]] = defaultdict(list)
    for o in options:
        if o.group is not None:
            by_group[o.group].append(o)

    def fits(group: int, days: list[int]) -> bool:
        return all(sum(1 for d in days if d in r.days) <= r.most for r in rules_of[group])

    for group, members in by_group.items():
        members.sort(key=lambda o: (-o.weight, o.key))
        kept: list[int] = []
        dropped: list[Option] = []
        for o in members:
            at = placed.get(o.key)
            if at is None:
                dropped.append(o)
            elif fits(group, [*kept, at[0]]):
                kept.append(at[0])
            else:
                del placed[o.key]
                load[at] -= 1
                dropped.append(o)
        for o in dropped:  # again where a team-day has room and the windows allow
            for d in sorted(o.teams):
                if not fits(group, [*kept, d]):
                    continue
                free = sorted((problem.arc_cost(o, (d, t)), t) for t in o.teams[d]
                              if load[(d, t)] < problem.capacity.get((d, t), 0))
                if free:
                    slot = (d, free[0][1])
                    placed[o.key] = slot
                    load[slot] += 1
                    kept.append(d)
                    break
    return placed


def _objective(problem: Assignment, placed: Mapping[int, tuple[int, int]]) -> int:
    weight = {o.key: o.weight for o in problem.options}
    by_key = {o.key: o for o in problem.options}
    load: dict[tuple[int, int], int] = defaultdict(int)
    for slot in placed.values():
        load[slot] += 1
    cost = sum(problem.arc_cost(by_key[k], slot) for k, slot in placed.items())
    for slot, n in load.items():
        share = problem.share.get(slot, problem.capacity.get(slot, 0))
        cost += n * (n + 1) // 2 + problem.balance_cost * max(0, n - share)
    return sum(weight[k] for k in placed) - cost


def windows(days: Sequence[int], width: int) -> list[frozenset[int]]:
    """Every run of `width` consecutive day indices that meets `days`."""
    if not days:
        return []
    lo, hi = min(days), max(days)
    return [frozenset(range(start, start + width)) for start in range(lo - width + 1, hi + 1)]
