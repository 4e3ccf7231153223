"""The attacks that took the service to 3-8 GB, sent to the real service in its own process.

`routeplan serve` (uvicorn) runs as a subprocess; a 3-5 MB workbook whose sheet inflates to
1.5 GB, a shared-strings bomb of the same size and a 200,000-row CSV are each answered 422
naming the limit, and the service's peak resident memory (VmHWM, the kernel's own high-water
mark of that process) stays below 1.5 GB.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.test_cli import EXE
from tests.io.bombs import shared_strings_bomb, sheet_bomb

LIMIT_KB = 1_500 * 1024  # 1.5 GB
TEAMS = (b"team_id,members,start_lat,start_lon,shift_start,shift_end\n"
         b"T1,a;b,34.7,113.6,08:30,18:00\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_kb(pid: int) -> int:
    """The process's peak resident set size in kB, as the kernel counts it."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc/<pid>/status")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/status")
def test_bombs_and_200000_rows_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    env = {**os.environ, "ROUTEPLAN_DATA_DIR": str(tmp_path / "var"),
           "ROUTEPLAN_DATABASE_URL": "", "ROUTEPLAN_QUEUE_URL": "",
           "ROUTEPLAN_LINK_SECRET": "test-secret", "ROUTEPLAN_LOCAL_WORKERS": "1"}
    made = subprocess.run([EXE, "keys", "create", "--role", "dispatcher"], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    key = made.stdout.splitlines()[-1]
    uploads = {
        "sheet bomb": ("visits.xlsx", sheet_bomb(tmp_path / "sheet.xlsx").read_bytes(),
                       "visits.xlsx[xl/worksheets/sheet1.xml]"),
        "shared strings bomb": (
            "visits.xlsx", shared_strings_bomb(tmp_path / "strings.xlsx").read_bytes(),
            "visits.xlsx[xl/sharedStrings.xml]"),
        "200,000 rows": ("visits.csv", b"visit_id,borrower_id,lat,lon\n" + b"".join(
            b"V%d,B%d,34.7,113.6\n" % (i, i) for i in range(200_000)), "visits.csv:20002"),
    }
    port = _free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen([EXE, "serve", "--port", str(port)], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)
        started_kb = _peak_kb(server.pid)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"},
                          timeout=120) as client:
            for what, (name, data, location) in uploads.items():
                assert len(data) < 10 * 1024 * 1024, what  # under the body limit: parsed
                r = client.post("/v1/plans", data={"date": "2026-12-01"},
                                files={"visits": (name, data), "teams": ("teams.csv", TEAMS)})
                assert r.status_code == 422, (what, r.status_code, r.text[:300])
                assert [p["location"] for p in r.json()["problems"]] == [location], what
        peak_kb = _peak_kb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    assert peak_kb < LIMIT_KB, f"peak {peak_kb // 1024} MB (at start {started_kb // 1024} MB)"
