"""Input limits (issue 12): how long the size checks take, and the largest day each entry accepts.

Part 1 times the checks that run before anything big is read: reading a 20,000-row CSV and
XLSX, refusing a 200,000-row CSV, the workbook checks (zip directory, shared strings) on each
bomb, and the JSON depth scan. Part 2 sends days of growing size to each entry point and
prints, per size, whether it was accepted and the peak resident memory (VmHWM) of the process
that read it: the CLI's reading (`routeplan plan` up to the solve, a fresh process per size),
and the service (uvicorn in its own process, jobs accepted but not solved) for JSON bodies
and multipart CSV/XLSX uploads. The solve side of a large day is measured elsewhere.

    .venv/bin/python benchmarks/bench_limits.py [--sizes 1000,5000,10000,20000,20001]
    .venv/bin/python benchmarks/bench_limits.py --skip-checks --max-rows 100000 \
        --sizes 30000,60000,100000          # where the body limit binds instead
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.*, tests.*

from tests.io.bombs import many_strings, row_jump, shared_strings_bomb, sheet_bomb

from routeplan.domain.errors import InvalidInput
from routeplan.io.day_writers import team_record, visit_record, write_day_csv
from routeplan.io.limits import check_xlsx, json_too_deep
from routeplan.io.readers import read_visits
from routeplan.workflows.synth import synth_day

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parents[1]


def _timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, str]:
    """Best of `repeat` wall-clock seconds, and what the call gave (rows, or the refusal)."""
    best, outcome = float("inf"), ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            got = fn()
            outcome = f"{len(got)} rows" if isinstance(got, list) else "passed"
        except InvalidInput as exc:
            outcome = "refused: " + str(exc.problems[0])[:90]
        best = min(best, time.perf_counter() - t0)
    return best, outcome


def _day_files(folder: Path, n: int, teams: int = 50) -> dict[str, Path]:
    """A synthetic Henan day of `n` visits as visits.csv/.xlsx/.json, teams.csv/.json."""
    from openpyxl import Workbook

    day = synth_day(prefectures=None, visits=n, teams=teams, seed=1)
    csv_visits, csv_teams = write_day_csv(day.visits, day.teams, folder)
    recs = [visit_record(v) for v in day.visits]
    cols = list(dict.fromkeys(k for r in recs for k in r))
    out = {"csv": csv_visits, "teams": csv_teams, "xlsx": folder / "visits.xlsx",
           "json": folder / "visits.json", "teams_json": folder / "teams.json"}
    book = Workbook(write_only=True)
    ws = book.create_sheet("visits")
    ws.append(cols)
    for r in recs:
        ws.append([r.get(c) for c in cols])
    book.save(out["xlsx"])
    out["json"].write_text(json.dumps(recs, ensure_ascii=False), encoding="utf-8")
    out["teams_json"].write_text(json.dumps([team_record(t) for t in day.teams],
                                            ensure_ascii=False), encoding="utf-8")
    return out


def part1(folder: Path) -> None:
    print("== size checks (best of 3, wall clock) ==")
    (folder / "d").mkdir()
    files = _day_files(folder / "d", 20_000)
    big = folder / "visits-200000.csv"
    lines = files["csv"].read_text(encoding="utf-8").splitlines()
    big.write_text("\n".join([lines[0]] + [f"{i}{line}" for i in range(10)
                                           for line in lines[1:]]) + "\n", encoding="utf-8")
    bombs = {
        "sheet bomb (1.5 GB sheet)": sheet_bomb(folder / "sheet-bomb.xlsx"),
        "shared-strings bomb (1.5 GB)": shared_strings_bomb(folder / "strings-bomb.xlsx"),
        "1.1M shared strings": many_strings(folder / "many-strings.xlsx"),
        "row 999,999,999": row_jump(folder / "row-jump.xlsx"),
    }
    rows = [
        ("20,000-row CSV: read_visits", files["csv"], read_visits),
        ("200,000-row CSV: read_visits", big, read_visits),
        ("20,000-row XLSX: zip checks only", files["xlsx"],
         lambda p: check_xlsx(p, p.name, 20_000)),
        ("20,000-row XLSX: read_visits", files["xlsx"], read_visits),
        *((f"{name}: zip checks", path, lambda p: check_xlsx(p, p.name, 20_000))
          for name, path in bombs.items()),
        *((f"{name}: read_visits", path, read_visits)
          for name, path in bombs.items()),
    ]
    for label, path, fn in rows:
        seconds, outcome = _timed(lambda fn=fn, path=path: fn(path))  # type: ignore[misc]
        size = path.stat().st_size
        print(f"{label:<44} {size / 1e6:7.1f} MB file  {seconds * 1000:8.1f} ms  {outcome}")
    body = files["json"].read_bytes()
    deep = b"[" * 100_000 + b"]" * 100_000
    for label, data in (("JSON depth scan, 20,000 records", body),
                        ("JSON depth scan, 100,000 deep", deep)):
        seconds, _ = _timed(lambda data=data: json_too_deep(data))  # type: ignore[misc]
        print(f"{label:<44} {len(data) / 1e6:7.1f} MB body  {seconds * 1000:8.1f} ms")


# -- part 2: entry points -------------------------------------------------------------------

_SERVE = """
import sys, uvicorn
from pathlib import Path
from routeplan.config import RuntimeConfig
from routeplan_api.config import Settings
from routeplan_api.main import create_app
from routeplan_api.security import Role

