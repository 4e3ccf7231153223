"""Before the search: give every visit that cannot be routed its reason, in precedence order."""

from __future__ import annotations

from dataclasses import dataclass

from routeplan.domain.clock import LEGAL_WINDOW, TimeWindow
from routeplan.domain.problem import Problem
from routeplan.domain.team import Team
from routeplan.domain.visit import Place, Visit
from routeplan.geo.prefectures import PREFECTURES
from routeplan.rules import reasons
from routeplan.rules.calendar import day_info
from routeplan.rules.reasons import Explanation

_NAMES = {p.adcode: p for p in PREFECTURES}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A visit the search may route: its hard window bounds [start of service, departure]."""

    visit: int  # index into problem.visits
    node: int  # row in the travel matrices
    window: TimeWindow
    soft: TimeWindow | None  # the company window when the policy makes it soft
    service_s: int
    teams: tuple[int, ...]  # teams that may take it and can reach it alone

    def node_location(self, problem: Problem) -> tuple[float, float]:
        return problem.travel.points[self.node]


@dataclass(frozen=True, slots=True)
class Screening:
    candidates: tuple[Candidate, ...]
    rejected: dict[int, Explanation]  # visit index -> why
    warnings: tuple[str, ...]


def visit_windows(problem: Problem, visit: Visit) -> tuple[TimeWindow | None, TimeWindow | None,
                                                           Explanation | None]:
    """The hard window (and soft company window) of a visit, or why it has none."""
    service = problem.service_s(visit)
    own = visit.window
    if visit.consent_out_of_hours and own is not None:
        if own.length < service:
            return None, None, reasons.outside_lawful(str(own), service // 60, consented=True)
        return own, None, None
    lawful = LEGAL_WINDOW.intersect(own) if own is not None else LEGAL_WINDOW
    if lawful is None or lawful.length < service:
        return None, None, reasons.outside_lawful(str(own), service // 60, consented=False)
    company = problem.policy.company_window
    if not problem.policy.company_window_hard:
        return lawful, company, None
    hard = lawful.intersect(company)
    if hard is None or hard.length < service:
        return None, None, reasons.outside_company(str(own or lawful), str(company),
                                                   service // 60)
    return hard, None, None


def screen(problem: Problem) -> Screening:
    """Split visits into search candidates and visits unassigned before the search."""
    policy = problem.policy
    info = day_info(problem.day, problem.calendar)
    warnings: list[str] = []
    closed: Explanation | None = None
    if not info.covered:
        warnings.append(
            f"no holiday calendar covers {problem.day.year}; {problem.day} is planned as a "
            "workday (policy calendar.uncovered_year = 'plan') / "
            f"日历未收录{problem.day.year}年，按工作日安排")
    elif info.provisional and not info.holiday:
        warnings.append(
            f"the {problem.day.year} holiday arrangement (adjusted workdays) is not in the "
            "calendar yet, only the statutory holidays; check the State Council's notice / "
            f"{problem.day.year}年调休安排尚未收录，仅含法定节假日")
    if info.covered and policy.skip_holidays and info.holiday is not None:
        closed = reasons.holiday(f"法定节假日（{info.holiday.name}）")
        closed = Explanation(closed.reason, closed.detail,
                             f"The date is the statutory holiday {info.holiday.name_en}; the "
                             "policy plans no visits that day. Move it to a workday.")
    elif policy.skip_weekends and info.is_rest_weekend:
        closed = reasons.holiday("周末")
        closed = Explanation(closed.reason, closed.detail,
                             "The date is a weekend; the policy plans no visits on weekends. "
                             "Move it to a workday.")

    rejected: dict[int, Explanation] = {}
    candidates: list[Candidate] = []
    for i, v in enumerate(problem.visits):
        why = _first_reason(problem, i, v, closed)
        if isinstance(why, Explanation):
            rejected[i] = why
        else:
            candidates.append(why)
    return Screening(tuple(candidates), rejected, tuple(warnings))


def _first_reason(problem: Problem, i: int, v: Visit,
                  closed: Explanation | None) -> Explanation | Candidate:
    policy = problem.policy
    if v.do_not_visit:
        return reasons.do_not_visit()
    if closed is not None:
        return closed
    node = problem.travel.visit_node[i]
    if node is None or v.location is None:
        return reasons.invalid_location(
            f"无法定位该地址：{v.location_note or '缺少坐标'}；请补充坐标或更正地址。",
            f"The address could not be placed ({v.location_note or 'no coordinates'}); "
            "add coordinates or correct the address.",
        )
    if problem.prefecture[i] == 0:
        near = _nearest_name(v.location)
        return reasons.invalid_location(
            f"坐标不在河南省内（最近的地市：{near[0]}）；请核对坐标系（WGS-84/GCJ-02/BD-09）"
            "或经纬度是否填反。",
            f"The point lies outside Henan (nearest prefecture: {near[1]}); check the "
            "coordinate system (wgs84/gcj02/bd09) and that lat/lon are not swapped.",
        )
    if not problem.travel.snapped(node):
        return reasons.invalid_location(
            f"附近{policy.max_snap_m}米内没有可通行道路；请核对坐标。",
            f"No road within {policy.max_snap_m} m of the point; check the coordinates.",
        )
    if v.place is Place.WORKPLACE and not v.workplace_consent:
        return reasons.workplace_without_consent()
    days_since = (problem.day - v.last_visit).days if v.last_visit is not None else None
    # a visit recorded for the plan day itself counts: at most one visit per borrower per day
    if ((days_since is not None and days_since < max(policy.min_days_between_visits, 1))
            or v.visits_last_7d + 1 > policy.max_visits_per_7d):
        return reasons.too_recent(days_since, policy.min_days_between_visits,
                                  v.visits_last_7d, policy.max_visits_per_7d)
    hard, soft, bad = visit_windows(problem, v)
    if bad is not None:
        return bad
    assert hard is not None
    eligible, why = _eligible_teams(problem, i, v)
    if not eligible:
        return reasons.no_eligible_team(*why)
    service = problem.service_s(v)
    reachable = [t for t in eligible if _reachable_alone(problem, problem.teams[t], t, node,
                                                         hard, service)]
    if not reachable:
        return reasons.unreachable(
            f"{len(eligible)}个可选外访组从出发点到达后已超出客户时段或班次",
            f"from each of the {len(eligible)} eligible team(s) the visit would end after its "
            "window or the team could not return before its shift ends; widen the window, "
            "extend a shift or add a team nearer to it",
        )
    return Candidate(i, node, hard, soft, service, tuple(reachable))


def _eligible_teams(problem: Problem, i: int, v: Visit) -> tuple[list[int], tuple[str, str]]:
    teams = list(enumerate(problem.teams))
    if v.pin_team is not None:
        teams = [(k, t) for k, t in teams if t.team_id == v.pin_team]
        if not teams:
            return [], (f"指定的外访组{v.pin_team}当天不在岗",
                        f"the pinned team {v.pin_team!r} is not on today's roster")
    if v.skill:
        teams = [(k, t) for k, t in teams if v.skill in t.skills]
        if not teams:
            return [], (f"需要技能“{v.skill}”的外访组", f"no team has the skill {v.skill!r}")
    code = problem.prefecture[i]
    teams = [(k, t) for k, t in teams if not t.prefectures or code in t.prefectures]
    if not teams:
        name = _NAMES[code].name if code in _NAMES else str(code)
        en = _NAMES[code].name_en if code in _NAMES else str(code)
        return [], (f"没有负责{name}的外访组", f"no team serves {en}")
    teams = [(k, t) for k, t in teams if problem.max_visits(t) > 0
             and (t.capacity is None or v.demand <= t.capacity)]
    if not teams:
        return [], ("可选外访组当天不接受任务或容量不足",
                    "the eligible teams take no visits today or lack the capacity")
    return [k for k, _ in teams], ("", "")


def _reachable_alone(problem: Problem, team: Team, k: int, node: int, window: TimeWindow,
                     service: int) -> bool:
    """True when the team can leave at shift start, serve only this visit, and get back."""
    travel = problem.travel
    go = travel.duration(team.mode, travel.start_node[k], node)
    back = travel.duration(team.mode, node, travel.end_node[k])
    start = max(team.shift.start + go, window.start)
    departure = start + service
    return departure <= window.end and departure + back <= team.shift.end


def _nearest_name(location: tuple[float, float]) -> tuple[str, str]:
    lon, lat = location
    best = min(PREFECTURES, key=lambda p: (p.seat[0] - lon) ** 2 + (p.seat[1] - lat) ** 2)
    return best.name, best.name_en
