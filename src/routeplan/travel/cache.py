"""A matrix cache keyed by source, mode and rounded coordinates: in memory, optionally on disk.

Re-planning the same day asks the road engine the same question; the answer is kept in a small
in-memory LRU and, when a folder is given, as one `.npz` file per key (no pickle), written
atomically so concurrent planners never read half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from routeplan.domain.geo import LonLat
from routeplan.domain.team import Mode
from routeplan.domain.travel import Matrices, ModeSource

#: Coordinates are rounded to this many decimals for the key (1e-5 degree ~ 1 m).
KEY_DECIMALS = 5


def cache_key(source_id: str, mode: Mode, points: Sequence[LonLat]) -> str:
    """Hex digest of the source's identity, the mode and the points rounded to ~1 m."""
    h = hashlib.sha256()
    h.update(f"{source_id}\n{mode.value}\n{len(points)}\n".encode())
    rounded = np.round(np.asarray(points, dtype=np.float64).reshape(-1, 2), KEY_DECIMALS)
    h.update((rounded * 10**KEY_DECIMALS).astype(np.int64).tobytes())
    return h.hexdigest()


class MatrixCache:
    """LRU of recent Matrices (at most `maxsize`), backed by `directory` when given."""

    def __init__(self, maxsize: int = 16, directory: Path | None = None) -> None:
        self.maxsize = maxsize
        self.directory = Path(directory) if directory is not None else None
        self._memory: OrderedDict[str, Matrices] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Matrices | None:
        """The cached matrices for `key`, or None."""
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
                self.hits += 1
                return found
        found = self._read(key)
        with self._lock:
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            self._remember(key, found)
        return found

    def put(self, key: str, value: Matrices) -> None:
        """Keep `value` under `key` in memory and, if configured, on disk."""
        with self._lock:
            self._remember(key, value)
        self._write(key, value)

    def _remember(self, key: str, value: Matrices) -> None:
        self._memory[key] = value
        self._memory.move_to_end(key)
        while len(self._memory) > self.maxsize:
            self._memory.popitem(last=False)

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.npz"

    def _read(self, key: str) -> Matrices | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                return Matrices(
                    z["durations"].astype(np.int64), z["distances"].astype(np.int64),
                    tuple(bool(s) for s in z["snapped"]), source=str(meta["source"]),
                    warnings=tuple(str(w) for w in meta["warnings"]),
                    origin=ModeSource(**meta["origin"]) if meta.get("origin") else None)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged file is a miss; the next put rewrites it

    def _write(self, key: str, value: Matrices) -> None:
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        origin = asdict(value.origin) if value.origin is not None else None
        meta = json.dumps({"source": value.source, "warnings": list(value.warnings),
                           "origin": origin})
        fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=path.parent)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, durations=value.durations, distances=value.distances,
                         snapped=np.asarray(value.snapped, dtype=bool), meta=np.array(meta))
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
