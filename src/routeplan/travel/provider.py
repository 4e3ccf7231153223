"""Choosing the travel source per mode: a road engine where a graph exists, else straight lines.

`make_travel` turns configuration (a roads folder, an OSRM server URL, the policy) into one
TravelMatrix. `RoadTravel` asks the first road engine that serves a team's mode; a mode no
engine serves gets the haversine estimate at that mode's speed, and the Matrices carry a warning
saying so (it reaches the plan's kpis.warnings). When an engine fails, the policy decides:
'refuse' re-raises the RoutingError, 'fallback' answers with the haversine estimate and a
warning. Engine answers (never fallbacks) are cached by source, mode and rounded points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from routeplan.domain.errors import InputProblem, InvalidInput, RoutingError
from routeplan.domain.geo import LonLat
from routeplan.domain.policy import Policy
from routeplan.domain.team import Mode
from routeplan.domain.travel import Block, Matrices, ModeSource, TravelRecord
from routeplan.travel.cache import MatrixCache, cache_key
from routeplan.travel.haversine import HaversineMatrix
from routeplan.travel.matrix import TravelMatrix
from routeplan.travel.roads import MODE_PROFILE, PROFILES, built_profiles, is_built


class RoadEngine(TravelMatrix, Protocol):
    """A TravelMatrix that knows roads for some modes only (OsrmEmbedded, OsrmServer)."""

    @property
    def modes(self) -> frozenset[Mode]:
        """Modes this engine has a road graph for."""
        ...

    def origin(self, mode: Mode) -> ModeSource:
        """What a plan records of this engine's answers for `mode`."""
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

    def block(self, origins: Sequence[LonLat], destinations: Sequence[LonLat],
              mode: Mode) -> Block:
        """A rectangle of a large day's travel, from the mode's one source.

        Never falls back mid-way: the day's record names one source per mode, so an engine
        failure here is refused whatever the policy says.
        """
        engine = self.engine_for(mode)
        if engine is None:
            return self.fallback.block(origins, destinations, mode)
        return block_of(engine, origins, destinations, mode)

    def origin(self, mode: Mode) -> ModeSource:
        """The source of `mode`'s answers: its road engine, or the straight-line fallback."""
        engine = self.engine_for(mode)
        if engine is None:
            return replace(self.fallback.origin(mode), fallback=(
                f"no road graph for {mode.value} ({MODE_PROFILE[mode]} profile)"))
        return engine.origin(mode)

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
        origin = replace(self.fallback.origin(mode), fallback=why)
        return replace(m, warnings=(*m.warnings, note), origin=origin)


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


class RecordedTravel:
    """The very sources a plan records, mode by mode; never falls back, never substitutes.

    Built by `travel_from_record` for whoever re-reads a plan (check, re-plan, comparison):
    each mode answers from the engine the plan names, and an answer whose origin differs from
    the record (another graph behind the same folder) is refused.
    """

    def __init__(self, engines: Mapping[Mode, TravelMatrix], record: TravelRecord,
                 default: HaversineMatrix, name: str) -> None:
        self.engines = dict(engines)
        self.record = dict(record)
        self.default = default
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def _engine(self, mode: Mode) -> TravelMatrix:
        return self.engines.get(mode, self.default)

    def matrices(self, points: Sequence[LonLat], mode: Mode) -> Matrices:
        found = self._engine(mode).matrices(points, mode)
        want = self.record.get(mode)
        if want is not None and found.origin is not None and want.on_roads and (
                found.origin.graph != want.graph or found.origin.profile != want.profile):
            raise RoutingError(f"{mode.value} travel times now come from "
                               f"{found.origin.describe()}, not {want.describe()} as recorded")
        if want is not None and want.fallback:
            note = (f"{want.fallback}: {mode.value} travel times are straight-line estimates "
                    f"(x{want.detour_factor:g} detour at {want.speed_kmh:g} km/h)")
            found = replace(found, warnings=(*found.warnings, note), origin=want)
        return found

    def block(self, origins: Sequence[LonLat], destinations: Sequence[LonLat],
              mode: Mode) -> Block:
        return block_of(self._engine(mode), origins, destinations, mode)

    def origin(self, mode: Mode) -> ModeSource:
        return self.record.get(mode) or self.default.origin(mode)

    def geometry(self, points: Sequence[LonLat], mode: Mode) -> list[LonLat]:
        return self._engine(mode).geometry(points, mode)


