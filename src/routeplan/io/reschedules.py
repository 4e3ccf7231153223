"""The new date and time a rescheduled outcome (改约) carries, for re-planning a week.

An outcome with `status` `rescheduled` may carry `new_date` (YYYY-MM-DD) and
`new_window_start` / `new_window_end` (HH:MM, both or neither), in the same outcomes file
`routeplan.io.field_reports` reads; the other outcomes may not. Problems are located by the
outcome's index (`outcomes.json/3/new_date`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from routeplan.domain.clock import TimeWindow, parse_hhmm
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.schedule import Reschedule

_KEYS = ("new_date", "new_window_start", "new_window_end")


def reschedules_from_records(records: object, *, source: str = "outcomes"
                             ) -> tuple[Reschedule, ...]:
    """Each rescheduled outcome's new date (and time) from already-read outcome records.

    `records` is the parsed file as `outcomes_from_records` accepts it (that reader checks the
    rest); the last of several for one visit wins.
    """
    if isinstance(records, Mapping):
        records = records.get("outcomes", records.get("events"))
    if not isinstance(records, list):
        return ()
    out: dict[str, Reschedule] = {}
    problems: list[InputProblem] = []
    for n, rec in enumerate(records):
        if not isinstance(rec, Mapping) or not any(rec.get(k) not in (None, "") for k in _KEYS):
            continue
        where = f"{source}/{n}"
        if rec.get("status") != "rescheduled":
            problems.append(InputProblem(where, "new_date and new_window_* belong to a "
                                                "'rescheduled' outcome only"))
            continue
        raw = rec.get("new_date")
        try:
            if not isinstance(raw, str):
                raise ValueError
            day = date.fromisoformat(raw)
        except ValueError:
            problems.append(InputProblem(f"{where}/new_date", f"{str(raw)[:40]!r} is not a date "
                                         "as YYYY-MM-DD"))
            continue
        start, end = rec.get("new_window_start"), rec.get("new_window_end")
        window = None
        if (start in (None, "")) != (end in (None, "")):
            problems.append(InputProblem(where, "new_window_start and new_window_end go "
                                                "together"))
            continue
        if start not in (None, ""):
            try:
                window = TimeWindow(parse_hhmm(str(start)[:12], "new_window_start"),
                                    parse_hhmm(str(end)[:12], "new_window_end"))
            except InvalidInput as exc:
                problems.append(InputProblem(where, str(exc)))
                continue
        out[str(rec.get("visit_id", "")).strip()] = Reschedule(
            str(rec.get("visit_id", "")).strip(), day, window)
    if problems:
        raise InvalidInput.many(problems)
    return tuple(out.values())


__all__ = ["reschedules_from_records"]
