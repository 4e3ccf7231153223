"""Convert one raw cell (CSV text, an Excel value or a JSON value) into a typed value.

Each function raises `CellError` with a message that quotes the value; the reader adds the
location. `native=True` is JSON: numbers, booleans and lists must have their JSON types,
while CSV and Excel cells may spell them as text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time

from routeplan.domain.clock import parse_hhmm
from routeplan.domain.errors import InvalidInput
from routeplan.io.columns import BOOLEAN_VALUES, LIST_SEPARATORS, WEEKDAY_VALUES
from routeplan.io.limits import MAX_ID_CHARS, MAX_LIST_ITEMS
from routeplan.io.tables import Cell


class CellError(Exception):
    """A cell whose value cannot be read; the message quotes the value and says why."""


_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T][\d:.]*)?$")
_SPLIT = re.compile("[" + re.escape(LIST_SEPARATORS) + "]")


def as_text(raw: Cell, *, native: bool = False) -> str:
    """An id or a name: text; whole numbers (Excel ids, JSON integers) are accepted too."""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise CellError(f"{_show(raw)} is not text")
    if isinstance(raw, float) and (native or not raw.is_integer()):
        raise CellError(f"{raw!r} is not an id; write it as text")
    return str(int(raw))


def as_id(raw: Cell, *, native: bool = False) -> str:
    """An id: text (or a whole number) of at most MAX_ID_CHARS characters."""
    text = as_text(raw, native=native)
    if len(text) > MAX_ID_CHARS:
        raise CellError(f"an id of {len(text):,} characters; an id may hold at most "
                        f"{MAX_ID_CHARS}")
    return text


def as_float(raw: Cell, *, native: bool = False) -> float:
    """A finite number."""
    value: float
    if isinstance(raw, bool):
        raise CellError(f"{raw!r} is not a number")
    if isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # a JSON integer of hundreds of digits
            raise CellError(f"{_show(raw)} is not a finite number") from None
    elif isinstance(raw, str) and not native:
        try:
            value = float(raw)
        except ValueError:
            raise CellError(f"{raw!r} is not a number") from None
    elif isinstance(raw, str):
        raise CellError(f"{raw!r} is text, not a JSON number")
    else:
        raise CellError(f"{_show(raw)} is not a number")
    if not math.isfinite(value):
        raise CellError(f"{raw!r} is not a finite number")
    return value


def as_int(raw: Cell, *, lo: int, hi: int, native: bool = False) -> int:
    """A whole number within [lo, hi]."""
    value = as_float(raw, native=native)
    if not value.is_integer():
        raise CellError(f"{raw!r} is not a whole number")
    if not lo <= value <= hi:
        raise CellError(f"{_show(raw)} is not between {lo} and {hi}")
    return int(value)


def as_minutes(raw: Cell, *, lo: float, hi: float, native: bool = False) -> int:
    """Minutes within [lo, hi] as whole seconds (fractional minutes are allowed)."""
    value = as_float(raw, native=native)
    if not lo <= value <= hi:
        raise CellError(f"{_show(raw)} minutes is not between {lo:g} and {hi:g}")
    return round(value * 60)


def as_bool(raw: Cell, *, native: bool = False) -> bool:
    """true/false, 1/0, yes/no, y/n, 是/否 (any case); JSON needs true or false."""
    if isinstance(raw, bool):
        return raw
    if native:
        raise CellError(f"{_show(raw)} is not true or false")
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in BOOLEAN_VALUES:
        return BOOLEAN_VALUES[raw.strip().lower()]
    raise CellError(f"{_show(raw)} is not a yes/no value (true/false, 1/0, yes/no, 是/否)")


def as_time(raw: Cell) -> int:
    """A time of day (HH:MM text, or an Excel time) as seconds since midnight."""
    if isinstance(raw, datetime):
        raw = raw.time()
    if isinstance(raw, time):
        return raw.hour * 3600 + raw.minute * 60 + raw.second
    if not isinstance(raw, str):
        raise CellError(f"{_show(raw)} is not a time of day as HH:MM")
    try:
        return parse_hhmm(raw.replace("：", ":"))
    except InvalidInput:
        raise CellError(f"{raw!r} is not a time of day (HH:MM, 00:00 to 24:00)") from None


def as_date(raw: Cell) -> date:
    """A calendar date (YYYY-MM-DD or YYYY/MM/DD text, or an Excel date)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    m = _DATE.match(raw.strip()) if isinstance(raw, str) else None
    if m is None:
        raise CellError(f"{_show(raw)} is not a date as YYYY-MM-DD")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise CellError(f"{raw!r} is not a calendar date") from None


