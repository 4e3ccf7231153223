"""The one runtime configuration: road graphs, servers, keys, tiles, data folder, calendar.

Read once from the environment (`RuntimeConfig.from_env(os.environ)`) and command-line flags
by the entry points (the CLI, the service, `routeplan worker`), then passed down; nothing in
the core reads an environment variable itself. A plain value: `routeplan.workflows.runtime`
turns it into the calendar, travel source and geocoder. Policy (company rules) is separate:
it travels with each plan. Environment variables:

| variable | field | meaning |
| --- | --- | --- |
| `ROUTEPLAN_ROADS` | `roads_dir` | folder of OSRM graphs built by `routeplan roads build` |
| `ROUTEPLAN_OSRM_URL` | `osrm_url` | an OSRM server, or `car=URL,ebike=URL,walk=URL` |
| `ROUTEPLAN_AMAP_KEY` | `amap_key` | AMap web-service key: geocode addresses online first |
| `ROUTEPLAN_TILES` | `tiles` | map tiles: `amap` (default), `tianditu`, `osm` |
| `ROUTEPLAN_TILES_KEY` | `tiles_key` | browser-side tile key (Tianditu's `tk`) |
| `ROUTEPLAN_TILES_URL` | `tiles_url` | tile URL template overriding the provider's |
| `ROUTEPLAN_DATA_DIR` | `data_dir` | folder for caches and the embedded database (`./var`) |
| `ROUTEPLAN_CALENDAR` | `calendar_path` | holiday calendar file or folder adding/replacing years |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

#: environment variable -> field; the table in the module docstring says what each means.
ENVIRONMENT: dict[str, str] = {
    "ROUTEPLAN_ROADS": "roads_dir",
    "ROUTEPLAN_OSRM_URL": "osrm_url",
    "ROUTEPLAN_AMAP_KEY": "amap_key",
    "ROUTEPLAN_TILES": "tiles",
    "ROUTEPLAN_TILES_KEY": "tiles_key",
    "ROUTEPLAN_TILES_URL": "tiles_url",
    "ROUTEPLAN_DATA_DIR": "data_dir",
    "ROUTEPLAN_CALENDAR": "calendar_path",
}
_PATHS = {"roads_dir", "data_dir", "calendar_path"}


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    """Where things are on this machine; frozen and picklable (workers receive it)."""

    roads_dir: Path | None = None
    osrm_url: str = ""
    amap_key: str = field(default="", repr=False)
    tiles: str = "amap"
    tiles_key: str = field(default="", repr=False)
    tiles_url: str = ""
    data_dir: Path = Path("var")
    calendar_path: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RuntimeConfig:
        """The configuration the environment `env` describes (empty values mean unset)."""
        values: dict[str, Any] = {}
        for var, name in ENVIRONMENT.items():
            raw = env.get(var, "").strip()
            if raw:
                values[name] = Path(raw) if name in _PATHS else raw
        return cls(**values)

    def with_flags(self, **flags: Any) -> RuntimeConfig:
        """A copy with the command-line flags given (None: keep the environment's value)."""
        known = {f.name for f in fields(self)}
        given = {k: (Path(v) if k in _PATHS and v is not None else v)
                 for k, v in flags.items() if v is not None}
        unknown = set(given) - known
        if unknown:
            raise TypeError(f"unknown configuration fields: {sorted(unknown)}")
        return replace(self, **given)  # type: ignore[arg-type]
