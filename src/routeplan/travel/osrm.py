"""OSRM road travel times: embedded through `osrm-bindings` or over HTTP from an OSRM server.

Both sources answer the TravelMatrix Protocol for the modes they have a road graph for (see
`roads.MODE_PROFILE`). Units as everywhere: integer seconds and metres, points (lon, lat).

- A point OSRM snaps to a road farther than `max_snap_m` away is reported `snapped=False`; its
  row and column are UNREACHABLE (its diagonal stays 0), so nothing is routed through a field.
- A pair with no route between them (one-way dead ends, islands) is UNREACHABLE.
- Any failure of the engine or the server is a RoutingError that names the source and says what
  went wrong; what to do about it (refuse or fall back) is decided in `provider.py`.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from routeplan.domain.errors import InvalidInput, RoutingError
from routeplan.domain.geo import LonLat
from routeplan.domain.team import Mode
from routeplan.domain.travel import UNREACHABLE, Block, IntMatrix, Matrices, ModeSource
from routeplan.travel.roads import MODE_PROFILE, graph_identity, graph_path, is_built

type FloatMatrix = npt.NDArray[np.float64]

#: The profile name in an OSRM server's URL per mode (osrm-routed ignores it; others do not).
URL_PROFILE: dict[Mode, str] = {Mode.CAR: "driving", Mode.EBIKE: "cycling", Mode.WALK: "walking"}


@dataclass(frozen=True, slots=True)
class _Table:
    """One table answer: float seconds and metres (NaN where OSRM said null), snap distances."""

    durations: FloatMatrix
    distances: FloatMatrix
    source_snap_m: tuple[float, ...]
    destination_snap_m: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class _Route:
    """One route answer: the road polyline and how far each waypoint was snapped."""

    line: list[LonLat]
    snap_m: tuple[float, ...]


class _TooBigError(Exception):
    """The source refused a request as too large; the caller halves its blocks and retries."""


class _OsrmSource(ABC):
    """What the embedded engine and the server share: blocking, snapping and assembly."""

    def __init__(self, *, max_snap_m: float, table_limit: int | None,
                 route_limit: int | None) -> None:
        if max_snap_m <= 0:
            raise InvalidInput(f"max_snap_m: {max_snap_m} must be positive")
        if table_limit is not None and table_limit < 2:
            raise InvalidInput(f"max_table_size: {table_limit} must be at least 2")
        if route_limit is not None and route_limit < 2:
            raise InvalidInput(f"max_route_size: {route_limit} must be at least 2")
        self.max_snap_m = float(max_snap_m)
        self._table_limit = table_limit
        self._route_limit = route_limit

    # -- what each source provides --------------------------------------------------------

    @property
    @abstractmethod
    def name(self) -> str:
        """Short name recorded in the plan."""

    @property
    @abstractmethod
    def modes(self) -> frozenset[Mode]:
        """Modes this source has a road graph for."""

    @abstractmethod
    def origin(self, mode: Mode) -> ModeSource:
        """What a plan records of this engine's answers for `mode`."""

    @abstractmethod
    def cache_id(self, mode: Mode) -> str:
        """Identifies the data behind answers for `mode`: changes when the answers may."""

    @abstractmethod
    def _table(self, mode: Mode, coords: Sequence[LonLat], sources: Sequence[int] | None,
               destinations: Sequence[int] | None) -> _Table: ...

    @abstractmethod
    def _route(self, mode: Mode, coords: Sequence[LonLat]) -> _Route | None:
        """The road polyline through `coords`, or None when there is no route."""

    # -- the Protocol -----------------------------------------------------------------------

    def _session(self) -> contextlib.AbstractContextManager[object]:
        """Held open around one matrices() or geometry() call (the server's connections)."""
        return contextlib.nullcontext()

    def _check_mode(self, mode: Mode) -> None:
        if mode not in self.modes:
            raise RoutingError(f"{self.name}: no road graph for mode {mode.value} "
                               f"(profile {MODE_PROFILE[mode]})")

    def matrices(self, points: Sequence[LonLat], mode: Mode) -> Matrices:
        """Durations and distances on roads; unsnappable points and unroutable pairs marked."""
        self._check_mode(mode)
        n = len(points)
        if n == 0:
            empty: IntMatrix = np.zeros((0, 0), dtype=np.int64)
            return Matrices(empty, empty.copy(), (), source=self.name, origin=self.origin(mode))
        dur = np.full((n, n), np.nan)
        dist = np.full((n, n), np.nan)
        snap = np.full(n, np.inf)
        with self._session():
            while True:
                block = n if self._table_limit is None else min(n, self._table_limit)
                try:
                    self._fill(points, mode, block, dur=dur, dist=dist, snap=snap)
                    break
                except _TooBigError:
                    if block <= 2:
                        raise RoutingError(f"{self.name}: refuses even a 2x2 table") from None
                    self._table_limit = block // 2
        snapped = snap <= self.max_snap_m
        durations, distances = _to_int(dur), _to_int(dist)
        off = ~snapped
        for arr in (durations, distances):
            arr[off, :] = UNREACHABLE
            arr[:, off] = UNREACHABLE
            np.fill_diagonal(arr, 0)
        return Matrices(durations, distances, tuple(bool(s) for s in snapped), source=self.name,
                        origin=self.origin(mode))

    def _fill(self, points: Sequence[LonLat], mode: Mode, block: int, *, dur: FloatMatrix,
              dist: FloatMatrix, snap: npt.NDArray[np.float64]) -> None:
        n = len(points)
        starts = range(0, n, block)
        for a in starts:
            rows = list(range(a, min(n, a + block)))
            for b in starts:
                cols = list(range(b, min(n, b + block)))
                if a == b and len(rows) == 1:  # OSRM wants two coordinates at least
                    t = self._table(mode, [points[a], points[a]], [0], [1])
                    t = _Table(np.zeros((1, 1)), np.zeros((1, 1)), t.source_snap_m,
                               t.destination_snap_m)
                elif a == b:
                    t = self._table(mode, [points[i] for i in rows], None, None)
                else:
                    coords = [points[i] for i in rows] + [points[j] for j in cols]
                    t = self._table(mode, coords, range(len(rows)),
                                    range(len(rows), len(rows) + len(cols)))
                dur[a:a + len(rows), b:b + len(cols)] = t.durations
                dist[a:a + len(rows), b:b + len(cols)] = t.distances
                snap[a:a + len(rows)] = t.source_snap_m

    def block(self, origins: Sequence[LonLat], destinations: Sequence[LonLat],
              mode: Mode) -> Block:
        """Durations and distances from each origin to each destination (tables in chunks)."""
        self._check_mode(mode)
        no, nd = len(origins), len(destinations)
        dur = np.full((no, nd), np.nan)
        dist = np.full((no, nd), np.nan)
        o_snap = np.full(no, np.inf)
        d_snap = np.full(nd, np.inf)
        with self._session():
            while True:
                step = max(1, (self._table_limit or max(no, nd)))
                try:
                    for a in range(0, no, step):
                        rows = list(range(a, min(no, a + step)))
                        for b in range(0, nd, step):
                            cols = list(range(b, min(nd, b + step)))
                            coords = [origins[i] for i in rows] + [destinations[j] for j in cols]
                            if len(coords) < 2:
                                coords = coords * 2
                            t = self._table(mode, coords, range(len(rows)),
                                            range(len(rows), len(rows) + len(cols)))
                            dur[a:a + len(rows), b:b + len(cols)] = t.durations
                            dist[a:a + len(rows), b:b + len(cols)] = t.distances
                            o_snap[a:a + len(rows)] = t.source_snap_m[:len(rows)]
                            d_snap[b:b + len(cols)] = t.destination_snap_m[:len(cols)]
                    break
                except _TooBigError:
                    if step <= 2:
                        raise RoutingError(f"{self.name}: refuses even a 2x2 table") from None
                    self._table_limit = step // 2
        o_ok, d_ok = o_snap <= self.max_snap_m, d_snap <= self.max_snap_m
        durations, distances = _to_int(dur), _to_int(dist)
        for arr in (durations, distances):
            arr[~o_ok, :] = UNREACHABLE
            arr[:, ~d_ok] = UNREACHABLE
        return Block(durations, distances, tuple(bool(s) for s in o_ok),
                     tuple(bool(s) for s in d_ok))

    def geometry(self, points: Sequence[LonLat], mode: Mode) -> list[LonLat]:
        """Road polyline through `points` in order.

        A leg to or from a point off the road network, or with no route, is drawn straight.
        """
        self._check_mode(mode)
        pts = list(points)
        if len(pts) < 2:
            return pts
        with self._session():
            return self._geometry(pts, mode)

    def _geometry(self, pts: list[LonLat], mode: Mode) -> list[LonLat]:
        whole = self._route_chunked(mode, pts)
        if whole is not None and max(whole.snap_m) <= self.max_snap_m:
            return whole.line
        line: list[LonLat] = []
        for a, b in itertools.pairwise(pts):
            leg = self._route(mode, [a, b])
            part = leg.line if leg is not None and max(leg.snap_m) <= self.max_snap_m else [a, b]
            line.extend(part[1:] if line and part and line[-1] == part[0] else part)
        return line

    def _route_chunked(self, mode: Mode, pts: list[LonLat]) -> _Route | None:
        size = len(pts) if self._route_limit is None else self._route_limit
        line: list[LonLat] = []
        snaps: list[float] = []
        start = 0
        while start < len(pts) - 1:
            chunk = pts[start:start + size]
            got = self._route(mode, chunk)
            if got is None:
                return None
            line.extend(got.line[1:] if line and got.line and line[-1] == got.line[0]
                        else got.line)
            snaps.extend(got.snap_m[1:] if snaps else got.snap_m)
            start += len(chunk) - 1
        return _Route(line, tuple(snaps))