def as_list(raw: Cell, *, native: bool = False) -> tuple[str, ...]:
    """Text items: a JSON array, or in CSV/Excel a cell split at ; ； , ， 、 (blanks dropped)."""
    items: tuple[str, ...]
    if isinstance(raw, list):
        items = tuple(as_text(item, native=native) for item in raw if item not in (None, ""))
    elif native:
        raise CellError(f"{_show(raw)} is not an array")
    elif isinstance(raw, str):
        items = tuple(item.strip() for item in _SPLIT.split(raw) if item.strip())
    else:
        items = (as_text(raw),)
    if len(items) > MAX_LIST_ITEMS:
        raise CellError(f"{len(items):,} items; a list may hold at most {MAX_LIST_ITEMS}")
    return items


def as_id_list(raw: Cell, *, native: bool = False) -> tuple[str, ...]:
    """A list of ids (members, skills), each at most MAX_ID_CHARS characters."""
    items = as_list(raw, native=native)
    for item in items:
        if len(item) > MAX_ID_CHARS:
            raise CellError(f"an item of {len(item):,} characters; an id may hold at most "
                            f"{MAX_ID_CHARS}")
    return items


def _day_items(raw: Cell, native: bool) -> list[Cell]:
    """A list cell's items; an Excel date cell is one item, kept a date."""
    if isinstance(raw, datetime | date):
        return [raw]
    if isinstance(raw, list):
        if len(raw) > MAX_LIST_ITEMS:
            raise CellError(f"{len(raw):,} items; a list may hold at most {MAX_LIST_ITEMS}")
        return [item for item in raw if item not in (None, "")]
    return list(as_list(raw, native=native))


def _weekday(item: Cell) -> int | None:
    key = item.strip().lower() if isinstance(item, str) else None
    return WEEKDAY_VALUES.get(key) if key is not None else None


def as_weekdays(raw: Cell, *, native: bool = False) -> frozenset[int]:
    """Weekdays (0 = Monday) from a list of `mon`..`sun` / `周一`..`周日`."""
    out: set[int] = set()
    for item in _day_items(raw, native):
        day = _weekday(item)
        if day is None:
            raise CellError(f"{_show(item)} is not a weekday (mon..sun, 周一..周日)")
        out.add(day)
    if not out:
        raise CellError(f"{_show(raw)} names no weekday (mon..sun, 周一..周日)")
    return frozenset(out)


def as_work_days(raw: Cell, *, native: bool = False) -> tuple[frozenset[int], frozenset[date]]:
    """Weekdays and dates from one list: `mon;tue;2026-10-10` (a team's 出勤日)."""
    weekdays: set[int] = set()
    dates: set[date] = set()
    for item in _day_items(raw, native):
        day = _weekday(item)
        if day is not None:
            weekdays.add(day)
            continue
        try:
            dates.add(as_date(item))
        except CellError:
            raise CellError(f"{_show(item)} is neither a weekday (mon..sun, 周一..周日) nor a "
                            "date (YYYY-MM-DD)") from None
    if not weekdays and not dates:
        raise CellError(f"{_show(raw)} names no weekday or date")
    return frozenset(weekdays), frozenset(dates)


def as_choice[T](raw: Cell, values: Mapping[str, T], what: str) -> T:
    """One of a fixed set of spellings (case-insensitive)."""
    if isinstance(raw, str) and raw.strip().lower() in values:
        return values[raw.strip().lower()]
    canon = sorted({str(v) for v in values.values()})
    raise CellError(f"{_show(raw)} is not a known {what}; use one of {', '.join(canon)}")


def _show(raw: Cell) -> str:
    """A value as quoted in a message: repr for text and numbers, the type for containers."""
    if isinstance(raw, list | dict):
        return f"a JSON {'array' if isinstance(raw, list) else 'object'}"
    if isinstance(raw, datetime | date | time):
        return repr(raw.isoformat())
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) >= 10**40:
        return f"an integer of {len(str(abs(raw)))} digits"
    return repr(raw)
