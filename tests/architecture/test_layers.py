"""The house's shape: imports point one way, and the public surface of the core is pinned."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import routeplan

ROOT = Path(__file__).resolve().parents[2]

#: Core packages by layer: a module may import its own package and lower layers only.
CORE_LAYERS = {
    "domain": 0, "config": 0,
    "rules": 1, "geo": 1, "travel": 1,
    "io": 2, "solver": 2,
    "workflows": 3,
    "maps": 4, "report": 4,
    "cli": 5,
}
#: The service's parts by layer, likewise.
API_LAYERS = {
    "config": 0, "security": 0, "ratelimit": 0,
    "persistence": 1,
    "schemas": 2, "services": 2, "edge": 2,
    "errors": 3, "jobs": 3,
    "deps": 4,
    "routes": 5,
    "main": 6,
    "cli": 7,
}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module an `import` or `from ... import` names, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _part(module: str, top: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == top and len(parts) > 1 else None


def _violations(folder: Path, top: str, layers: dict[str, int]) -> list[str]:
    out: list[str] = []
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(folder)
        own = rel.parts[0].removesuffix(".py")
        if own == "__init__" or "migrations" in rel.parts:
            continue
        assert own in layers, f"{top}.{own} has no layer: add it to the architecture test"
        for line, module in _imports(path):
            if module.startswith("routeplan_api") and top == "routeplan":
                if own != "cli":  # the CLI loads the service's commands lazily
                    out.append(f"{rel}:{line}: the core imports the service ({module})")
                continue
            target = _part(module, top)
            if target is None or target == own:
                continue
            if target not in layers:
                out.append(f"{rel}:{line}: {module} is in no layer")
            elif layers[target] >= layers[own]:
                out.append(f"{rel}:{line}: {own} (layer {layers[own]}) imports {target} "
                           f"(layer {layers[target]})")
    return out


def test_core_imports_point_down() -> None:
    """domain <- rules/geo/travel <- io/solver <- workflows <- maps/report <- cli."""
    assert _violations(ROOT / "src" / "routeplan", "routeplan", CORE_LAYERS) == []


def test_service_imports_point_down() -> None:
    """persistence <- schemas/services <- jobs/errors <- deps <- routes <- main <- cli."""
    assert _violations(ROOT / "api", "routeplan_api", API_LAYERS) == []


def test_domain_imports_only_the_standard_library_and_numpy() -> None:
    """Frozen domain values depend on nothing heavier than numpy."""
    allowed = {"numpy", "routeplan"}
    bad = []
    for path in sorted((ROOT / "src" / "routeplan" / "domain").glob("*.py")):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in allowed or top in __import__("sys").stdlib_module_names:
                continue
            bad.append(f"{path.name}:{line}: {module}")
        for line, module in _imports(path):
            if module.startswith("routeplan.") and not module.startswith("routeplan.domain"):
                bad.append(f"{path.name}:{line}: {module}")
    assert bad == []


PUBLIC = [
    "InvalidInput", "Plan", "Policy", "Problem", "RoutingError", "SolveOptions", "Team",
    "Visit", "__version__", "build_problem", "check", "plan_from_dict", "plan_to_dict",
    "read_plan", "read_teams", "read_visits", "solve", "write_plan",
]


def test_public_surface_is_pinned() -> None:
    """The names the package exports are exactly these, and each one resolves."""
    assert sorted(routeplan.__all__) == sorted(PUBLIC)
    for name in routeplan.__all__:
        assert getattr(routeplan, name) is not None


def test_importing_the_core_stays_light() -> None:
    """`import routeplan` loads no solver, web framework or database driver by itself."""
    code = ("import sys, routeplan; heavy = [m for m in ('ortools', 'fastapi', 'sqlalchemy', "
            "'folium', 'geopandas') if m in sys.modules]; print(','.join(heavy))")
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""


@pytest.mark.parametrize("name", ["nothing_here", "_private"])
def test_unknown_names_raise_attribute_error(name: str) -> None:
    """A misspelt export fails loudly instead of returning None."""
    with pytest.raises(AttributeError):
        getattr(importlib.import_module("routeplan"), name)
