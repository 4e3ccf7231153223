"""What the console's pages show, as plain values: rows of teams and unassigned visits, QR codes.

The templates (api/templates/console/) receive these values and escape them once; nothing here
builds markup. A QR code is a PNG that segno draws from the field link, served by the console
itself: no request leaves the service.
"""

from __future__ import annotations

import functools
import io
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import segno

from routeplan.domain.visit import Visit
from routeplan.geo.prefectures import PREFECTURES
from routeplan.rules.reasons import SHORT_ZH
from routeplan.workflows.build import RegionLocator
from routeplan_api.persistence import Inputs
from routeplan_api.services.inputs import parse

#: Reasons a visit is unassigned, as the overview map words them.
REASON_ZH: dict[str, str] = {str(r): label for r, label in SHORT_ZH.items()}
STATUS_ZH: dict[str, str] = {"queued": "排队中", "solving": "规划中", "done": "已完成",
                             "failed": "失败"}
_PREFECTURE_ZH: dict[int, str] = {p.adcode: p.name for p in PREFECTURES}
OUTSIDE_ZH = "省外或未定位"


@dataclass(frozen=True, slots=True)
class TeamRow:
    """One team of a finished plan, as the result table shows it."""

    team_id: str
    members: str
    stops: int
    hours: str
    km: str
    link: str


@dataclass(frozen=True, slots=True)
class UnassignedRow:
    """One visit left out: why, what would make it fit, where."""

    visit_id: str
    reason: str
    reason_zh: str
    detail: str
    prefecture: str


@functools.lru_cache(maxsize=4096)
def qr_png(text: str) -> bytes:
    """The QR code of `text` as a PNG (medium error correction, a quiet zone of 4).

    Choosing the best mask takes most of the ~25 ms a code costs, so codes are kept (a team's
    link is the same on every view until it is revoked) and the page loads them as images
    after its first paint rather than inside its HTML.
    """
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=3, border=4)
    return out.getvalue()


def team_rows(contract: Mapping[str, Any], links: Mapping[str, str]) -> list[TeamRow]:
    """The teams of a plan contract with their signed field links."""
    rows = []
    for r in contract.get("routes", []):
        team = str(r["team_id"])
        link = links.get(team, "")
        rows.append(TeamRow(
            team_id=team, members="、".join(str(m) for m in r.get("members", [])),
            stops=len(r.get("stops", [])), hours=f"{int(r.get('duration_s', 0)) / 3600:.1f}",
            km=f"{int(r.get('distance_m', 0)) / 1000:.1f}", link=link))
    return rows


@dataclass(frozen=True, slots=True)
class TeamChange:
    """One team's day in an earlier version and in this one (stops, km; 0 when absent)."""

    team_id: str
    stops_before: int
    stops_now: int
    km_before: str
    km_now: str
    same: bool  # the same visits in the same order


def team_changes(before: Mapping[str, Any], now: Mapping[str, Any]) -> list[TeamChange]:
    """Each team of either version, side by side, in the newer version's order."""
    def routes(c: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        return {str(r["team_id"]): r for r in c.get("routes", [])}

    old, new = routes(before), routes(now)
    empty: Mapping[str, Any] = {"stops": [], "distance_m": 0}
    out = []
    for team in [*new, *(t for t in old if t not in new)]:
        a, b = old.get(team, empty), new.get(team, empty)
        out.append(TeamChange(
            team, len(a["stops"]), len(b["stops"]),
            f"{int(a.get('distance_m', 0)) / 1000:.1f}",
            f"{int(b.get('distance_m', 0)) / 1000:.1f}",
            [s["visit_id"] for s in a["stops"]] == [s["visit_id"] for s in b["stops"]]))
    return out


def send_text(day: str, rows: Sequence[TeamRow]) -> str:
    """Plain text to paste into a chat group: each team's stops, hours and link."""
    lines = [f"{day} 外访安排"]
    lines += [f"外访组 {t.team_id}（{t.members}）：{t.stops} 个案件，约 {t.hours} 小时，"
              f"{t.km} 公里。外访页：{t.link}" for t in rows if t.stops]
    return "\n".join(lines)


_places: OrderedDict[tuple[str, int], dict[str, str]] = OrderedDict()
_lock = threading.Lock()


def visit_prefectures(key: tuple[str, int], inputs: Inputs | None,
                      locator: RegionLocator) -> dict[str, str]:
    """Each visit's prefecture (Chinese name) from a version's inputs, parsed once per process."""
    with _lock:
        if key in _places:
            _places.move_to_end(key)
            return _places[key]
    found: dict[str, str] = {}
    if inputs is not None:
        visits: list[Visit] = parse(inputs)[0]
        located = [v for v in visits if v.location is not None]
        codes = locator.locate([v.location[0] for v in located if v.location],
                               [v.location[1] for v in located if v.location])
        found = {v.visit_id: _PREFECTURE_ZH.get(int(c), OUTSIDE_ZH)
                 for v, c in zip(located, codes, strict=True)}
    with _lock:
        _places[key] = found
        while len(_places) > 32:
            _places.popitem(last=False)
    return found


def unassigned_rows(contract: Mapping[str, Any], places: Mapping[str, str]) -> list[UnassignedRow]:
    """The plan's unassigned visits, in the plan's order."""
    return [UnassignedRow(visit_id=str(u["visit_id"]), reason=str(u["reason"]),
                          reason_zh=REASON_ZH.get(str(u["reason"]), str(u["reason"])),
                          detail=str(u.get("detail", "")),
                          prefecture=places.get(str(u["visit_id"]), OUTSIDE_ZH))
            for u in contract.get("unassigned", [])]


def kpi_summary(contract: Mapping[str, Any]) -> dict[str, Any]:
    """Headline figures of a plan contract for a page: planned, unassigned, teams, km, hours."""
    k = contract.get("kpis", {})
    return {"planned": k.get("visits_planned", 0), "unassigned": k.get("visits_unassigned", 0),
            "teams": k.get("teams_used", 0),
            "km": f"{int(k.get('distance_m', 0)) / 1000:.1f}",
            "driving_h": f"{int(k.get('driving_s', 0)) / 3600:.1f}"}
