"""Tiny named building blocks for tests: visits and teams around central Zhengzhou."""

from __future__ import annotations

from datetime import date
from typing import Any

from routeplan.domain.clock import TimeWindow
from routeplan.domain.team import Team
from routeplan.domain.visit import Visit

#: A Tuesday that is an ordinary workday.
WORKDAY = date(2026, 12, 1)
#: Zhengzhou: the municipal government area.
ZZ = (113.6254, 34.7466)


def visit(vid: str, *, east_km: float = 2.0, north_km: float = 0.0, **kw: Any) -> Visit:
    """A visit `east_km`/`north_km` from central Zhengzhou; keyword args override fields."""
    lon = ZZ[0] + east_km / 91.5
    lat = ZZ[1] + north_km / 111.2
    kw.setdefault("borrower_id", f"B-{vid}")
    return Visit(vid, location=(lon, lat), **kw)


def team(tid: str, *, shift: tuple[str, str] = ("08:30", "18:00"),
         brk: tuple[str, str, int] | None = None, **kw: Any) -> Team:
    """A two-person car team based in central Zhengzhou; brk = (from, to, minutes)."""
    kw.setdefault("members", (f"{tid}-a", f"{tid}-b"))
    if brk is not None:
        kw["break_window"] = TimeWindow.parse(brk[0], brk[1])
        kw["break_s"] = brk[2] * 60
    return Team(tid, start=ZZ, shift=TimeWindow.parse(*shift), **kw)
