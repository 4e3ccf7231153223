"""Synthetic Henan days for demos, tests and benchmarks: deterministic by seed, no real data.

Borrowers cluster around urban districts of each prefecture (seat coordinates as the centre,
2020 census population as the weight between prefectures); windows, places and flags are mixed
in the proportions a dispatcher sees on an ordinary day.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from routeplan.domain.clock import TimeWindow
from routeplan.domain.days import CaseDays, TeamDays
from routeplan.domain.team import Mode, Team
from routeplan.domain.visit import Place, Visit
from routeplan.geo.prefectures import PREFECTURES, Prefecture, prefecture
from routeplan.workflows.build import RegionLocator

_KM_PER_DEG_LAT = 111.2

_WINDOWS = (("09:00", "12:00"), ("14:00", "18:00"), ("10:00", "16:00"), ("18:00", "21:00"),
            ("08:30", "11:30"), ("13:00", "17:30"))
_ROADS = ("建设路", "人民路", "中原路", "文化路", "解放路", "工业路", "新华路", "和平路")


@dataclass(frozen=True, slots=True)
class SyntheticDay:
    """A generated day: visits and teams, ready for `build_problem`."""

    day: date
    visits: tuple[Visit, ...]
    teams: tuple[Team, ...]


def synth_day(
    *,
    prefectures: Sequence[str | int] | None = ("410100",),
    visits: int = 120,
    teams: int = 8,
    seed: int = 0,
    day: date = date(2026, 12, 1),
    locator: RegionLocator | None = None,
) -> SyntheticDay:
    """Generate `visits` cases and `teams` teams over the given prefectures (None: all 18).

    Counts are split between prefectures by 2020 population. With a `locator`, points are
    redrawn until they fall inside their own prefecture.
    """
    rng = random.Random(seed)
    prefs = list(PREFECTURES) if prefectures is None else [prefecture(p) for p in prefectures]
    visit_split = _split(visits, prefs)
    team_split = _split(teams, prefs, minimum=1 if teams >= len(prefs) else 0)
    out_v: list[Visit] = []
    out_t: list[Team] = []
    for pref in prefs:
        centres = _district_centres(rng, pref)
        out_v.extend(_visits(rng, pref, centres, visit_split[pref.adcode], day, len(out_v),
                             locator))
        out_t.extend(_teams(rng, pref, team_split[pref.adcode], len(out_t),
                            restrict=prefectures is None or len(prefs) > 1))
    return SyntheticDay(day, tuple(out_v), tuple(out_t))


def _split(total: int, prefs: Sequence[Prefecture], minimum: int = 0) -> dict[int, int]:
    """Largest-remainder split of `total` by population."""
    weight = sum(p.population for p in prefs)
    raw = {p.adcode: total * p.population / weight for p in prefs}
    out = {k: max(minimum, math.floor(v)) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(raw, key=lambda k: raw[k] - math.floor(raw[k]), reverse=True):
        if rest <= 0:
            break
        out[k] += 1
        rest -= 1
    return out


def _district_centres(rng: random.Random, pref: Prefecture) -> list[tuple[float, float, float]]:
    """(lon, lat, spread_km): the urban core, a few districts around it, and county towns."""
    lon0, lat0 = pref.seat
    big = pref.population > 6_000_000
    centres = [(lon0, lat0, 4.0)]
    for _ in range(4 if big else 2):
        centres.append((*_offset(rng, lon0, lat0, rng.uniform(5, 12)), 2.5))
    for _ in range(3 if big else 2):
        centres.append((*_offset(rng, lon0, lat0, rng.uniform(20, 40)), 3.0))
    return centres


def _offset(rng: random.Random, lon: float, lat: float, km: float) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * math.pi)
    dlat = km * math.sin(angle) / _KM_PER_DEG_LAT
    dlon = km * math.cos(angle) / (_KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return lon + dlon, lat + dlat


def _point(rng: random.Random, centres: list[tuple[float, float, float]]) -> tuple[float, float]:
    weights = [6.0] + [2.0] * (len(centres) - 1)
    lon, lat, spread = rng.choices(centres, weights)[0]
    lon, lat = _offset(rng, lon, lat, abs(rng.gauss(0, spread)))
    return round(lon, 6), round(lat, 6)


def _visits(rng: random.Random, pref: Prefecture, centres: list[tuple[float, float, float]],
            n: int, day: date, offset: int, locator: RegionLocator | None) -> list[Visit]:
    points = [_point(rng, centres) for _ in range(n)]
    if locator is not None and points:
        for _ in range(20):
            codes = locator.locate([p[0] for p in points], [p[1] for p in points])
            bad = [i for i, c in enumerate(codes) if int(c) != pref.adcode]
            if not bad:
                break
            for i in bad:
                points[i] = _point(rng, centres[:1])
    out: list[Visit] = []
    borrower_seq = 0
    for k, (lon, lat) in enumerate(points):
        number = offset + k + 1
        if out and rng.random() < 0.03:
            borrower = out[-1].borrower_id  # a second address of the same borrower
        else:
            borrower_seq += 1
            borrower = f"B{pref.adcode}-{borrower_seq:05d}"
        r = rng.random()
        window: TimeWindow | None = None
        consent = False
        if r < 0.25:
            window = TimeWindow.parse(*rng.choice(_WINDOWS))
        elif r < 0.30:
            h = rng.randint(9, 18)
            window = TimeWindow(h * 3600, h * 3600 + 5400)  # a 90-minute appointment
        elif r < 0.31:
            window = TimeWindow.parse("07:00", "08:30")  # consented early appointment
            consent = True
        place = Place.WORKPLACE if rng.random() < 0.10 else Place.HOME
        last = None
        last7 = 0
        if rng.random() < 0.3:
            last = day - timedelta(days=rng.randint(1, 20))
            last7 = rng.choice((0, 0, 1, 1, 2)) if (day - last).days <= 7 else 0
            last7 = max(last7, 1) if (day - last).days <= 7 else last7
        out.append(Visit(
            visit_id=f"V{number:05d}",
            borrower_id=borrower,
            location=(lon, lat),
            address=f"河南省{pref.name}{rng.choice(_ROADS)}{rng.randint(1, 300)}号",
            service_s=rng.choice((15, 20, 20, 20, 25, 30, 40)) * 60,
            priority=min(100, max(1, int(rng.paretovariate(1.2) * 8))),
            window=window,
            place=place,
            workplace_consent=place is Place.WORKPLACE and rng.random() < 0.7,
            consent_out_of_hours=consent,
            must_visit=rng.random() < 0.05,
            do_not_visit=rng.random() < 0.02,
            skill="dialect" if rng.random() < 0.04 else None,
            last_visit=last,
            visits_last_7d=last7,
        ))
    return out


def _teams(rng: random.Random, pref: Prefecture, n: int, offset: int, *,
           restrict: bool) -> list[Team]:
    out = []
    for k in range(n):
        number = offset + k + 1
        base = _offset(rng, *pref.seat, rng.uniform(0, 3))
        base = (round(base[0], 6), round(base[1], 6))
        evening = rng.random() < 0.15
        if evening:
            shift, brk, brk_s = TimeWindow.parse("12:00", "21:30"), TimeWindow.parse(
                "16:30", "18:00"), 30 * 60
        else:
            shift = TimeWindow.parse(*rng.choice((("08:30", "18:00"), ("09:00", "19:00"))))
            brk, brk_s = TimeWindow.parse("11:30", "13:30"), 60 * 60
        size = 3 if rng.random() < 0.2 else 2
        out.append(Team(
            team_id=f"T{number:03d}",
            members=tuple(f"C{number:03d}{chr(97 + m)}" for m in range(size)),
            start=base,
            shift=shift,
            break_window=brk,
            break_s=brk_s,
            skills=frozenset({"dialect"}) if rng.random() < 0.3 else frozenset(),
            mode=Mode.EBIKE if rng.random() < 0.1 else Mode.CAR,
            prefectures=frozenset({pref.adcode}) if restrict else frozenset(),
        ))
    return out


def synth_week(
    *,
    prefectures: Sequence[str | int] | None = ("410100",),
    visits: int = 2000,
    teams: int = 38,
    seed: int = 0,
    start: date = date(2026, 11, 2),
    days: int = 5,
    locator: RegionLocator | None = None,
) -> SyntheticDay:
    """A synthetic week from `start`: a day's cases and teams with the weekly columns mixed in.

    About one borrower in six is found only on two or three weekdays, one case in twelve has
    an appointment date (with a 90-minute window), one in ten must be visited by the second
    day, one in ten not before the second or third; one team in five has a day off.
    `SyntheticDay.day` is the start.
    """
    base = synth_day(prefectures=prefectures, visits=visits, teams=teams, seed=seed, day=start,
                     locator=locator)
    rng = random.Random(seed + 7919)
    horizon = [start + timedelta(days=i) for i in range(days)]
    out_v: list[Visit] = []
    for v in base.visits:
        r = rng.random()
        weekdays = frozenset(range(7))
        earliest = latest = appointment = None
        window = v.window
        if r < 0.17:
            weekdays = frozenset(rng.sample(sorted({d.weekday() for d in horizon}),
                                            k=min(len(horizon), rng.choice((2, 3)))))
        elif r < 0.25:
            appointment = rng.choice(horizon)
            if window is None or window.length > 4 * 3600:
                h = rng.randint(9, 18)
                window = TimeWindow(h * 3600, h * 3600 + 5400)
        elif r < 0.35:
            latest = start + timedelta(days=min(days - 1, 1))
        elif r < 0.45:
            earliest = start + timedelta(days=min(days - 1, rng.choice((1, 2))))
        if window is not None and v.consent_out_of_hours:
            appointment = None  # keep the consented early window an everyday one
        out_v.append(replace(v, window=window,
                             days=CaseDays(weekdays, earliest, latest, appointment)))
    out_t: list[Team] = []
    for t in base.teams:
        if rng.random() < 0.2:
            off = rng.choice(horizon).weekday()
            out_t.append(replace(t, days=TeamDays(frozenset(range(7)) - {off})))
        else:
            out_t.append(t)
    return SyntheticDay(start, tuple(out_v), tuple(out_t))
