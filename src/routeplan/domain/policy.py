"""The planning policy: company rules analysts tune, checked so nothing widens the legal ones."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from routeplan.domain.clock import LEGAL_WINDOW, TimeWindow, format_hhmm, parse_hhmm
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.team import LEGAL_MIN_TEAM_SIZE, Mode

#: COMPLIANCE rule 10: field records (and so audit findings) are kept at least two years.
MIN_RETENTION_DAYS = 730
#: The most visits (rows of a visits file, JSON records) a profile may allow in one day's input.
MAX_ROWS_CEILING = 100_000
#: The most teams a profile may allow in one day's input.
MAX_TEAMS_CEILING = 5_000


@dataclass(frozen=True, slots=True)
class _Key:
    section: str
    key: str
    field: str
    doc: str
    kind: str = "int"  # int | float | bool | time | str


#: Every policy key as it appears in a TOML profile: [section] key -> dataclass field.
KEYS: tuple[_Key, ...] = (
    _Key("window", "company_start", "company_start", "Company window opens (HH:MM).", "time"),
    _Key("window", "company_end", "company_end", "Company window closes (HH:MM).", "time"),
    _Key("window", "company_hard", "company_window_hard",
         "true: no visit outside the company window; false: allowed inside the legal "
         "08:00-22:00 window at a cost per minute outside.", "bool"),
    _Key("window", "soft_cost_per_min", "soft_cost_per_min",
         "Cost of one minute outside a soft company window, in seconds of driving."),
    _Key("teams", "min_size", "min_team_size", "Fewest collectors in a team (never below 2)."),
    _Key("teams", "max_size", "max_team_size", "Most collectors in a team."),
    _Key("teams", "max_visits", "max_visits_per_team", "Most visits per team per day."),
    _Key("visits", "service_min", "service_min", "Minutes at a visit when the case gives none."),
    _Key("visits", "min_days_between", "min_days_between_visits",
         "Fewest whole days since the borrower's last visit."),
    _Key("visits", "max_per_7_days", "max_visits_per_7d",
         "Most visits to one borrower in 7 days, today's included."),
    _Key("visits", "outside_region", "outside_region",
         "A visit outside Henan: 'unassign' (reason invalid_location) or 'reject' the input.",
         "str"),
    _Key("calendar", "skip_holidays", "skip_holidays",
         "Plan no visits on statutory public holidays (adjusted workdays are workdays).", "bool"),
    _Key("calendar", "skip_weekends", "skip_weekends",
         "Plan no visits on Saturdays and Sundays that are not adjusted workdays.", "bool"),
    _Key("calendar", "uncovered_year", "uncovered_year",
         "A date whose year no holiday calendar covers (shipped, or ROUTEPLAN_CALENDAR): "
         "'refuse' to plan it, or 'plan' it as a workday with a warning.", "str"),
    _Key("calendar", "rest_day", "rest_day",
         "A day the policy plans no visits on (a statutory holiday with skip_holidays, a "
         "weekend with skip_weekends): 'warn' (accepted with a warning; every visit comes back "
         "holiday) or 'refuse' it at submission.", "str"),
    _Key("solver", "time_limit_s", "time_limit_s", "Wall-clock seconds the solver may search.",
         "float"),
    _Key("solver", "priority_weight", "priority_weight",
         "Seconds of driving one priority point is worth when deciding what to drop."),
    _Key("solver", "must_visit_penalty", "must_visit_penalty",
         "Cost of leaving a must-visit out; far above any driving saving."),
    _Key("travel", "detour_factor", "detour_factor",
         "Road distance over straight-line distance for the haversine estimate.", "float"),
    _Key("travel", "car_kmh", "car_kmh", "Average car speed, km/h.", "float"),
    _Key("travel", "ebike_kmh", "ebike_kmh", "Average e-bike speed, km/h.", "float"),
    _Key("travel", "walk_kmh", "walk_kmh", "Average walking speed, km/h.", "float"),
    _Key("travel", "on_road_failure", "on_road_failure",
         "When the road engine fails: 'fallback' to straight-line estimates (recorded in the "
         "plan's kpis.warnings) or 'refuse' to plan.", "str"),
    _Key("travel", "max_snap_m", "max_snap_m",
         "A point farther than this from any road is unassigned as invalid_location."),
    # [week]: planning several days at once (workflows/week.py).
    _Key("week", "time_limit_s", "week_time_limit_s",
         "Wall-clock seconds a whole weekly run may take (assigning cases to days, every "
         "day's solve, moving what a day could not route, the checks), unless --time-limit "
         "says otherwise.", "float"),
    _Key("week", "balance_weight", "balance_weight",
         "Priority points a visit costs when it puts a day above its even share of the "
         "week's work: 0 plans for priority alone; a weight above a case's priority leaves "
         "that case out rather than overload its day.", "float"),
    # [audit]: the compliance audit of what happened at the door (rules/audit.py).
    _Key("audit", "max_distance_m", "audit_max_distance_m",
         "Metres a field report may lie from the visit's point, beyond the phone's reported "
         "accuracy, before it is a far_from_visit finding (a third party's door?)."),
    _Key("audit", "retention_days", "audit_retention_days",
         "Days field reports and audit findings are kept: at least 730 (2 years, COMPLIANCE "
         "rule 10), at most 3650."),
    # [replan]: the price of changing what teams were told (workflows/replan.py).
    _Key("replan", "move_cost", "replan_move_cost",
         "Cost, in seconds of driving, of each visit a re-plan takes from the team it was "
         "planned for (moved to another team, or left out after being planned); 0 with "
         "retime_cost_per_min 0 re-optimises the rest of the day freely."),
    _Key("replan", "retime_min", "replan_retime_min",
         "Minutes a re-planned visit may start earlier or later than planned before it counts "
         "as re-timed."),
    _Key("replan", "retime_cost_per_min", "replan_retime_cost_per_min",
         "Cost, in seconds of driving, of each minute a visit starts beyond retime_min from "
         "its planned time (on the same or another team)."),
    _Key("limits", "max_rows", "max_rows",
         "Most visits in one day's input (rows of a visits file, records of a request); a "
         f"larger file is refused before it is read whole (at most {MAX_ROWS_CEILING})."),
    _Key("limits", "max_teams", "max_teams",
         f"Most teams in one day's input (rows of a teams file; at most {MAX_TEAMS_CEILING})."),
    # [maps]: what the field page and the route sheet show (routeplan.maps).
    _Key("maps", "show_address", "maps_show_address",
         "Show each stop's address masked to district and road (金水区 花园路 ***) on the "
         "field page and the route sheet; false: the case reference only.", "bool"),
)


@dataclass(frozen=True, slots=True)
class Policy:
    """Company rules for one planning run. Times are seconds since midnight."""

    name: str = "default"
    company_start: int = 9 * 3600
    company_end: int = 20 * 3600
    company_window_hard: bool = True
    soft_cost_per_min: int = 60
    min_team_size: int = 2
    max_team_size: int = 3
    max_visits_per_team: int = 12
    service_min: int = 20
    min_days_between_visits: int = 3
    max_visits_per_7d: int = 2
    outside_region: str = "unassign"
    skip_holidays: bool = True
    skip_weekends: bool = False
    uncovered_year: str = "refuse"
    rest_day: str = "warn"
    time_limit_s: float = 30.0
    priority_weight: int = 1000
    must_visit_penalty: int = 10_000_000_000
    detour_factor: float = 1.3
    car_kmh: float = 30.0
    ebike_kmh: float = 15.0
    walk_kmh: float = 4.5
    on_road_failure: str = "fallback"
    max_snap_m: int = 500
    week_time_limit_s: float = 90.0
    balance_weight: float = 0.5
    audit_max_distance_m: int = 300
    audit_retention_days: int = 730
    replan_move_cost: int = 3600
    replan_retime_min: int = 30
    replan_retime_cost_per_min: int = 60
    max_rows: int = 20_000
    max_teams: int = 500
    maps_show_address: bool = True

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise InvalidInput.many(problems)

    def problems(self) -> list[InputProblem]:
        """Every reason this policy is not acceptable, one per field."""
        out: list[InputProblem] = []

        def bad(key: str, msg: str) -> None:
            out.append(InputProblem(f"policy.{key}", msg))

        if not LEGAL_WINDOW.start <= self.company_start <= LEGAL_WINDOW.end:
            bad("window.company_start",
                f"{format_hhmm(self.company_start)} is outside the legal window {LEGAL_WINDOW} "
                "(COMPLIANCE rule 1)")
        if not LEGAL_WINDOW.start <= self.company_end <= LEGAL_WINDOW.end:
            bad("window.company_end",
                f"{format_hhmm(self.company_end)} is outside the legal window {LEGAL_WINDOW} "
                "(COMPLIANCE rule 1)")
        if self.uncovered_year not in ("refuse", "plan"):
            bad("calendar.uncovered_year", f"{self.uncovered_year!r} is not 'refuse' or 'plan'")
        if self.rest_day not in ("warn", "refuse"):
            bad("calendar.rest_day", f"{self.rest_day!r} is not 'warn' or 'refuse'")
        if self.company_end <= self.company_start:
            bad("window.company_end",
                f"{format_hhmm(self.company_end)} is not after window.company_start "
                f"{format_hhmm(self.company_start)}")
        if self.soft_cost_per_min < 0:
            bad("window.soft_cost_per_min", f"{self.soft_cost_per_min} is negative")
        if self.min_team_size < LEGAL_MIN_TEAM_SIZE:
            bad("teams.min_size", f"{self.min_team_size} is below the legal minimum of 2 "
                "collectors per visit (COMPLIANCE rule 3)")
        if self.max_team_size < max(self.min_team_size, LEGAL_MIN_TEAM_SIZE):
            bad("teams.max_size", f"{self.max_team_size} is below teams.min_size")
        if not 0 <= self.max_visits_per_team <= 200:
            bad("teams.max_visits", f"{self.max_visits_per_team} is not between 0 and 200")
        if not 1 <= self.service_min <= 480:
            bad("visits.service_min", f"{self.service_min} is not between 1 and 480")
        if not 0 <= self.min_days_between_visits <= 365:
            bad("visits.min_days_between", f"{self.min_days_between_visits} is not 0..365")
        if not 1 <= self.max_visits_per_7d <= 7:
            bad("visits.max_per_7_days", f"{self.max_visits_per_7d} is not between 1 and 7 "
                "(at most one visit per borrower per day)")
        if self.outside_region not in ("unassign", "reject"):
            bad("visits.outside_region", f"{self.outside_region!r} is not 'unassign' or 'reject'")
        if not 0 < self.time_limit_s <= 3600:
            bad("solver.time_limit_s", f"{self.time_limit_s} is not between 0 and 3600 seconds")
        if not 1 <= self.priority_weight <= 1_000_000:
            bad("solver.priority_weight", f"{self.priority_weight} is not 1..1000000")
        if not 10**6 <= self.must_visit_penalty <= 10**13:
            bad("solver.must_visit_penalty", f"{self.must_visit_penalty} is not 1e6..1e13")
        if not 1 <= self.week_time_limit_s <= 3600:
            bad("week.time_limit_s", f"{self.week_time_limit_s} is not between 1 and 3600 "
                "seconds")
        if not 0 <= self.balance_weight <= 100:
            bad("week.balance_weight", f"{self.balance_weight} is not between 0 and 100")
        if self.on_road_failure not in ("fallback", "refuse"):
            bad("travel.on_road_failure",
                f"{self.on_road_failure!r} is not 'fallback' or 'refuse'")
        if not 10 <= self.max_snap_m <= 100_000:
            bad("travel.max_snap_m", f"{self.max_snap_m} is not between 10 and 100000 metres")
        if not 1.0 <= self.detour_factor <= 3.0:
            bad("travel.detour_factor", f"{self.detour_factor} is not between 1.0 and 3.0")
        for key, value, top in (("car_kmh", self.car_kmh, 120.0),
                                ("ebike_kmh", self.ebike_kmh, 40.0),
                                ("walk_kmh", self.walk_kmh, 8.0)):
            if not 0.5 <= value <= top:
                bad(f"travel.{key}", f"{value} is not between 0.5 and {top:g} km/h")
        if not 1 <= self.max_rows <= MAX_ROWS_CEILING:
            bad("limits.max_rows", f"{self.max_rows} is not between 1 and {MAX_ROWS_CEILING}")
        if not 1 <= self.max_teams <= MAX_TEAMS_CEILING:
            bad("limits.max_teams", f"{self.max_teams} is not between 1 and {MAX_TEAMS_CEILING}")
        out += self._audit_problems()
        out += self._replan_problems()
        return out

    def _replan_problems(self) -> list[InputProblem]:
        """The [replan] section: prices of a change, never negative, and a tolerance."""
        out: list[InputProblem] = []
        for key, value, hi in (("move_cost", self.replan_move_cost, 10**7),
                               ("retime_cost_per_min", self.replan_retime_cost_per_min, 10**5)):
            if not 0 <= value <= hi:
                out.append(InputProblem(f"policy.replan.{key}", f"{value} is not 0..{hi}"))
        if not 0 <= self.replan_retime_min <= 24 * 60:
            out.append(InputProblem("policy.replan.retime_min",
                                    f"{self.replan_retime_min} is not 0..1440 minutes"))
        return out

    @property
    def replan_free(self) -> bool:
        """True when a re-plan may change anything at no price (a full re-optimisation)."""
        return self.replan_move_cost == 0 and self.replan_retime_cost_per_min == 0

    def _audit_problems(self) -> list[InputProblem]:
        """The [audit] section: a distance that means something, retention of 2 to 10 years."""
        out: list[InputProblem] = []
        if not 10 <= self.audit_max_distance_m <= 10_000:
            out.append(InputProblem("policy.audit.max_distance_m",
                                    f"{self.audit_max_distance_m} is not between 10 and 10000 "
                                    "metres"))
        if not MIN_RETENTION_DAYS <= self.audit_retention_days <= 3650:
            out.append(InputProblem("policy.audit.retention_days",
                                    f"{self.audit_retention_days} is not between "
                                    f"{MIN_RETENTION_DAYS} (2 years, COMPLIANCE rule 10) and "
                                    "3650"))
        return out

    @property
    def company_window(self) -> TimeWindow:
        return TimeWindow(self.company_start, self.company_end)

    @property
    def default_service_s(self) -> int:
        return self.service_min * 60

    def speed_kmh(self, mode: Mode) -> float:
        """Average straight-line-equivalent speed of a mode before the detour factor."""
        return {Mode.CAR: self.car_kmh, Mode.EBIKE: self.ebike_kmh, Mode.WALK: self.walk_kmh}[mode]

    def with_overrides(self, overrides: Mapping[str, Any]) -> Policy:
        """A copy with some keys changed; keys are 'section.key' or field names."""
        return replace(self, **_convert(overrides, source="overrides"))

    # -- TOML -------------------------------------------------------------------------------

    @classmethod
    def from_toml(cls, path: Path) -> Policy:
        """Load a TOML profile; every key is optional and unknown keys are errors."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise InvalidInput(f"{path}: policy file not found") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path}: not a valid TOML policy ({exc})") from exc
        return cls.from_mapping(data, source=str(path), name=data.get("name", path.stem))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "policy",
                     name: str | None = None) -> Policy:
        """Build from nested {section: {key: value}} (as TOML or JSON) or flat 'section.key'."""
        flat: dict[str, Any] = {}
        for k, v in data.items():
            if k == "name":
                continue
            if isinstance(v, Mapping):
                for k2, v2 in v.items():
                    flat[f"{k}.{k2}"] = v2
            else:
                flat[k] = v
        kwargs = _convert(flat, source=source)
        if name is not None:
            kwargs["name"] = str(name)
        return cls(**kwargs)

    def to_mapping(self) -> dict[str, Any]:
        """Nested {section: {key: value}} with times as "HH:MM": the TOML and JSON form."""
        out: dict[str, Any] = {"name": self.name}
        for spec in KEYS:
            value = getattr(self, spec.field)
            if spec.kind == "time":
                value = format_hhmm(value)
            out.setdefault(spec.section, {})[spec.key] = value
        return out

    def to_toml(self, *, documented: bool = True) -> str:
        """The profile as TOML text, each key preceded by its documentation."""
        lines = [
            "# routeplan policy profile. Times are quoted \"HH:MM\" (Asia/Shanghai).",
            "# Legal limits (COMPLIANCE.md) are not keys: no profile can widen them.",
            f"name = {_toml_value(self.name)}",
        ]
        section = ""
        for spec in KEYS:
            if spec.section != section:
                section = spec.section
                lines += ["", f"[{section}]"]
            if documented:
                lines.append(f"# {spec.doc}")
            value = getattr(self, spec.field)
            shown = format_hhmm(value) if spec.kind == "time" else value
            lines.append(f"{spec.key} = {_toml_value(shown)}")
        return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


