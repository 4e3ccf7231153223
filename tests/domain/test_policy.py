"""Policy profiles: defaults, TOML round trip, and refusal of anything that widens the law."""

from __future__ import annotations

from pathlib import Path

import pytest

from routeplan.domain.errors import InvalidInput
from routeplan.domain.policy import Policy


def test_defaults_match_the_documented_profile() -> None:
    p = Policy()
    assert (p.company_start, p.company_end) == (9 * 3600, 20 * 3600)  # 09:00-20:00
    assert p.company_window_hard
    assert (p.min_team_size, p.max_team_size) == (2, 3)
    assert (p.service_min, p.max_visits_per_team) == (20, 12)
    assert (p.min_days_between_visits, p.max_visits_per_7d) == (3, 2)
    assert p.skip_holidays and not p.skip_weekends
    assert p.time_limit_s == 30
    assert (p.detour_factor, p.car_kmh, p.ebike_kmh, p.walk_kmh) == (1.3, 30, 15, 4.5)


def test_toml_round_trip_keeps_every_value(tmp_path: Path) -> None:
    changed = Policy(name="evening", company_start=10 * 3600, company_end=21 * 3600,
                     company_window_hard=False, max_visits_per_team=9, car_kmh=25.0)
    path = tmp_path / "p.toml"
    path.write_text(changed.to_toml(), encoding="utf-8")
    assert Policy.from_toml(path) == changed


def test_toml_documents_every_key() -> None:
    text = Policy().to_toml()
    assert 'company_start = "09:00"' in text
    assert text.count("# ") >= 20


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ('[window]\ncompany_start = "07:00"', "window.company_start"),
        ('[window]\ncompany_end = "22:30"', "window.company_end"),
        ("[teams]\nmin_size = 1", "teams.min_size"),
        ("[visits]\nmax_per_7_days = 9", "visits.max_per_7_days"),
        ('[window]\ncompany_start = "25:00"', "window.company_start"),
        ("[solver]\nspeed = 3", "solver.speed"),
        ('[travel]\ncar_kmh = "fast"', "travel.car_kmh"),
    ],
)
def test_a_profile_that_breaks_the_rules_is_rejected_naming_the_field(
        tmp_path: Path, toml: str, field: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        Policy.from_toml(path)
    assert field in str(err.value)


def test_one_person_teams_can_never_be_allowed() -> None:
    with pytest.raises(InvalidInput, match="legal minimum of 2"):
        Policy(min_team_size=1)


def test_overrides_accept_dotted_keys_and_validate() -> None:
    p = Policy().with_overrides({"window.company_end": "21:00", "teams.max_visits": 8})
    assert (p.company_end, p.max_visits_per_team) == (21 * 3600, 8)
    with pytest.raises(InvalidInput, match=r"window\.company_end"):
        Policy().with_overrides({"window.company_end": "23:00"})


def test_audit_section_defaults_and_toml_round_trip(tmp_path: Path) -> None:
    """[audit]: 300 m and 730 days by default, documented in the profile, read back."""
    p = Policy()
    assert (p.audit_max_distance_m, p.audit_retention_days) == (300, 730)
    text = p.to_toml()
    assert "[audit]\n" in text and "max_distance_m = 300" in text
    path = tmp_path / "audit.toml"
    path.write_text("[audit]\nmax_distance_m = 500\nretention_days = 1095\n", encoding="utf-8")
    loaded = Policy.from_toml(path)
    assert (loaded.audit_max_distance_m, loaded.audit_retention_days) == (500, 1095)
    assert Policy.from_mapping(loaded.to_mapping(), name=loaded.name) == loaded


@pytest.mark.parametrize(("key", "value"), [("retention_days", 365), ("retention_days", 729),
                                            ("max_distance_m", 0), ("max_distance_m", 50_000)])
def test_audit_keys_out_of_range_are_rejected(key: str, value: int) -> None:
    """Records are kept at least two years (COMPLIANCE rule 10); a distance must mean something."""
    with pytest.raises(InvalidInput) as err:
        Policy.from_mapping({"audit": {key: value}})
    assert f"audit.{key}" in str(err.value)