def travel_from_record(record: TravelRecord, policy: Policy, *,
                       roads_dirs: Sequence[Path] = (), recorded_name: str = "") -> TravelMatrix:
    """The travel source a plan was made with, rebuilt from its record, or InvalidInput.

    A straight-line mode takes the recorded detour and speed. An embedded road mode needs a
    folder among `roads_dirs` (the `--roads` flag first, then ROUTEPLAN_ROADS) holding a graph
    with the recorded content identity; a server mode asks the recorded URL. A plan that
    records nothing (written before sources were recorded) is taken as straight lines at the
    policy's speeds. A source that cannot be had is refused with what to do, never replaced.
    """
    from routeplan.travel.osrm import OsrmServer

    base = haversine_for(policy)
    if not record:
        if recorded_name not in ("", "haversine"):
            raise InvalidInput(f"travel: the plan was made on {recorded_name!r} but does not "
                               "record which graph; re-plan it to check it on roads")
        return base
    engines: dict[Mode, TravelMatrix] = {}
    problems: list[InputProblem] = []
    speeds = dict(base.speeds_kmh)
    for mode, src in record.items():
        if not src.on_roads:
            speeds[mode] = src.speed_kmh or speeds[mode]
            engines[mode] = HaversineMatrix(src.detour_factor or base.detour_factor,
                                            {**speeds, mode: speeds[mode]})
            continue
        if src.provider == "osrm-server":
            engines[mode] = OsrmServer(src.graph, modes=[mode], max_snap_m=src.max_snap_m,
                                       profiles={mode: src.profile})
            continue
        engine = _embedded_with(roads_dirs, mode, src)
        if engine is None:
            tried = ", ".join(str(d) for d in roads_dirs) or "no folder (give --roads DIR)"
            problems.append(InputProblem(
                f"travel.{mode.value}",
                f"the plan was made on the {src.profile} road graph {src.graph}; "
                f"it is not in {tried} / 规划所用路网不可用"))
        else:
            engines[mode] = engine
    if problems:
        raise InvalidInput.many(problems)
    name = recorded_name or "+".join(dict.fromkeys(
        s.provider for s in record.values())) or "haversine"
    return RecordedTravel(engines, record, HaversineMatrix(base.detour_factor, speeds), name)


def _embedded_with(dirs: Sequence[Path], mode: Mode, src: ModeSource) -> TravelMatrix | None:
    from routeplan.travel.osrm import OsrmEmbedded

    for d in dirs:
        if not is_built(d, src.profile):
            continue
        engine = OsrmEmbedded(d, max_snap_m=src.max_snap_m)
        if mode in engine.modes and engine.origin(mode).graph == src.graph:
            return engine
    return None


def block_of(source: TravelMatrix, origins: Sequence[LonLat], destinations: Sequence[LonLat],
             mode: Mode) -> Block:
    """A rectangle from any source: its own `block`, else a square over both sets, sliced.

    The square is fine for the small sources of tests; every source routeplan ships has
    its own `block`.
    """
    own = getattr(source, "block", None)
    if own is not None:
        found: Block = own(origins, destinations, mode)
        return found
    m = source.matrices([*origins, *destinations], mode)
    o, d = len(origins), len(destinations)
    flags = [m.is_snapped(i) for i in range(o + d)]
    return Block(m.durations[:o, o:o + d].copy(), m.distances[:o, o:o + d].copy(),
                 tuple(flags[:o]), tuple(flags[o:]))


def origin_of(source: TravelMatrix, mode: Mode) -> ModeSource | None:
    """What a plan records of `source`'s answers for `mode` (None: a source that cannot say)."""
    own = getattr(source, "origin", None)
    return None if own is None else own(mode)
