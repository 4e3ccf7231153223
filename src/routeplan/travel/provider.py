"""Choosing the travel source per mode: a road engine where a graph exists, else straight lines.

`make_travel` turns configuration (a roads folder, an OSRM server URL, the policy) into one
TravelMatrix. `RoadTravel` asks the first road engine that serves a team's mode; a mode no
engine serves gets the haversine estimate at that mode's speed, and the Matrices carry a warning
saying so (it reaches the plan's kpis.warnings). When an engine fails, the policy decides:
'refuse' re-raises the RoutingError, 'fallback' answers with the haversine estimate and a
warning. Engine answers (never fallbacks) are cached by source, mode and rounded points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from routeplan.domain.errors import InvalidInput, RoutingError
from routeplan.domain.geo import LonLat
from routeplan.domain.policy import Policy
from routeplan.domain.team import Mode
from routeplan.domain.travel import Matrices
from routeplan.travel.cache import MatrixCache, cache_key
from routeplan.travel.haversine import HaversineMatrix
from routeplan.travel.matrix import TravelMatrix
from routeplan.travel.roads import MODE_PROFILE, PROFILES, built_profiles


class RoadEngine(TravelMatrix, Protocol):
    """A TravelMatrix that knows roads for some modes only (OsrmEmbedded, OsrmServer)."""

    @property
    def modes(self) -> frozenset[Mode]:
        """Modes this engine has a road graph for."""
        ...

    def cache_id(self, mode: Mode) -> str:
        """Identity of the data behind the answers for `mode`, for cache keys."""
        ...


class RoadTravel:
    """Road engines first, the haversine estimate where they cannot help (see module doc)."""

    def __init__(self, engines: Sequence[RoadEngine], fallback: HaversineMatrix, *,
                 on_failure: str = "fallback", cache: MatrixCache | None = None) -> None:
        if on_failure not in ("fallback", "refuse"):
            raise InvalidInput(f"on_road_failure: {on_failure!r} is not 'fallback' or 'refuse'")
        self.engines = tuple(engines)
        self.fallback = fallback
        self.on_failure = on_failure
        self.cache = cache

    @property
    def name(self) -> str:
        return "+".join(dict.fromkeys(e.name for e in self.engines)) or self.fallback.name

    def engine_for(self, mode: Mode) -> RoadEngine | None:
        """The first engine serving `mode`, or None."""
        return next((e for e in self.engines if mode in e.modes), None)

    def matrices(self, points: Sequence[LonLat], mode: Mode) -> Matrices:
        engine = self.engine_for(mode)
        if engine is None:
            return self._straight(points, mode, f"no road graph for {mode.value} "
                                  f"({MODE_PROFILE[mode]} profile)")
        key = cache_key(engine.cache_id(mode), mode, points) if self.cache is not None else ""
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        try:
            found = engine.matrices(points, mode)
        except RoutingError as exc:
            if self.on_failure == "refuse":
                raise
            return self._straight(points, mode, f"road engine failed ({exc})")
        if self.cache is not None:
            self.cache.put(key, found)
        return found

    def geometry(self, points: Sequence[LonLat], mode: Mode) -> list[LonLat]:
        engine = self.engine_for(mode)
        if engine is None:
            return self.fallback.geometry(points, mode)
        try:
            return engine.geometry(points, mode)
        except RoutingError:
            if self.on_failure == "refuse":
                raise
            return self.fallback.geometry(points, mode)

    def _straight(self, points: Sequence[LonLat], mode: Mode, why: str) -> Matrices:
        m = self.fallback.matrices(points, mode)
        note = (f"{why}: {mode.value} travel times are straight-line estimates "
                f"(x{self.fallback.detour_factor:g} detour at "
                f"{self.fallback.speeds_kmh[mode]:g} km/h)")
        return replace(m, warnings=(*m.warnings, note))


def haversine_for(policy: Policy) -> HaversineMatrix:
    """The straight-line source with the policy's detour factor and speeds."""
    return HaversineMatrix(policy.detour_factor, {m: policy.speed_kmh(m) for m in Mode})


def parse_osrm_urls(spec: str) -> dict[Mode, str]:
    """Read ROUTEPLAN_OSRM_URL: one URL (car), or `car=URL,ebike=URL,walk=URL`."""
    spec = spec.strip()
    if not spec:
        return {}
    if "=" not in spec.split("://", 1)[0]:
        return {Mode.CAR: spec}
    out: dict[Mode, str] = {}
    for part in spec.split(","):
        name, sep, url = part.strip().partition("=")
        if not sep or not url.strip():
            raise InvalidInput(f"osrm url: {part!r} is not MODE=URL")
        try:
            mode = Mode(name.strip())
        except ValueError:
            raise InvalidInput(f"osrm url: mode {name!r} is not one of "
                               f"{', '.join(m.value for m in Mode)}") from None
        out[mode] = url.strip()
    return out


def make_travel(policy: Policy, roads_dir: Path | None = None, osrm_url: str | None = None, *,
                cache_dir: Path | None = None, cache_size: int = 16) -> TravelMatrix:
    """The travel source configuration asks for (see module doc).

    `osrm_url` (ROUTEPLAN_OSRM_URL) takes precedence over `roads_dir` (ROUTEPLAN_ROADS,
    `--roads DIR`) for the modes it serves; with neither, the haversine estimate alone.
    Raises InvalidInput for a roads folder without any graph or a malformed URL spec.
    """
    from routeplan.travel.osrm import OsrmEmbedded, OsrmServer

    fallback = haversine_for(policy)
    engines: list[RoadEngine] = []
    by_url: dict[str, list[Mode]] = {}
    for mode, url in parse_osrm_urls(osrm_url or "").items():
        by_url.setdefault(url, []).append(mode)
    for url, modes in by_url.items():
        engines.append(OsrmServer(url, modes=modes, max_snap_m=policy.max_snap_m))
    if roads_dir is not None:
        roads_dir = Path(roads_dir)
        if not built_profiles(roads_dir):
            raise InvalidInput(f"roads: {roads_dir} holds no road graph ({', '.join(PROFILES)}); "
                               "build one with `routeplan roads build FILE --out DIR`")
        engines.append(OsrmEmbedded(roads_dir, max_snap_m=policy.max_snap_m))
    if not engines:
        return fallback
    return RoadTravel(engines, fallback, on_failure=policy.on_road_failure,
                      cache=MatrixCache(cache_size, cache_dir))
