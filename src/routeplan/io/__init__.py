"""Input and output adapters: visits and teams from CSV, Excel and JSON; plans to files."""

from routeplan.io.atomic import write_atomic
from routeplan.io.columns import CHINESE_HEADERS, TEAM_COLUMNS, VISIT_COLUMNS, columns_markdown
from routeplan.io.plan_exports import plan_to_csv, plan_to_geojson
from routeplan.io.plan_json import (
    plan_from_dict,
    plan_to_dict,
    plan_to_json,
    read_plan,
    write_plan,
)
from routeplan.io.readers import read_teams, read_visits, teams_from_records, visits_from_records

__all__ = [
    "CHINESE_HEADERS",
    "TEAM_COLUMNS",
    "VISIT_COLUMNS",
    "columns_markdown",
    "plan_from_dict",
    "plan_to_csv",
    "plan_to_dict",
    "plan_to_geojson",
    "plan_to_json",
    "read_plan",
    "read_teams",
    "read_visits",
    "teams_from_records",
    "visits_from_records",
    "write_atomic",
    "write_plan",
]
