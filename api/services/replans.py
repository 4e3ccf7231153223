"""A re-plan request as stored with its version: the core's `Disruption`, less the outcomes.

The field outcomes are not stored here: the job adds those stored by the time it runs.
Requests stored before late teams and rescheduled times existed read back without them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from routeplan.domain.outcome import Outcome
from routeplan.workflows.replan import Disruption


def disruption_to_json(d: Disruption, *, now_text: str) -> str:
    """The request as stored (`now_text` is what the dispatcher sent, kept for the record)."""
    return json.dumps({
        "now": now_text, "now_s": d.now, "done": sorted(d.done),
        "cancelled": sorted(d.cancelled),
        "positions": {t: [p[0], p[1]] for t, p in sorted(d.positions.items())},
        "dropped_teams": sorted(d.dropped_teams), "locked_teams": sorted(d.locked_teams),
        "available_from": dict(sorted(d.available_from.items())),
        "rescheduled": dict(sorted(d.rescheduled.items())),
    }, ensure_ascii=False)


def disruption_from_json(text: str, outcomes: Sequence[Outcome] = ()) -> Disruption:
    """The stored request back as a Disruption, with the outcomes known now."""
    r: dict[str, Any] = json.loads(text)
    return Disruption(
        now=int(r["now_s"]), done=frozenset(r.get("done", ())),
        cancelled=frozenset(r.get("cancelled", ())),
        positions={t: (float(p[0]), float(p[1])) for t, p in r.get("positions", {}).items()},
        dropped_teams=frozenset(r.get("dropped_teams", ())),
        locked_teams=frozenset(r.get("locked_teams", ())), outcomes=tuple(outcomes),
        available_from={t: int(s) for t, s in r.get("available_from", {}).items()},
        rescheduled={v: int(s) for v, s in r.get("rescheduled", {}).items()})
