"""The [limits] section of a policy: documented, round-tripped, and held inside its ceilings."""

from __future__ import annotations

from pathlib import Path

import pytest

from routeplan.domain.errors import InvalidInput
from routeplan.domain.policy import MAX_ROWS_CEILING, MAX_TEAMS_CEILING, Policy


def test_defaults_hold_a_henan_wide_day() -> None:
    assert (Policy().max_rows, Policy().max_teams) == (20_000, 500)


def test_the_profile_documents_and_reloads_the_limits(tmp_path: Path) -> None:
    text = Policy().to_toml()
    assert "[limits]\n# Most visits in one day's input" in text
    assert "max_rows = 20000" in text and "max_teams = 500" in text
    path = tmp_path / "p.toml"
    path.write_text(text.replace("max_rows = 20000", "max_rows = 50000"), encoding="utf-8")
    assert Policy.from_toml(path).max_rows == 50_000
    assert Policy().with_overrides({"limits.max_teams": 20}).max_teams == 20


@pytest.mark.parametrize(("key", "value"), [
    ("limits.max_rows", 0), ("limits.max_rows", MAX_ROWS_CEILING + 1),
    ("limits.max_teams", 0), ("limits.max_teams", MAX_TEAMS_CEILING + 1)])
def test_limits_outside_their_ceilings_name_the_key(key: str, value: int) -> None:
    with pytest.raises(InvalidInput) as err:
        Policy().with_overrides({key: value})
    assert [p.location for p in err.value.problems] == [f"policy.{key}"]
