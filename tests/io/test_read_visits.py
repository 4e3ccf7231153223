"""Reading visits: values as the input contract defines them, and one located line per problem."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from conftest import problems_of
from routeplan.domain.clock import TimeWindow
from routeplan.domain.visit import LocationQuality, Place
from routeplan.geo.crs import Crs, to_wgs84
from routeplan.io.readers import read_visits
from routeplan.travel.haversine import great_circle_m

type Write = Callable[[str, str | bytes], Path]

HEADER = "visit_id,borrower_id,lat,lon,window_start,window_end,priority,service_min\n"


def bad_lines(write: Write, *rows: str, header: str = HEADER) -> list[str]:
    path = write("visits.csv", header + "".join(r + "\n" for r in rows))
    return problems_of(lambda: read_visits(path))


def test_full_row_reads_into_a_visit(write: Write) -> None:
    path = write("visits.csv", (
        "visit_id,borrower_id,lat,lon,crs,address,service_min,priority,window_start,"
        "window_end,place,workplace_consent,consent_out_of_hours,must_visit,do_not_visit,skill,"
        "pin_team,last_visit,visits_last_7d\n"
        "V1,B1,34.7466,113.6254,wgs84,郑州市金水区,25,80,09:30,11:00,单位,是,no,YES,0,豫语,T2,"
        "2026-11-20,1\n"
    ))
    (v,) = read_visits(path)
    assert v.visit_id == "V1"
    assert v.borrower_id == "B1"
    assert v.location == (113.6254, 34.7466)
    assert v.address == "郑州市金水区"
    assert v.service_s == 25 * 60
    assert v.priority == 80
    assert v.window == TimeWindow(9 * 3600 + 1800, 11 * 3600)
    assert v.place is Place.WORKPLACE
    assert v.workplace_consent
    assert not v.consent_out_of_hours
    assert v.must_visit
    assert not v.do_not_visit
    assert (v.skill, v.pin_team) == ("豫语", "T2")
    assert v.last_visit == date(2026, 11, 20)
    assert v.visits_last_7d == 1
    assert v.location_quality is LocationQuality.EXACT


def test_optional_columns_may_be_absent_and_take_defaults(write: Write) -> None:
    (v,) = read_visits(write("visits.csv", "visit_id,borrower_id,lat,lon\nV1,B1,34.7,113.6\n"))
    assert (v.priority, v.service_s, v.window, v.place) == (10, None, None, Place.HOME)
    assert not (v.must_visit)
    assert not (v.do_not_visit)
    assert not (v.consent_out_of_hours)


def test_address_without_coordinates_is_kept_for_geocoding(write: Write) -> None:
    (v,) = read_visits(write("visits.csv", "visit_id,borrower_id,address\nV1,B1,郑州市二七区\n"))
    assert v.location is None
    assert v.address == "郑州市二七区"
    assert v.location_quality is LocationQuality.UNKNOWN


def test_utf8_bom_is_read(write: Write) -> None:
    path = write("visits.csv",
                 b"\xef\xbb\xbf" + b"visit_id,borrower_id,lat,lon\nV1,B1,34.7,113.6\n")
    assert [v.visit_id for v in read_visits(path)] == ["V1"]


def test_time_25_00_names_file_row_column_and_value(write: Write) -> None:
    lines = bad_lines(write, "V1,B1,34.7,113.6,09:00,10:00,,", "V2,B2,34.7,113.6,25:00,26:00,,")
    assert lines == [
        "visits.csv:3:window_start: '25:00' is not a time of day (HH:MM, 00:00 to 24:00)",
        "visits.csv:3:window_end: '26:00' is not a time of day (HH:MM, 00:00 to 24:00)",
    ]


def test_window_end_before_start(write: Write) -> None:
    assert bad_lines(write, "V1,B1,34.7,113.6,12:00,10:00,,") == [
        "visits.csv:2:window_end: '10:00' is before window_start '12:00'"]


def test_half_a_window_is_an_error(write: Write) -> None:
    assert bad_lines(write, "V1,B1,34.7,113.6,12:00,,,") == [
        "visits.csv:2:window_end: empty, but window_start is given ('12:00'); give both or "
        "neither"]


def test_swapped_lat_lon_gets_a_hint(write: Write) -> None:
    assert bad_lines(write, "V1,B1,113.6254,34.7466,,,,") == [
        "visits.csv:2:lat: '113.6254' is outside -90..90; lat and lon look swapped (lon is "
        "'34.7466', which is a latitude)"]


def test_coordinates_out_of_range(write: Write) -> None:
    assert bad_lines(write, "V1,B1,95,200,,,,", "V2,B2,north,113.6,,,,") == [
        "visits.csv:2:lat: '95' is outside -90..90",
        "visits.csv:2:lon: '200' is outside -180..180",
        "visits.csv:3:lat: 'north' is not a number",
    ]


def test_absurd_numbers_each_get_a_line(write: Write) -> None:
    header = "visit_id,borrower_id,lat,lon,priority,service_min,visits_last_7d\n"
    assert bad_lines(write, "V1,B1,34.7,113.6,1000,10000,-1", header=header) == [
        "visits.csv:2:priority: '1000' is not between 1 and 100",
        "visits.csv:2:service_min: '10000' minutes is not between 1 and 480",
        "visits.csv:2:visits_last_7d: '-1' is not between 0 and 168",
    ]


def test_duplicate_visit_id_names_both_rows(write: Write) -> None:
    assert bad_lines(write, "V1,B1,34.7,113.6,,,,", "V2,B2,34.7,113.6,,,,",
                     "V1,B3,34.7,113.6,,,,") == [
        "visits.csv:4:visit_id: 'V1' repeats the visit_id of row 2"]


def test_repeated_borrower_is_not_an_error(write: Write) -> None:
    header = "visit_id,borrower_id,lat,lon\n"
    path = write("visits.csv", header + "V1,B1,34.7,113.6\nV2,B1,34.8,113.7\n")
    assert [v.borrower_id for v in read_visits(path)] == ["B1", "B1"]


def test_unknown_crs(write: Write) -> None:
    header = "visit_id,borrower_id,lat,lon,crs\n"
    assert bad_lines(write, "V1,B1,34.7,113.6,wgs1984", header=header) == [
        "visits.csv:2:crs: 'wgs1984' is not a known coordinate system; use one of bd09, gcj02, "
        "wgs84"]


def test_consent_out_of_hours_needs_a_window(write: Write) -> None:
    header = "visit_id,borrower_id,lat,lon,consent_out_of_hours\n"
    assert bad_lines(write, "V1,B1,34.7,113.6,是", header=header) == [
        "visits.csv:2:consent_out_of_hours: true, but no window: the consented window_start "
        "and window_end are required"]


def test_problems_of_a_row_come_in_column_order(write: Write) -> None:
    header = "visit_id,borrower_id,lat,lon,must_visit,place,last_visit\n"
    assert bad_lines(write, "V1,B1,34.7,113.6,maybe,office,2026-02-30", header=header) == [
        "visits.csv:2:must_visit: 'maybe' is not a yes/no value (true/false, 1/0, yes/no, 是/否)",
        "visits.csv:2:place: 'office' is not a known place; use one of home, workplace",
        "visits.csv:2:last_visit: '2026-02-30' is not a calendar date",
    ]


def test_row_without_coordinates_or_address(write: Write) -> None:
    assert bad_lines(write, "V1,B1,,,,,,") == [
        "visits.csv:2:lat: no coordinates and no address: give lat and lon, or an address"]


def test_empty_required_cell(write: Write) -> None:
    assert bad_lines(write, ",B1,34.7,113.6,,,,") == [
        "visits.csv:2:visit_id: required, but the cell is empty"]


def test_missing_required_columns_are_named(write: Write) -> None:
    path = write("visits.csv", "visit_id,lat\nV1,34.7\n")
    assert problems_of(lambda: read_visits(path)) == [
        "visits.csv: missing required column borrower_id (客户编号)",
        "visits.csv: column lat without column lon",
    ]


def test_all_problems_of_the_file_come_together(write: Write) -> None:
    lines = bad_lines(write, *[f"V{i},B{i},34.7,113.6,25:00,26:00,," for i in range(1, 6)],
                      "V9,B9,34.7,113.6,09:00,10:00,,")
    assert len(lines) == 10  # five bad rows (two cells each), each reported, in row order
    assert [line.split(":")[1] for line in lines] == [str(n) for n in (2, 2, 3, 3, 4, 4, 5, 5,
                                                                        6, 6)]


def test_header_only_file_is_an_error(write: Write) -> None:
    assert problems_of(lambda: read_visits(write("visits.csv", HEADER))) == [
        "visits.csv: the header has no visits rows under it"]


def test_gcj02_and_bd09_points_are_converted_to_wgs84(write: Write) -> None:
    path = write("visits.csv", "visit_id,borrower_id,lat,lon,crs\n"
                 "V1,B1,34.7466,113.6254,gcj02\nV2,B2,34.7466,113.6254,百度\n"
                 "V3,B3,34.7466,113.6254,\n")
    v1, v2, v3 = read_visits(path)
    assert v1.location == to_wgs84(113.6254, 34.7466, Crs.GCJ02)
    assert v2.location == to_wgs84(113.6254, 34.7466, Crs.BD09)
    assert v3.location == (113.6254, 34.7466)
    assert v1.location is not None
    shift_m = float(great_circle_m([v1.location], [(113.6254, 34.7466)])[0, 0])
    assert 200 < shift_m < 1000, "GCJ-02 is a few hundred metres off WGS-84 in Henan"
