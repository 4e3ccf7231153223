"""Teams check themselves: two collectors at least, a break that fits the shift."""

from __future__ import annotations

import pytest

from routeplan.domain.clock import TimeWindow
from routeplan.domain.errors import InvalidInput
from routeplan.domain.team import Team

ZZ = (113.6254, 34.7466)
SHIFT = TimeWindow.parse("08:30", "18:00")


def test_a_one_person_team_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="members: team 'T1' has 1 collector"):
        Team("T1", ("a",), ZZ, SHIFT)


def test_a_break_that_cannot_fit_in_the_shift_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="break_start"):
        Team("T1", ("a", "b"), ZZ, SHIFT, break_window=TimeWindow.parse("17:45", "18:00"),
             break_s=3600)
    with pytest.raises(InvalidInput, match="break_start"):
        Team("T1", ("a", "b"), ZZ, SHIFT, break_window=TimeWindow.parse("07:00", "12:00"),
             break_s=1800)


def test_break_minutes_need_a_window() -> None:
    with pytest.raises(InvalidInput, match="break_start"):
        Team("T1", ("a", "b"), ZZ, SHIFT, break_s=1800)
