"""Re-plan the rest of a week from what happened: the cases for today on, and what to keep.

`prepare_week_replan(visits, plans, end, today, outcomes, reschedules, policy)` turns a planned
week (its cases, its day plans) and the field's outcomes into the input of an ordinary
`plan_week` over `today .. end`:

* days before `today` are kept as they were (`WeekReplan.kept`); every stop on them counts as
  a visit to its borrower (whatever the outcome, or none: the safe reading), so each case's
  `last_visit` / `visits_last_7d` carry them and the gap and the weekly cap hold across the
  join of kept and re-planned days;
* a stop on a kept day that was done (or only arrived, or not reported) is finished: it is
  not planned again; so is a case reported done from a day off the plan, whose visit (as
  any reported before `today`) counts for its borrower on the day reported;
* `not_at_home`: the case is planned again, at the other half of the day from the attempt
  (before 13:00 -> 13:00 to the company window's end; from 13:00 -> the company window's start
  to 13:00), within its own window; when the two do not overlap it keeps its own window.
  Another day follows from the gap;
* `refused` (from any day, kept or not): not tried again this week; the case enters the
  re-plan as `do_not_visit`, so it is unscheduled with that reason, and the detail says why
  (`WeekReplan.notes`);
* `rescheduled` (改约) with a new date: the case becomes an appointment on that date (its
  weekday and date limits replaced by it), at the new time when given; without a new date it
  is planned again as not at home is, on its own window.

Every case not finished goes into the re-plan, routed before or not; the re-planned schedule
accounts for each of those once, and `routeplan.rules.schedule_check` checks it with these
cases (history included), as any week.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from routeplan.domain.clock import SHANGHAI, TimeWindow
from routeplan.domain.days import CaseDays
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan.domain.outcome import Outcome, OutcomeStatus
from routeplan.domain.plan import Plan
from routeplan.domain.policy import Policy
from routeplan.domain.schedule import Horizon, Reschedule, Unscheduled
from routeplan.domain.visit import Visit

#: Where the morning ends and the afternoon begins, for "another time of day".
NOON = 13 * 3600
_WEEK = 7


@dataclass(frozen=True, slots=True)
class WeekReplan:
    """What `plan_week` gets (cases, horizon) and what the re-plan keeps and says."""

    horizon: Horizon
    visits: tuple[Visit, ...]
    kept: Mapping[date, Plan]
    finished: tuple[str, ...]
    notes: Mapping[str, tuple[str, str]]
    changes: tuple[Mapping[str, str], ...]

    def with_notes(self, unscheduled: Sequence[Unscheduled]) -> tuple[Unscheduled, ...]:
        """The re-plan's unscheduled cases, refused ones with the detail saying so."""
        return tuple(replace(u, detail=self.notes[u.visit_id][0],
                             detail_en=self.notes[u.visit_id][1])
                     if u.visit_id in self.notes else u for u in unscheduled)


