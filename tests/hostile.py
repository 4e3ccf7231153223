"""A corpus of hostile text for every text column: template syntaxes, markup, formulas, controls.

Each value must come out of every page and export exactly as it went in (formula-looking
cells in spreadsheets neutralised by a leading quote), and never reach a log. Ids are kept
within the 100 characters an id may hold; `LONG` is the 10,000-character value every reader
must refuse with a located message. Members avoid the list separators (``;，、,``).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from routeplan_api.services.demo import synthetic_records

CORPUS: tuple[str, ...] = (
    "X{{ 6*7 }}Y",
    "{{ lipsum.__globals__.os.getpid() }}",
    "{% for i in range(3) %}L{% endfor %}",
    "{{ 7*'7' }}{#c#}",
    "${7*7}#{7*7}<%= 7*7 %>[[${7*7}]]{{=7*7}}",
    "</script><img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>\"'`",
    "&lt;b&gt;&amp;&#60;",
    '=HYPERLINK("http://x/"&A1)',
    "+1+1",
    "-2-2",
    "@SUM(A1)",
    "tab\tbell\x07esc\x1b[31m",
    "\u202eRTL\u200fmark\u200e",
    "line\u2028sep\u2029para",
    "\\u003c/script\\u003e</SCRIPT >",
)
#: Never allowed anywhere: longer than any cell the readers take.
LONG = "长" + "A" * 9_998 + "尾"
#: What a template engine or a browser would make of the values, were they code.
EVALUATED = ("X42Y~", "LLL~", "7777777~")


def visit_id(i: int, value: str) -> str:
    return f"{value}~{i}"


def hostile_records(visits: int = 16, teams: int = 3, seed: int = 3
                    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A synthetic Zhengzhou day whose every text column holds a value of the corpus."""
    vs, ts = synthetic_records(visits=visits, teams=teams, seed=seed)
    for i, v in enumerate(vs):
        value = CORPUS[i % len(CORPUS)]
        v["visit_id"] = visit_id(i, value)
        v["borrower_id"] = f"B{value}{i}"
        v["address"] = f"河南省郑州市金水区花园路{value}{i}号院"
        # lawful hours for every visit, so that most are routed and reach the pages
        v["window_start"], v["window_end"] = "09:00", "17:00"
        v["consent_out_of_hours"] = False
        v["place"] = "home"
    team_values = ("T{{ 6*7 }}", "</script><b>T</b>", "=T+1&\u202e")
    members = (("C{{7*7}}a", "<i>c</i>b"), ("=c2a", "\u202ec2b"), ("c3a{%x%}", "c3b\x07"))
    for i, t in enumerate(ts):
        t["team_id"] = team_values[i % len(team_values)] + (str(i) if i >= 3 else "")
        t["members"] = [m + (str(i) if i >= 3 else "") for m in members[i % len(members)]]
    return vs, ts


def write_csv(records: list[dict[str, Any]], path: Path) -> None:
    """Records as a CSV file (lists joined by ';'), every cell quoted, UTF-8."""
    columns = list(dict.fromkeys(k for r in records for k in r))
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, quoting=csv.QUOTE_ALL)
        out.writerow(columns)
        for r in records:
            out.writerow([";".join(map(str, r[c])) if isinstance(r.get(c), list)
                          else "" if r.get(c) is None else str(r[c]) for c in columns])
