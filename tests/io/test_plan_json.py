"""The plan contract: plan.json shape, exact round trip, located errors, atomic files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import problems_of
from routeplan.domain.plan import Plan
from routeplan.io.atomic import write_atomic
from routeplan.io.plan_exports import CSV_COLUMNS, plan_to_csv, plan_to_geojson
from routeplan.io.plan_json import plan_from_dict, plan_to_dict, read_plan, write_plan

CONTRACT_KPIS = {
    "visits_planned", "visits_unassigned", "priority_planned", "priority_total",
    "priority_share", "must_visits_planned", "must_visits_total", "distance_m", "driving_s",
    "waiting_s", "service_s", "teams_used", "utilisation", "warnings",
}


def test_plan_dict_has_every_key_of_the_contract(small_plan: Plan) -> None:
    d = plan_to_dict(small_plan)
    assert d["date"] == "2026-12-01"
    assert d["timezone"] == "Asia/Shanghai"
    assert set(d) >= {"date", "timezone", "routes", "unassigned", "kpis", "policy"}
    assert set(d["kpis"]) >= CONTRACT_KPIS
    route = next(r for r in d["routes"] if r["stops"])
    assert set(route) >= {"team_id", "members", "stops", "breaks", "distance_m", "duration_s"}
    stop = route["stops"][0]
    assert set(stop) >= {"visit_id", "borrower_id", "lat", "lon", "arrival", "start",
                         "departure", "sequence", "window_start", "window_end", "service_min",
                         "location_quality"}
    assert stop["arrival"].endswith("+08:00")
    assert stop["start"].startswith("2026-12-01T")
    assert {u["visit_id"]: u["reason"] for u in d["unassigned"]}["V6"] == "do_not_visit"
    assert set(d["unassigned"][0]) == {"visit_id", "reason", "detail", "detail_en"}
    assert d["policy"] == small_plan.policy.to_mapping()


def test_stops_carry_wgs84_lat_and_lon_of_the_visit(small_plan: Plan) -> None:
    d = plan_to_dict(small_plan)
    stops = {s["visit_id"]: s for r in d["routes"] for s in r["stops"]}
    assert "V5" in stops, "the windowed visit is planned in this tiny day"
    assert (stops["V5"]["lat"], stops["V5"]["lon"]) == (34.76, 113.66)
    assert (stops["V5"]["window_start"], stops["V5"]["window_end"]) == ("10:00", "12:00")


def test_every_visit_appears_once(small_plan: Plan) -> None:
    d = plan_to_dict(small_plan)
    ids = [s["visit_id"] for r in d["routes"] for s in r["stops"]]
    ids += [u["visit_id"] for u in d["unassigned"]]
    assert sorted(ids) == [f"V{i}" for i in range(1, 7)]


def test_round_trip_through_json_text_gives_the_same_plan(small_plan: Plan) -> None:
    text = json.dumps(plan_to_dict(small_plan), ensure_ascii=False)
    again = plan_from_dict(json.loads(text))
    assert again == small_plan
    assert plan_to_dict(again) == plan_to_dict(small_plan)


def test_read_plan_reads_what_write_plan_wrote(small_plan: Plan, tmp_path: Path) -> None:
    paths = write_plan(small_plan, tmp_path / "out")
    assert [p.name for p in paths] == ["routes.csv", "plan.json"]
    assert read_plan(tmp_path / "out" / "plan.json") == small_plan


def test_write_plan_leaves_no_temporary_files_and_replaces_old_ones(
        small_plan: Plan, tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text("old", encoding="utf-8")
    write_plan(small_plan, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "routes.csv"]
    assert json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["date"] == "2026-12-01"


def test_failed_atomic_write_keeps_the_target_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    target.mkdir()
    (target / "keep").write_text("x", encoding="utf-8")
    with pytest.raises(IsADirectoryError):  # a file cannot replace a folder
        write_atomic(target, "{}")
    assert (target / "keep").read_text(encoding="utf-8") == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_broken_plan_document_names_each_place(small_plan: Plan) -> None:
    d = plan_to_dict(small_plan)
    route = next(i for i, r in enumerate(d["routes"]) if r["stops"])
    d["routes"][route]["stops"][0]["arrival"] = "nine"
    d["unassigned"][0]["reason"] = "bad_luck"
    del d["kpis"]["teams_used"]
    lines = problems_of(lambda: plan_from_dict(d, source="plan.json"))
    assert f"plan.json#/routes/{route}/stops/0/arrival: 'nine' is not an ISO 8601 " \
           "date-time" in lines
    assert any(line.startswith("plan.json#/unassigned/0/reason: 'bad_luck' is not one of")
               for line in lines)
    assert "plan.json#/kpis/teams_used: required, but missing" in lines


def test_plan_file_that_is_not_json_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("{not json", encoding="utf-8")
    (line,) = problems_of(lambda: read_plan(path))
    assert line.startswith("plan.json:1: not valid JSON")


def test_csv_has_one_row_per_visit_and_a_bom_on_disk(small_plan: Plan, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(plan_to_csv(small_plan))))
    assert sorted(r["visit_id"] for r in rows) == [f"V{i}" for i in range(1, 7)]
    assert tuple(rows[0]) == CSV_COLUMNS
    v6 = next(r for r in rows if r["visit_id"] == "V6")
    assert (v6["team_id"], v6["reason"]) == ("", "do_not_visit")
    assert v6["detail"], "the Chinese explanation is in the sheet"
    write_plan(small_plan, tmp_path)
    assert (tmp_path / "routes.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_geojson_points_are_lon_lat(small_plan: Plan) -> None:
    fc = plan_to_geojson(small_plan)
    assert fc["type"] == "FeatureCollection"
    stops = [f for f in fc["features"] if f["properties"]["kind"] == "stop"]
    v5 = next(f for f in stops if f["properties"]["visit_id"] == "V5")
    assert v5["geometry"] == {"type": "Point", "coordinates": [113.66, 34.76]}
    lines = [f for f in fc["features"] if f["properties"]["kind"] == "route"]
    assert len(lines) == small_plan.kpis.teams_used
    json.dumps(fc)  # serialisable as it is