def prepare_week_replan(
    visits: Sequence[Visit],
    plans: Mapping[date, Plan],
    end: date,
    today: date,
    outcomes: Sequence[Outcome],
    reschedules: Sequence[Reschedule],
    policy: Policy,
) -> WeekReplan:
    """The re-plan of `today .. end`; see the module docstring.

    Raises InvalidInput naming each outcome or reschedule for a case the week does not hold,
    and a `today` past `end`.
    """
    by_id = {v.visit_id: v for v in visits}
    problems = [InputProblem(f"outcomes/{n}", f"visit {o.visit_id!r} is not a case of this "
                             "week") for n, o in enumerate(outcomes) if o.visit_id not in by_id]
    problems += [InputProblem(f"outcomes/{r.visit_id}", f"visit {r.visit_id!r} is not a case "
                              "of this week") for r in reschedules if r.visit_id not in by_id]
    if today > end:
        problems.append(InputProblem("--today", f"{today} is after the week's last day {end}"))
    if problems:
        raise InvalidInput.many(problems)
    kept = {d: p for d, p in plans.items() if d < today}
    stop_day: dict[str, date] = {}
    stop_start: dict[str, int] = {}
    for d, p in sorted(kept.items()):
        for r in p.routes:
            for s in r.stops:
                stop_day[s.visit_id] = d
                stop_start[s.visit_id] = s.start
    last: dict[str, Outcome] = {}
    for report in sorted(outcomes, key=lambda o: o.at):
        if report.status.final:
            last[report.visit_id] = report
    moved = {r.visit_id: r for r in reschedules}
    seen: dict[str, list[date]] = defaultdict(list)  # borrower -> kept days with a stop
    for vid, d in stop_day.items():
        if vid in by_id:
            seen[by_id[vid].borrower_id].append(d)
    for vid, told in last.items():  # a visit reported on no kept stop (a day off the plan)
        on = told.at.astimezone(SHANGHAI).date()
        if vid in by_id and vid not in stop_day and on < today:
            seen[by_id[vid].borrower_id].append(on)
    out: list[Visit] = []
    finished: list[str] = []
    notes: dict[str, tuple[str, str]] = {}
    changes: list[dict[str, str]] = []
    for v in visits:
        o = last.get(v.visit_id)
        status = o.status if o is not None else None
        retried = status in (OutcomeStatus.NOT_AT_HOME, OutcomeStatus.REFUSED,
                             OutcomeStatus.RESCHEDULED)
        if (v.visit_id in stop_day and not retried) or status is OutcomeStatus.DONE:
            finished.append(v.visit_id)
            continue
        case = _with_history(v, seen.get(v.borrower_id, ()))
        if status is OutcomeStatus.REFUSED:
            case = replace(case, do_not_visit=True)
            when = o.at.astimezone(SHANGHAI).date() if o is not None else today
            notes[v.visit_id] = (f"{when.month}月{when.day}日拒绝沟通，本周不再外访。",
                                 f"Refused on {when}: not visited again this week.")
            changes.append({"visit_id": v.visit_id, "change": "refused"})
        elif status is OutcomeStatus.RESCHEDULED and v.visit_id in moved:
            new = moved[v.visit_id]
            case = replace(case, days=CaseDays(appointment=new.day),
                           window=new.window if new.window is not None else case.window)
            changes.append({"visit_id": v.visit_id, "change": "rescheduled",
                            "date": new.day.isoformat()})
        elif status in (OutcomeStatus.NOT_AT_HOME, OutcomeStatus.RESCHEDULED):
            attempted = stop_start.get(v.visit_id)
            if o is not None and attempted is None:
                local = o.at.astimezone(SHANGHAI)
                attempted = local.hour * 3600 + local.minute * 60
            if status is OutcomeStatus.NOT_AT_HOME and attempted is not None:
                case = replace(case, window=_other_half(case.window, attempted, policy))
            changes.append({"visit_id": v.visit_id, "change": "retry"})
        out.append(case)
    horizon = Horizon(today, (end - today).days + 1)
    return WeekReplan(horizon, tuple(out), kept, tuple(finished), notes, tuple(changes))


def _with_history(v: Visit, kept_days: Sequence[date]) -> Visit:
    """The case with the kept days' visits to its borrower in `last_visit`/`visits_last_7d`.

    The count is put on the latest kept day, as the checker reads a count (the safe reading):
    every window of 7 days that holds a day after it and an earlier visit holds it too. The
    case's own history counts when it lies within the 7 days ending on that day (a count
    without a date always counts).
    """
    if not kept_days:
        return v
    latest = max(kept_days)
    count = sum(1 for d in kept_days if (latest - d).days < _WEEK)
    if v.last_visit is not None and 0 <= (latest - v.last_visit).days < _WEEK:
        count += max(1, v.visits_last_7d)
    elif v.last_visit is None:
        count += v.visits_last_7d
    return replace(v, last_visit=max(latest, v.last_visit or latest), visits_last_7d=count)


def _other_half(window: TimeWindow | None, attempted: int, policy: Policy) -> TimeWindow | None:
    """The other half of the day from an attempt at `attempted`, within the case's window."""
    half = (TimeWindow(NOON, policy.company_end) if attempted < NOON
            else TimeWindow(policy.company_start, NOON))
    if window is None:
        return half
    lo, hi = max(window.start, half.start), min(window.end, half.end)
    return TimeWindow(lo, hi) if hi > lo else window


__all__ = ["NOON", "WeekReplan", "prepare_week_replan"]
