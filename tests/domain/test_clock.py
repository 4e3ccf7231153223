"""Clock times: HH:MM parsing, windows, and ISO output with the +08:00 offset."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routeplan.domain.clock import TimeWindow, format_hhmm, from_iso, parse_hhmm, to_iso
from routeplan.domain.errors import InvalidInput


@pytest.mark.parametrize("bad", ["25:00", "12:60", "noon", "", "24:01", "-1:00"])
def test_impossible_times_are_rejected_naming_the_value(bad: str) -> None:
    with pytest.raises(InvalidInput, match="window_start"):
        parse_hhmm(bad, "window_start")


def test_window_end_before_start_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="window_end: '09:00' is before window_start"):
        TimeWindow.parse("10:00", "09:00")


@given(st.integers(min_value=0, max_value=24 * 60))
def test_hhmm_round_trip(minutes: int) -> None:
    assert parse_hhmm(format_hhmm(minutes * 60)) == minutes * 60


def test_iso_times_carry_the_shanghai_offset() -> None:
    day = date(2026, 12, 1)
    assert to_iso(day, 9 * 3600 + 5 * 60) == "2026-12-01T09:05:00+08:00"
    assert from_iso(day, "2026-12-01T01:05:00+00:00") == 9 * 3600 + 5 * 60