class NoQueue:  # accepted days are stored, not solved: the read is what is measured
    name = "none"
    def submit(self, *a): return None
    def check(self): return None
    def close(self): return None

app = create_app(Settings(runtime=RuntimeConfig(data_dir=Path(sys.argv[2])),
                          link_secret="bench"), queue=NoQueue())
_, key = app.state.services.store.keys.create(Role.DISPATCHER)
Path(sys.argv[3]).write_text(key)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""

_CLI_READ = """
import sys
from pathlib import Path
from routeplan.cli import _read_day
from routeplan.domain.errors import InvalidInput
from routeplan.domain.policy import Policy
from routeplan.domain.problem import validate_roster
policy = Policy(max_rows=int(sys.argv[3]))
try:
    v, t = _read_day(Path(sys.argv[1]), Path(sys.argv[2]), policy)
    problems = validate_roster(tuple(v), tuple(t), policy)
    print("accepted" if not problems else "refused: " + str(problems[0])[:80])
except InvalidInput as exc:
    print("refused: " + str(exc.problems[0])[:80])
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]) // 1024)
"""


def _peak_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return -1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(folder: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    port = _free_port()
    keyfile = folder / "key"
    proc = subprocess.Popen([PYTHON, "-c", _SERVE, str(port), str(folder / "var"), str(keyfile)],
                            cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200 and keyfile.exists():
                return proc, base, keyfile.read_text()
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the service did not start")


def _outcome(r: httpx.Response) -> str:
    if r.status_code == 202:
        return "accepted"
    try:
        problems = r.json().get("problems") or [{"message": r.json().get("message", "")}]
        return f"{r.status_code}: " + str(problems[0].get("location", "")) + " " + str(
            problems[0]["message"])[:70]
    except ValueError:
        return str(r.status_code)


def part2(folder: Path, sizes: list[int], max_rows: int) -> None:
    print("\n== largest day per entry point: rows vs peak RSS of the reading process "
          f"(limits.max_rows = {max_rows:,}) ==")
    overrides = {"limits": {"max_rows": max_rows}}
    days = {}
    for n in sizes:
        (folder / f"d{n}").mkdir()
        days[n] = _day_files(folder / f"d{n}", n)
    print(f"{'entry':<26} {'visits':>7} {'input':>9} {'seconds':>8} {'peak RSS':>9}  outcome")
    for n, files in days.items():
        t0 = time.perf_counter()
        done = subprocess.run([PYTHON, "-c", _CLI_READ, str(files["csv"]), str(files["teams"]),
                               str(max_rows)], capture_output=True, text=True, cwd=ROOT,
                              check=True)
        outcome, peak = done.stdout.splitlines()
        print(f"{'CLI plan (read, CSV)':<26} {n:>7} {files['csv'].stat().st_size / 1e6:7.1f}MB "
              f"{time.perf_counter() - t0:8.2f} {peak:>6} MB  {outcome}")
    for entry in ("POST /v1/plans JSON", "multipart CSV", "multipart XLSX"):
        home = folder / entry.replace(" ", "_").replace("/", "_")
        home.mkdir()
        proc, base, key = _serve(home)
        try:
            start = _peak_mb(proc.pid)
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"},
                              timeout=600) as client:
                for n, files in days.items():  # growing sizes: the high-water mark is theirs
                    t0 = time.perf_counter()
                    if entry.startswith("POST"):
                        body = json.dumps({"date": "2026-12-01",
                                           "visits": json.loads(files["json"].read_bytes()),
                                           "teams": json.loads(files["teams_json"].read_bytes()),
                                           "policy": {"overrides": overrides}},
                                          ensure_ascii=False).encode()
                        size = len(body)
                        r = client.post("/v1/plans", content=body,
                                        headers={"content-type": "application/json"})
                    else:
                        kind = "csv" if entry.endswith("CSV") else "xlsx"
                        data = files[kind].read_bytes()
                        size = len(data)
                        r = client.post("/v1/plans", data={
                            "date": "2026-12-01", "overrides": json.dumps(overrides)}, files={
                            "visits": (f"visits.{kind}", data),
                            "teams": ("teams.csv", files["teams"].read_bytes())})
                    print(f"{entry:<26} {n:>7} {size / 1e6:7.1f}MB "
                          f"{time.perf_counter() - t0:8.2f} {_peak_mb(proc.pid):>6} MB  "
                          f"{_outcome(r)}")
            print(f"{'':<26} (service at start: {start} MB)")
        finally:
            proc.terminate()
            proc.wait(30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000,20000,20001",
                        help="visits per day for part 2, growing (default %(default)s)")
    parser.add_argument("--max-rows", type=int, default=20_000,
                        help="limits.max_rows for part 2 (default %(default)s)")
    parser.add_argument("--skip-checks", action="store_true", help="part 2 only")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp:
        folder = Path(tmp)
        if not args.skip_checks:
            part1(folder)
        part2(folder, [int(x) for x in args.sizes.split(",")], args.max_rows)


if __name__ == "__main__":
    main()

