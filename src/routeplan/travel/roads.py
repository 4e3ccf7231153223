"""Road graphs on disk: build them from an OSM extract with the bundled OSRM tools (MLD).

`build_roads` runs osrm-extract, osrm-partition and osrm-customize once per profile and lays
the result out so that a team's mode finds its graph::

    OUT/roads.json              what was built, from which file, when
    OUT/car/roads.osrm.*        Mode.CAR   -> car profile
    OUT/bicycle/roads.osrm.*    Mode.EBIKE -> bicycle profile
    OUT/foot/roads.osrm.*       Mode.WALK  -> foot profile

The tools and the .lua profiles come from the `osrm-bindings` wheel (the `roads` extra); when
the wheel is absent, tools on PATH and profiles under /usr/share/osrm/profiles are used instead
(a system-wide OSRM install).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata, util
from pathlib import Path

from routeplan.domain.errors import InvalidInput, RoutingError
from routeplan.domain.team import Mode

#: Profiles the bundled OSRM ships and `build_roads` knows, in build order.
PROFILES: tuple[str, ...] = ("car", "bicycle", "foot")

#: Which profile's graph a team's mode travels on.
MODE_PROFILE: dict[Mode, str] = {Mode.CAR: "car", Mode.EBIKE: "bicycle", Mode.WALK: "foot"}

#: Base name of every graph's files inside its profile folder.
GRAPH_NAME = "roads"
MANIFEST = "roads.json"

_OSM_SUFFIXES = (".osm", ".osm.pbf", ".pbf", ".osm.bz2")
_SYSTEM_PROFILES = (Path("/usr/share/osrm/profiles"), Path("/usr/local/share/osrm/profiles"))

#: One line for the CLI's help: `routeplan roads build FILE --out DIR [--profile P ...]`.
BUILD_HELP = ("FILE: an OSM extract (.osm, .osm.pbf); --out DIR: where the graphs go; "
              "--profile: car, bicycle or foot, repeatable (default car).")


def _package_dir() -> Path | None:
    spec = util.find_spec("osrm")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def osrm_tool(name: str) -> Path:
    """Path of an OSRM executable (e.g. 'osrm-extract'): the wheel's own, else one on PATH."""
    pkg = _package_dir()
    if pkg is not None and (pkg / "bin" / name).is_file():
        return pkg / "bin" / name
    found = shutil.which(name)
    if found:
        return Path(found)
    raise RoutingError(f"{name} not found: install the road engine with "
                       "`pip install 'routeplan[roads]'` (or Debian's osrm-tools)")


def profile_lua(profile: str) -> Path:
    """Path of a profile's .lua script: the wheel's own, else the system's."""
    if profile not in PROFILES:
        raise InvalidInput(f"profile: {profile!r} is not one of {', '.join(PROFILES)}")
    pkg = _package_dir()
    dirs = ([pkg / "share" / "profiles"] if pkg is not None else []) + list(_SYSTEM_PROFILES)
    for d in dirs:
        if (d / f"{profile}.lua").is_file():
            return d / f"{profile}.lua"
    raise RoutingError(f"OSRM profile {profile}.lua not found in {', '.join(map(str, dirs))}")


def graph_path(roads_dir: Path, profile: str) -> Path:
    """The `.osrm` base path of a profile's graph (the files are this plus suffixes)."""
    return Path(roads_dir) / profile / f"{GRAPH_NAME}.osrm"


def is_built(roads_dir: Path, profile: str) -> bool:
    """True when the profile's MLD graph is complete (customize ran last)."""
    base = graph_path(roads_dir, profile)
    return all(base.with_name(base.name + s).is_file() for s in (".mldgr", ".cell_metrics"))


