"""Matrix time per travel source (haversine, embedded OSRM, OSRM server) and graph build time.

Runs on the generated grid network (tests.travel.testnet), built into a temporary folder;
prints medians. Usage:

    python benchmarks/bench_travel.py [--sizes 200 1000 2000] [--repeats 3] [--grid 40]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.*, tests.*

from tests.travel.testnet import GridNetwork

from routeplan.domain.geo import LonLat
from routeplan.domain.team import Mode
from routeplan.travel.haversine import HaversineMatrix
from routeplan.travel.osrm import OsrmEmbedded, OsrmServer
from routeplan.travel.roads import build_roads, routed


def median_s(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 2000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--grid", type=int, default=40, help="crossings per side")
    ap.add_argument("--spacing", type=float, default=200.0, help="metres between crossings")
    ap.add_argument("--server-table-size", type=int, default=100,
                    help="osrm-routed --max-table-size (its default is 100)")
    args = ap.parse_args()
    # A killed benchmark still stops its osrm-routed (the context manager's exit runs).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    grid = GridNetwork(nx=args.grid, ny=args.grid, spacing_m=args.spacing,
                       bridge_col=args.grid - 2)
    print(f"network: {grid.size_text}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        osm = grid.write(work / "grid.osm.pbf")

        def build() -> None:
            build_roads(osm, work / "graphs", ("car",), threads=os.cpu_count())

        build_s = median_s(build, args.repeats)
        print(f"build (extract+partition+customize, car, MLD): median {build_s:.2f} s")

        rng = np.random.default_rng(7)
        hav = HaversineMatrix()
        emb = OsrmEmbedded(work / "graphs")
        with routed(work / "graphs", max_table_size=args.server_table_size) as server:
            srv = OsrmServer(server.url, max_table_size=args.server_table_size, retries=0,
                             timeout_s=300)
            print(f"{'points':>7} {'haversine':>11} {'embedded':>11} {'server':>11}")
            for n in args.sizes:
                xy = rng.uniform(0, grid.nx - 1, size=(n, 2))
                pts: list[LonLat] = [grid.at(float(x), float(y)) for x, y in xy]
                row = [median_s(partial(source.matrices, pts, Mode.CAR), args.repeats)
                       for source in (hav, emb, srv)]
                print(f"{n:>7} " + " ".join(f"{t:>9.3f} s" for t in row), flush=True)
        print(f"server tables cut into {args.server_table_size}x{args.server_table_size} "
              "blocks; medians of", args.repeats)


if __name__ == "__main__":
    main()
