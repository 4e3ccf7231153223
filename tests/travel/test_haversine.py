"""The straight-line estimate: symmetric, zero on the diagonal, right on a known distance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routeplan.domain.team import Mode
from routeplan.travel.haversine import HaversineMatrix, great_circle_m

ZHENGZHOU = (113.6253, 34.7466)
KAIFENG = (114.3076, 34.7972)

henan_point = st.tuples(st.floats(110.3, 116.7), st.floats(31.3, 36.4))


def test_zhengzhou_to_kaifeng_is_about_63_km() -> None:
    """Great circle between the two city centres is 62.6 km; the road estimate adds the detour."""
    assert great_circle_m([ZHENGZHOU], [KAIFENG])[0, 0] == pytest.approx(62_600, rel=0.01)
    m = HaversineMatrix(detour_factor=1.3).matrices([ZHENGZHOU, KAIFENG], Mode.CAR)
    assert m.distances[0, 1] == pytest.approx(1.3 * 62_600, rel=0.01)
    assert m.durations[0, 1] == pytest.approx(1.3 * 62_600 / (30 / 3.6), rel=0.01)


@settings(max_examples=50, deadline=None)
@given(st.lists(henan_point, min_size=1, max_size=12))
def test_symmetric_with_zero_diagonal(points: list[tuple[float, float]]) -> None:
    """Any points: both matrices symmetric, non-negative, zero on the diagonal."""
    m = HaversineMatrix().matrices(points, Mode.EBIKE)
    for a in (m.durations, m.distances):
        assert (a == a.T).all()
        assert (np.diag(a) == 0).all()
        assert (a >= 0).all()
    assert m.snapped == ()
    assert all(m.is_snapped(i) for i in range(m.size))


def test_slower_mode_takes_longer() -> None:
    """Walking the same distance takes longer than driving it."""
    h = HaversineMatrix()
    car = h.matrices([ZHENGZHOU, KAIFENG], Mode.CAR).durations[0, 1]
    walk = h.matrices([ZHENGZHOU, KAIFENG], Mode.WALK).durations[0, 1]
    assert walk > 6 * car
