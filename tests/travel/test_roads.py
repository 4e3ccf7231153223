"""Building road graphs: one folder per profile, a manifest, clear errors, no half graphs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.travel.testnet import GridNetwork

from routeplan.domain.errors import InvalidInput, RoutingError
from routeplan.domain.team import Mode
from routeplan.travel.osrm import OsrmEmbedded
from routeplan.travel.roads import (
    MANIFEST,
    PROFILES,
    build_roads,
    built_profiles,
    osrm_tool,
    profile_lua,
)


def test_package_ships_tools_and_profiles() -> None:
    """The osrm-* tools and the car, bicycle and foot profiles are all found."""
    for tool in ("osrm-extract", "osrm-partition", "osrm-customize", "osrm-routed"):
        assert osrm_tool(tool).is_file()
    for profile in PROFILES:
        assert profile_lua(profile).name == f"{profile}.lua"


def test_build_from_osm_xml_lays_out_profiles(tmp_path: Path, grid: GridNetwork) -> None:
    """An .osm (XML) file builds; each profile gets its folder; the manifest says what."""
    osm = grid.write(tmp_path / "grid.osm")
    report = build_roads(osm, tmp_path / "out", profiles=("car", "bicycle"), threads=1)
    assert [b.profile for b in report.builds] == ["car", "bicycle"]
    assert built_profiles(tmp_path / "out") == ("car", "bicycle")
    assert "car" in report.summary()
    assert report.seconds > 0
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert set(manifest["profiles"]) == {"car", "bicycle"}
    assert manifest["profiles"]["car"]["algorithm"] == "MLD"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    # the e-bike now rides the bicycle graph
    engine = OsrmEmbedded(tmp_path / "out")
    assert engine.modes == {Mode.CAR, Mode.EBIKE}
    m = engine.matrices([grid.at(1.5, 2), grid.at(5.5, 2)], Mode.EBIKE)
    assert m.distances[0, 1] == pytest.approx(4 * grid.spacing_m, rel=0.03)


def test_rebuild_adds_a_profile_and_keeps_the_others(tmp_path: Path, grid: GridNetwork) -> None:
    """A second build of another profile leaves the first in place and in the manifest."""
    osm = grid.write(tmp_path / "grid.osm.pbf")
    build_roads(osm, tmp_path / "out", profiles=("car",), threads=1)
    build_roads(osm, tmp_path / "out", profiles=("foot",), threads=1)
    assert built_profiles(tmp_path / "out") == ("car", "foot")
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert set(manifest["profiles"]) == {"car", "foot"}


def test_missing_file_and_wrong_suffix_are_input_errors(tmp_path: Path) -> None:
    """The user's mistakes are InvalidInput naming the file."""
    with pytest.raises(InvalidInput, match="does not exist"):
        build_roads(tmp_path / "nope.osm.pbf", tmp_path / "out")
    csv = tmp_path / "visits.csv"
    csv.write_text("a,b\n")
    with pytest.raises(InvalidInput, match=r"visits\.csv"):
        build_roads(csv, tmp_path / "out")


def test_unknown_profile_is_an_input_error(tmp_path: Path, grid: GridNetwork) -> None:
    """Only the shipped profiles can be asked for."""
    osm = grid.write(tmp_path / "grid.osm")
    with pytest.raises(InvalidInput, match="truck"):
        build_roads(osm, tmp_path / "out", profiles=("truck",))


def test_broken_osm_fails_without_leaving_a_graph(tmp_path: Path) -> None:
    """osrm-extract's failure is a RoutingError with its output; no profile counts as built."""
    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><this is not xml")
    with pytest.raises(RoutingError, match="osrm-extract failed for profile car"):
        build_roads(bad, tmp_path / "out", threads=1)
    assert built_profiles(tmp_path / "out") == ()
    assert list((tmp_path / "out").iterdir()) == []


def test_routed_needs_a_built_graph(tmp_path: Path) -> None:
    """Starting a server on a folder without the profile's graph says what to run."""
    from routeplan.travel.roads import routed

    with pytest.raises(RoutingError, match="roads build"), routed(tmp_path, "car"):
        pass


def test_routed_reports_a_server_that_dies(tmp_path: Path, roads_dir: Path) -> None:
    """A graph osrm-routed cannot load: the error says it exited, with its last words."""
    import shutil

    from routeplan.travel.roads import graph_path, routed

    broken = tmp_path / "broken"
    shutil.copytree(roads_dir / "car", broken / "car")
    base = graph_path(broken, "car")
    base.with_name(base.name + ".mldgr").write_bytes(b"garbage")
    with pytest.raises(RoutingError, match="exited with"), routed(broken, "car"):
        pass