def _to_int(a: FloatMatrix) -> IntMatrix:
    out: IntMatrix = np.where(np.isnan(a), float(UNREACHABLE), np.rint(a)).astype(np.int64)
    return out


def _floats(rows: Iterable[Iterable[Any]]) -> FloatMatrix:
    """OSRM's nested arrays (None for null) as a float matrix with NaN for null."""
    return np.array([list(r) for r in rows], dtype=np.float64)


def _snaps(waypoints: Iterable[Any]) -> tuple[float, ...]:
    out = []
    for w in waypoints:
        d = w["distance"]
        out.append(float("inf") if d is None else float(d))
    return tuple(out)


# -- embedded --------------------------------------------------------------------------------


class OsrmEmbedded(_OsrmSource):
    """OSRM inside this process (osrm-bindings, MLD) over graphs `roads.build_roads` made.

    `graph_dir` is the `--out` folder of `routeplan roads build`; each mode uses its profile's
    graph there (car, bicycle, foot) and is unavailable when that graph was not built.
    Engines load lazily, once per mode, and answer concurrently.
    """

    def __init__(self, graph_dir: Path, *, max_snap_m: float = 500) -> None:
        super().__init__(max_snap_m=max_snap_m, table_limit=None, route_limit=None)
        self.graph_dir = Path(graph_dir)
        self._modes = frozenset(m for m, p in MODE_PROFILE.items() if is_built(self.graph_dir, p))
        self._engines: dict[Mode, Any] = {}
        self._identity: dict[Mode, str] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "osrm-embedded"

    @property
    def modes(self) -> frozenset[Mode]:
        return self._modes

    def origin(self, mode: Mode) -> ModeSource:
        """The graph's content identity: a later check or re-plan must find the same one."""
        found = self._identity.get(mode)
        if found is None:
            found = graph_identity(self.graph_dir, MODE_PROFILE[mode])
            self._identity[mode] = found
        return ModeSource(self.name, MODE_PROFILE[mode], found, max_snap_m=self.max_snap_m)

    def cache_id(self, mode: Mode) -> str:
        base = graph_path(self.graph_dir, MODE_PROFILE[mode])
        stamp = base.with_name(base.name + ".cell_metrics")
        mtime = stamp.stat().st_mtime_ns if stamp.exists() else 0
        return f"osrm-embedded:{base.resolve()}@{mtime}:snap{self.max_snap_m:g}"

    def _engine(self, mode: Mode) -> Any:
        with self._lock:
            engine = self._engines.get(mode)
            if engine is None:
                base = graph_path(self.graph_dir, MODE_PROFILE[mode])
                try:
                    import osrm
                except ImportError as exc:
                    raise RoutingError("osrm-embedded: osrm-bindings is not installed "
                                       "(pip install 'routeplan[roads]')") from exc
                try:
                    engine = osrm.OSRM(algorithm="MLD", storage_config=str(base),
                                       use_shared_memory=False)
                except RuntimeError as exc:
                    raise RoutingError(f"osrm-embedded: cannot load {base}: {exc}") from exc
                self._engines[mode] = engine
            return engine

    def _table(self, mode: Mode, coords: Sequence[LonLat], sources: Sequence[int] | None,
               destinations: Sequence[int] | None) -> _Table:
        import osrm

        kwargs: dict[str, Any] = {"coordinates": list(coords),
                                  "annotations": ["duration", "distance"],
                                  "generate_hints": False}
        if sources is not None:
            kwargs["sources"] = list(sources)
        if destinations is not None:
            kwargs["destinations"] = list(destinations)
        try:
            res = self._engine(mode).Table(osrm.TableParameters(**kwargs))
        except RuntimeError as exc:
            raise RoutingError(f"osrm-embedded: table of {len(coords)} points for "
                               f"{mode.value} failed: {exc}") from exc
        return _Table(_floats(res["durations"]), _floats(res["distances"]),
                      _snaps(res["sources"]), _snaps(res["destinations"]))

    def _route(self, mode: Mode, coords: Sequence[LonLat]) -> _Route | None:
        import osrm

        params = osrm.RouteParameters(coordinates=list(coords), overview="full",
                                      geometries="geojson", generate_hints=False)
        try:
            res = self._engine(mode).Route(params)
        except RuntimeError as exc:
            if str(exc).startswith("NoRoute"):
                return None
            raise RoutingError(f"osrm-embedded: route through {len(coords)} points for "
                               f"{mode.value} failed: {exc}") from exc
        line = [(float(c[0]), float(c[1])) for c in res["routes"][0]["geometry"]["coordinates"]]
        return _Route(line, _snaps(res["waypoints"]))