def graph_identity(roads_dir: Path, profile: str) -> str:
    """A content identity of a profile's graph: the same files give the same id, wherever.

    SHA-256 over each `roads.osrm*` file's name and size and, for large files, their first
    and last 64 KiB (whole small files): cheap on a province's graph, and it survives copying
    the folder to another machine, unlike paths and modification times.
    """
    base = graph_path(roads_dir, profile)
    h = hashlib.sha256()
    for p in sorted(base.parent.glob(base.name + "*")):
        size = p.stat().st_size
        h.update(f"{p.name}\0{size}\0".encode())
        with p.open("rb") as fh:
            if size <= 2 * _ID_CHUNK:
                h.update(fh.read())
            else:
                h.update(fh.read(_ID_CHUNK))
                fh.seek(-_ID_CHUNK, 2)
                h.update(fh.read(_ID_CHUNK))
    return "sha256:" + h.hexdigest()[:32]


_ID_CHUNK = 64 * 1024


def built_profiles(roads_dir: Path) -> tuple[str, ...]:
    """Profiles whose graph exists in `roads_dir`."""
    return tuple(p for p in PROFILES if is_built(roads_dir, p))


@dataclass(frozen=True, slots=True)
class ProfileBuild:
    """One profile's graph: where it is and how long each step took (seconds)."""

    profile: str
    graph: Path
    extract_s: float
    partition_s: float
    customize_s: float

    @property
    def seconds(self) -> float:
        return self.extract_s + self.partition_s + self.customize_s


@dataclass(frozen=True, slots=True)
class RoadsReport:
    """What `build_roads` did."""

    source: Path
    out_dir: Path
    builds: tuple[ProfileBuild, ...]

    @property
    def seconds(self) -> float:
        return sum(b.seconds for b in self.builds)

    def summary(self) -> str:
        """Human-readable lines for the CLI."""
        lines = [f"road graphs from {self.source} in {self.out_dir}:"]
        for b in self.builds:
            lines.append(f"  {b.profile:<8} {b.graph}  ({b.seconds:.1f} s: extract "
                         f"{b.extract_s:.1f}, partition {b.partition_s:.1f}, customize "
                         f"{b.customize_s:.1f})")
        return "\n".join(lines)


def build_roads(osm_path: Path, out_dir: Path, profiles: Sequence[str] = ("car",), *,
                threads: int | None = None) -> RoadsReport:
    """Build an MLD graph per profile from an OSM extract into `out_dir` (see module doc).

    Each profile is built in a temporary folder and moved into place only when complete, so a
    failed build never leaves a half graph that would be taken for a usable one. Raises
    InvalidInput for a bad file or profile, RoutingError when an OSRM tool fails.
    """
    osm_path = Path(osm_path)
    out_dir = Path(out_dir)
    if not osm_path.is_file():
        raise InvalidInput(f"osm file: {osm_path} does not exist")
    if not osm_path.name.endswith(_OSM_SUFFIXES):
        raise InvalidInput(f"osm file: {osm_path.name} is not .osm, .osm.pbf or .osm.bz2")
    wanted = list(dict.fromkeys(profiles))
    if not wanted:
        raise InvalidInput("profile: at least one profile is needed")
    luas = {p: profile_lua(p) for p in wanted}
    tools = {t: osrm_tool(t) for t in ("osrm-extract", "osrm-partition", "osrm-customize")}
    n_threads = str(threads or os.cpu_count() or 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = ".osm.pbf" if osm_path.name.endswith(".pbf") else (
        ".osm.bz2" if osm_path.name.endswith(".bz2") else ".osm")

    builds: list[ProfileBuild] = []
    for profile in wanted:
        work = Path(tempfile.mkdtemp(prefix=f".{profile}.", dir=out_dir))
        try:
            source = work / f"{GRAPH_NAME}{suffix}"
            try:
                source.symlink_to(osm_path.resolve())
            except OSError:
                shutil.copyfile(osm_path, source)
            base = work / f"{GRAPH_NAME}.osrm"
            log = work / "build.log"
            steps = (
                [str(tools["osrm-extract"]), "-p", str(luas[profile]), "-t", n_threads,
                 str(source)],
                [str(tools["osrm-partition"]), "-t", n_threads, str(base)],
                [str(tools["osrm-customize"]), "-t", n_threads, str(base)],
            )
            times = [_run_step(cmd, log, profile) for cmd in steps]
            source.unlink()
            final = out_dir / profile
            if final.exists():
                shutil.rmtree(final)
            work.rename(final)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
        builds.append(ProfileBuild(profile, graph_path(out_dir, profile), *times))

    report = RoadsReport(osm_path, out_dir, tuple(builds))
    _write_manifest(report)
    return report


def _run_step(cmd: list[str], log: Path, profile: str) -> float:
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False,
                              cwd=log.parent)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise RoutingError(f"{Path(cmd[0]).name} failed for profile {profile} "
                           f"(exit {proc.returncode}):\n" + "\n".join(tail))
    return time.perf_counter() - started


