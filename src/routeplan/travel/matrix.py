"""The travel-matrix Protocol every source implements; units: integer seconds and metres."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from routeplan.domain.geo import LonLat
from routeplan.domain.team import Mode
from routeplan.domain.travel import Matrices


class TravelMatrix(Protocol):
    """A source of travel matrices (straight-line estimate, embedded road engine, server)."""

    @property
    def name(self) -> str:
        """Short name recorded in the plan (e.g. 'haversine', 'osrm')."""
        ...

    def matrices(self, points: Sequence[LonLat], mode: Mode) -> Matrices:
        """Durations and distances between all `points` (WGS-84 lon, lat) for `mode`.

        Raises RoutingError when the source fails.
        """
        ...

    def geometry(self, points: Sequence[LonLat], mode: Mode) -> list[LonLat]:
        """A polyline through `points` in order, following roads where the source knows them."""
        ...