_BY_DOTTED = {f"{k.section}.{k.key}": k for k in KEYS}
_BY_FIELD = {k.field: k for k in KEYS}
_FIELD_NAMES = {f.name for f in fields(Policy)}


def _convert(flat: Mapping[str, Any], *, source: str) -> dict[str, Any]:
    """Turn user keys and values into dataclass kwargs, collecting a message per bad field."""
    kwargs: dict[str, Any] = {}
    problems: list[InputProblem] = []
    for raw_key, value in flat.items():
        spec = _BY_DOTTED.get(raw_key) or _BY_FIELD.get(raw_key)
        if spec is None:
            if raw_key == "name" and isinstance(value, str):
                kwargs["name"] = value
                continue
            problems.append(InputProblem(f"{source}.{raw_key}", "unknown policy key"))
            continue
        where = f"{source}.{spec.section}.{spec.key}"
        try:
            kwargs[spec.field] = _coerce(spec, value)
        except InvalidInput as exc:
            problems.append(InputProblem(where, str(exc)))
    if problems:
        raise InvalidInput.many(problems)
    return kwargs


def _coerce(spec: _Key, value: Any) -> Any:
    if spec.kind == "time":
        if not isinstance(value, str):
            raise InvalidInput(f"{value!r} must be a quoted \"HH:MM\" string")
        return parse_hhmm(value, spec.key)
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise InvalidInput(f"{value!r} must be true or false")
        return value
    if spec.kind == "str":
        if not isinstance(value, str):
            raise InvalidInput(f"{value!r} must be a string")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{value!r} must be a number")
    if spec.kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise InvalidInput(f"{value!r} must be a whole number")
        return int(value)
    return float(value)


DEFAULT_POLICY = Policy()
assert set(_BY_FIELD) <= _FIELD_NAMES