# -- server ----------------------------------------------------------------------------------


class OsrmServer(_OsrmSource):
    """An OSRM HTTP server (osrm-routed, or anything answering in OSRM's format).

    `base_url` is the server's root, e.g. ``http://127.0.0.1:5000``; requests go to
    ``{base_url}/table/v1/{profile}/...``, `profile` from URL_PROFILE. One server serves the
    `modes` given (an osrm-routed serves one graph, so usually one mode).

    Tables are cut into blocks of at most `max_table_size` sources x destinations (the
    server's `--max-table-size`, 100 by default); a server that still answers TooBig gets
    smaller blocks. Each request times out after `timeout_s`; connection errors, timeouts and
    HTTP 429/5xx are tried `retries` more times, waiting `backoff_s`, 2x, 4x... in between.
    Connections are opened per matrices()/geometry() call and closed after it, so an instance
    holds no sockets between calls and needs no closing.
    """

    def __init__(self, base_url: str, *, modes: Iterable[Mode] = (Mode.CAR,),
                 max_snap_m: float = 500, max_table_size: int = 100,
                 max_route_size: int = 500, timeout_s: float = 30.0, retries: int = 2,
                 backoff_s: float = 0.5, profiles: Mapping[Mode, str] | None = None) -> None:
        super().__init__(max_snap_m=max_snap_m, table_limit=max_table_size,
                         route_limit=max_route_size)
        if not base_url.startswith(("http://", "https://")):
            raise InvalidInput(f"osrm url: {base_url!r} is not an http(s) URL")
        if retries < 0 or backoff_s < 0 or timeout_s <= 0:
            raise InvalidInput("osrm server: retries and backoff_s must be >= 0, timeout_s > 0")
        self.base_url = base_url.rstrip("/")
        self._modes = frozenset(modes)
        self._profiles = {**URL_PROFILE, **(profiles or {})}
        self.retries = retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self._local = threading.local()

    @property
    def name(self) -> str:
        return "osrm-server"

    @property
    def modes(self) -> frozenset[Mode]:
        return self._modes

    def origin(self, mode: Mode) -> ModeSource:
        """The server's URL and profile (a server cannot vouch for the data behind it)."""
        return ModeSource(self.name, self._profiles[mode], self.base_url,
                          max_snap_m=self.max_snap_m)

    def cache_id(self, mode: Mode) -> str:
        return f"osrm-server:{self.base_url}/{self._profiles[mode]}:snap{self.max_snap_m:g}"

    @contextlib.contextmanager
    def _session(self) -> Iterator[object]:
        import httpx

        if getattr(self._local, "client", None) is not None:  # already inside a call
            yield self._local.client
            return
        with httpx.Client(timeout=self.timeout_s, headers={"User-Agent": "routeplan"}) as c:
            self._local.client = c
            try:
                yield c
            finally:
                self._local.client = None

    def _get(self, service: str, mode: Mode, coords: Sequence[LonLat],
             query: Sequence[tuple[str, str]]) -> dict[str, Any] | None:
        """One OSRM request with retries; the JSON answer, or None for code NoRoute."""
        import httpx

        path = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in coords)
        url = (f"{self.base_url}/{service}/v1/{self._profiles[mode]}/{path}?"
               + "&".join(f"{k}={v}" for k, v in query))
        what = f"OSRM server {self.base_url}: {service} of {len(coords)} points"
        attempt = 0
        while True:
            failure: str
            try:
                resp = self._local.client.get(url)
            except httpx.TimeoutException as exc:
                failure = f"timed out ({type(exc).__name__})"
            except httpx.TransportError as exc:
                failure = f"cannot connect ({type(exc).__name__}: {exc})"
            else:
                if resp.status_code == 429 or resp.status_code >= 500:
                    failure = f"HTTP {resp.status_code} {_brief(resp.text)}"
                else:
                    return self._answer(what, resp)
            if attempt >= self.retries:
                raise RoutingError(f"{what} failed after {attempt + 1} attempt(s): {failure}")
            time.sleep(self.backoff_s * 2**attempt)
            attempt += 1

    @staticmethod
    def _answer(what: str, resp: Any) -> dict[str, Any] | None:
        try:
            data = resp.json()
        except ValueError:
            raise RoutingError(f"{what}: HTTP {resp.status_code}, not JSON: "
                               f"{_brief(resp.text)}") from None
        if not isinstance(data, dict):
            raise RoutingError(f"{what}: unexpected answer {_brief(resp.text)}")
        code = data.get("code")
        if code == "Ok":
            return data
        if code == "NoRoute":
            return None
        if code == "TooBig" or resp.status_code in (413, 414, 431):
            raise _TooBigError
        raise RoutingError(f"{what}: HTTP {resp.status_code} {code}: "
                           f"{data.get('message', '')}".rstrip(": "))

    def _table(self, mode: Mode, coords: Sequence[LonLat], sources: Sequence[int] | None,
               destinations: Sequence[int] | None) -> _Table:
        query = [("annotations", "duration,distance"), ("generate_hints", "false")]
        if sources is not None:
            query.append(("sources", ";".join(map(str, sources))))
        if destinations is not None:
            query.append(("destinations", ";".join(map(str, destinations))))
        data = self._get("table", mode, coords, query)
        if data is None:
            raise RoutingError(f"OSRM server {self.base_url}: table answered NoRoute")
        try:
            return _Table(_floats(data["durations"]), _floats(data["distances"]),
                          _snaps(data["sources"]), _snaps(data["destinations"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise RoutingError(f"OSRM server {self.base_url}: malformed table answer "
                               f"({type(exc).__name__}: {exc})") from None

    def _route(self, mode: Mode, coords: Sequence[LonLat]) -> _Route | None:
        query = [("overview", "full"), ("geometries", "geojson"), ("generate_hints", "false")]
        data = self._get("route", mode, coords, query)
        if data is None:
            return None
        try:
            line = [(float(c[0]), float(c[1]))
                    for c in data["routes"][0]["geometry"]["coordinates"]]
            return _Route(line, _snaps(data["waypoints"]))
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise RoutingError(f"OSRM server {self.base_url}: malformed route answer "
                               f"({type(exc).__name__}: {exc})") from None


def _brief(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."