def _write_manifest(report: RoadsReport) -> None:
    path = report.out_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    profiles = data.get("profiles", {}) if isinstance(data, dict) else {}
    try:
        engine = metadata.version("osrm-bindings")
    except metadata.PackageNotFoundError:
        engine = "system"
    for b in report.builds:
        profiles[b.profile] = {
            "source": str(report.source.resolve()),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "osrm": engine,
            "algorithm": "MLD",
            "seconds": round(b.seconds, 2),
        }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"profiles": profiles}, indent=2, sort_keys=True) + "\n",
                   encoding="utf-8")
    tmp.replace(path)


# -- running osrm-routed --------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class RoutedServer:
    """A running `osrm-routed`: its base URL and process (tests stop it to see failures)."""

    url: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        """Stop the server now (idempotent)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def routed(roads_dir: Path, profile: str = "car", *, port: int | None = None,
           host: str = "127.0.0.1", max_table_size: int = 100,
           ready_timeout_s: float = 60.0) -> Iterator[RoutedServer]:
    """Run `osrm-routed` on a built graph until the block ends; yields the running server.

    What a user runs by hand is the same command:
    `osrm-routed -a MLD -i 127.0.0.1 -p 5000 OUT/car/roads.osrm` (the wheel puts it under
    `site-packages/osrm/bin/`, or `python -m osrm routed ...`).
    """
    if not is_built(roads_dir, profile):
        raise RoutingError(f"no {profile} graph in {roads_dir}: run `routeplan roads build`")
    port = port or free_port(host)
    cmd = [str(osrm_tool("osrm-routed")), "-a", "MLD", "-i", host, "-p", str(port), "-t", "1",
           "--max-table-size", str(max_table_size), str(graph_path(roads_dir, profile))]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = RoutedServer(f"http://{host}:{port}", proc)
    ready = threading.Event()
    log: list[str] = []
    # Read its log in a thread: it says when it listens, and a full pipe would block it.
    threading.Thread(target=_watch, args=(proc, ready, log), daemon=True).start()
    try:
        ready.wait(ready_timeout_s)
        if not any(_READY in line for line in log):
            try:
                state = f"exited with {proc.wait(timeout=5)}"
            except subprocess.TimeoutExpired:
                state = f"not ready in {ready_timeout_s:g} s"
            raise RoutingError(f"osrm-routed on {host}:{port} {state}: "
                               + " | ".join(log[-3:]))
        yield server
    finally:
        server.stop()


_READY = "running and waiting for requests"


def _watch(proc: subprocess.Popen[str], ready: threading.Event, log: list[str]) -> None:
    """Collect a server's log lines; set `ready` when it listens or its output ends."""
    try:
        if proc.stdout is None:
            return
        with contextlib.suppress(ValueError, OSError), proc.stdout:
            for line in proc.stdout:
                if ready.is_set():
                    continue  # listening: its request log is not kept
                log.append(line.strip())
                del log[:-20]
                if _READY in line:
                    ready.set()
    finally:
        ready.set()
