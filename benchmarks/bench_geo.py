"""Time the geography layer: spatial join, coordinate conversion, cached geocoding.

    python benchmarks/bench_geo.py [--repeat 5]

Prints the median (and the range) of a few repetitions of each:
- locating 100,000 random points in Henan's bounding box (about half inside the province);
- converting 100,000 points WGS-84 → GCJ-02, GCJ-02 → WGS-84 (exact), and both for BD-09;
- geocoding 1,000 distinct addresses with AmapGeocoder when every one is already cached.
Nothing here touches the network: the AMap cache is filled directly before timing.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from routeplan.geo.crs import Crs, from_wgs84, to_wgs84
from routeplan.geo.geocode import AmapGeocoder, OfflineGeocoder
from routeplan.geo.regions import Regions

N_POINTS = 100_000
N_ADDRESSES = 1_000


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), min(runs), max(runs)


def _report(label: str, stats: tuple[float, float, float]) -> None:
    med, lo, hi = stats
    print(f"{label:<52} median {med * 1000:8.1f} ms   (min {lo * 1000:.1f}, max {hi * 1000:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(20240601)
    lons = rng.uniform(110.3, 116.7, N_POINTS)
    lats = rng.uniform(31.3, 36.4, N_POINTS)

    t0 = time.perf_counter()
    regions = Regions.load()
    label = "Regions.load() (first call: parse and index)"
    print(f"{label:<52} {(time.perf_counter() - t0) * 1000:8.1f} ms")
    inside = int((regions.locate(lons, lats) != 0).sum())
    _report(f"locate {N_POINTS:,} points ({inside:,} inside Henan)",
            _time(lambda: regions.locate(lons, lats), args.repeat))

    for crs in (Crs.GCJ02, Crs.BD09):
        gx, gy = from_wgs84(lons, lats, crs)
        _report(f"convert {N_POINTS:,} points WGS-84 → {crs.value}",
                _time(lambda crs=crs: from_wgs84(lons, lats, crs), args.repeat))
        _report(f"convert {N_POINTS:,} points {crs.value} → WGS-84 (exact)",
                _time(lambda crs=crs, gx=gx, gy=gy: to_wgs84(gx, gy, crs), args.repeat))

    offline = OfflineGeocoder()
    districts = ["金水区", "中原区", "二七区", "涧西区", "卧龙区", "固始县", "新郑市", "杞县"]
    addresses = [f"河南省{districts[i % len(districts)]}建设路{i}号" for i in range(N_ADDRESSES)]
    _report(f"OfflineGeocoder: {N_ADDRESSES:,} addresses",
            _time(lambda: [offline.geocode(a) for a in addresses], args.repeat))

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "amap.sqlite"
        # Fill the cache as earlier lookups would have; base_url points nowhere on purpose.
        with AmapGeocoder("bench", base_url="http://127.0.0.1:9", cache_path=cache):
            pass
        answer = {"adcode": "410105", "province": "河南省", "level": "门牌号",
                  "location": "113.672429,34.790347"}
        with sqlite3.connect(cache) as db:
            db.executemany("INSERT INTO amap_geocode VALUES (?, ?, ?)",
                           [(a, json.dumps(answer, ensure_ascii=False), 0.0) for a in addresses])
        with AmapGeocoder("bench", base_url="http://127.0.0.1:9", cache_path=cache) as amap:
            _report(f"AmapGeocoder: {N_ADDRESSES:,} cached addresses",
                    _time(lambda: [amap.geocode(a) for a in addresses], args.repeat))


if __name__ == "__main__":
    main()
