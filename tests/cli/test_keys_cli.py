"""`routeplan keys create --expires`: a positive number of days or `never`, nothing else."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from routeplan.cli import main
from routeplan_api.config import Settings
from routeplan_api.persistence import Store
from tests.cli.test_cli import EXE


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROUTEPLAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ROUTEPLAN_DATABASE_URL", "")
    return tmp_path


def _keys(data_dir: Path) -> list[tuple[str, datetime | None]]:
    store = Store(Settings(data_dir=data_dir).resolved_database_url)
    try:
        return [(row.id, row.expires_at) for row in store.keys.list_all()]
    finally:
        store.close()


@pytest.mark.parametrize(("value", "says"), [
    ("0", "1 to 3650 days"), ("-1", "1 to 3650 days"), ("3651", "1 to 3650 days"),
    ("1.5", "whole number"), ("soon", "whole number"), ("", "whole number"),
    ("nevermore", "whole number"),
])
def test_other_values_are_an_error_and_make_no_key(
        data_dir: Path, value: str, says: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["keys", "create", "--role", "dispatcher", "--expires", value])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "--expires" in err and says in err and "'never'" in err
    assert _keys(data_dir) == []


def test_days_and_never_make_the_keys_they_say(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = datetime.now(UTC)
    assert main(["keys", "create", "--role", "analyst", "--expires", "30"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert main(["keys", "create", "--role", "admin", "--expires", "never"]) == 0
    second = capsys.readouterr().out.splitlines()[0]
    assert "never expires" in second and "expires 20" in first
    (_, thirty), (_, never) = sorted(_keys(data_dir), key=lambda k: k[1] is None)
    assert never is None
    assert thirty is not None
    assert timedelta(days=30) <= thirty - before <= timedelta(days=30, minutes=5)


def test_the_real_command_exits_2_for_zero_days(tmp_path: Path) -> None:
    env = {**os.environ, "ROUTEPLAN_DATA_DIR": str(tmp_path), "ROUTEPLAN_DATABASE_URL": ""}
    done = subprocess.run([EXE, "keys", "create", "--role", "dispatcher", "--expires", "0"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "'0' days: a key is valid for 1 to 3650 days" in done.stderr
    assert "Traceback" not in done.stderr
