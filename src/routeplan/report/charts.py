"""Charts of a what-if comparison (PNG) and a self-contained HTML report embedding them.

Drawn with matplotlib's object API on an explicit Agg canvas (no pyplot, no display, no global
backend switch) from the comparison document of `routeplan.workflows.compare.comparison_to_dict`, so
the service can re-draw a stored comparison without its plans. The HTML page embeds the PNGs as
data URIs: one file, no JavaScript and no CDN, which matters for a page opened inside a company
network in China and keeps whereabouts-adjacent figures from being fetched by third parties
(COMPLIANCE rule 9).

Labels are Chinese with English when a CJK font is installed (`fonts-noto-cjk`); without one
they fall back to English, never to boxes of missing glyphs.
"""

from __future__ import annotations

import base64
import html
import io
import warnings
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from routeplan.domain.plan import Reason
from routeplan.workflows.compare import TABLE_ROWS, reason_rows, table_cells

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: File names of the charts, in the order the report shows them.
CHART_FILES = ("unassigned_by_reason.png", "workload_per_team.png", "priority_vs_km.png")

#: Font families that carry Simplified Chinese, best first, and file name fragments to find them.
_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC")
_CJK_FILES = ("NotoSansCJK", "SourceHanSans", "wqy-zenhei", "wqy-microhei", "msyh", "simhei")

_REASON_ZH = {
    Reason.DO_NOT_VISIT: "禁止上门",
    Reason.CANCELLED: "已取消",
    Reason.HOLIDAY: "节假日",
    Reason.INVALID_LOCATION: "位置无效",
    Reason.WORKPLACE_WITHOUT_CONSENT: "单位未同意",
    Reason.VISITED_TOO_RECENTLY: "近期已访",
    Reason.SAME_BORROWER_SAME_DAY: "同客户同日",
    Reason.OUTSIDE_LAWFUL_HOURS: "合法时段外",
    Reason.OUTSIDE_COMPANY_WINDOW: "公司时段外",
    Reason.NO_ELIGIBLE_TEAM: "无合适小组",
    Reason.UNREACHABLE: "无法到达",
    Reason.OVER_CAPACITY: "运力不足",
}

#: One colour per reason (colour-blind-safe tab20 pairs), stable across charts and runs.
#: `cancelled` came later: it gets the next colour, so every earlier reason keeps its own.
_REASON_COLOUR: dict[Reason, str] = {
    **dict(zip((r for r in Reason if r is not Reason.CANCELLED), (
        "#4e79a7", "#a0cbe8", "#f28e2b", "#ffbe7d", "#59a14f", "#8cd17d", "#b6992d", "#f1ce63",
        "#e15759", "#ff9d9a", "#79706e"), strict=True)),
    Reason.CANCELLED: "#bab0ac"}
_WORK_COLOUR = {"driving": "#4e79a7", "service": "#59a14f", "waiting": "#f1ce63"}


@cache
def cjk_font() -> str | None:
    """Register an installed CJK font with matplotlib; its family name, or None when absent."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in known:
            return family
    for path in font_manager.findSystemFonts():
        if any(part.lower() in Path(path).name.lower() for part in _CJK_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
            name: str = font_manager.FontProperties(fname=path).get_name()
            return name
    return None


def _label(zh: str, en: str, chinese: bool) -> str:
    return f"{zh} {en}" if chinese else en


def reason_label(reason: str, chinese: bool) -> str:
    """A reason code as a short chart label (Chinese first when a CJK font is present)."""
    try:
        zh = _REASON_ZH[Reason(reason)]
    except ValueError:
        return reason
    return f"{zh} ({reason})" if chinese else reason.replace("_", " ")


def render_charts(doc: Mapping[str, Any], *, chinese: bool | None = None,
                  dpi: int = 120) -> dict[str, bytes]:
    """The three charts of a comparison as PNG bytes, keyed by file name (`CHART_FILES`).

    `chinese=None` uses Chinese labels when a CJK font is installed; False forces English.
    """
    family = cjk_font()
    use_zh = family is not None if chinese is None else (chinese and family is not None)
    fonts = [family, "DejaVu Sans"] if use_zh and family else ["DejaVu Sans"]
    scenarios = list(doc["scenarios"])
    drawers = (_unassigned_chart, _workload_chart, _priority_km_chart)
    out: dict[str, bytes] = {}
    with mpl.rc_context({"font.family": fonts, "axes.unicode_minus": False,
                         "axes.spines.top": False, "axes.spines.right": False}):
        for name, draw in zip(CHART_FILES, drawers, strict=True):
            fig = draw(scenarios, use_zh)
            FigureCanvasAgg(fig)  # the Agg canvas, explicitly: no pyplot, no global backend
            buf = io.BytesIO()
            with warnings.catch_warnings():
                # a scenario or team name in a script the font lacks draws as a box, not an error
                warnings.filterwarnings("ignore", message="Glyph .* missing from font")
                fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
            out[name] = buf.getvalue()
    return out


def _unassigned_chart(scenarios: Sequence[Mapping[str, Any]], zh: bool) -> Figure:
    """Stacked horizontal bars: one bar per scenario, one segment per reason."""
    names = [str(s["name"]) for s in scenarios]
    rows = reason_rows({"scenarios": scenarios})
    fig = Figure(figsize=(9, 1.6 + 0.6 * len(names)))
    ax = fig.subplots()
    left = [0] * len(names)
    for reason, counts in rows:
        ax.barh(names, counts, left=left, color=_REASON_COLOUR.get(Reason(reason), "#999999"),
                label=reason_label(reason, zh), edgecolor="white", height=0.6)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    for y, total in enumerate(left):
        ax.text(total, y, f"  {total}", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel(_label("未分配拜访数", "unassigned visits", zh))
    ax.set_title(_label("未分配原因", "Unassigned visits by reason", zh), loc="left")
    ax.set_xlim(0, max([*left, 1]) * 1.15)
    if rows:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    else:
        ax.text(0.5, 0.5, _label("所有拜访均已安排", "every visit is planned", zh),
                transform=ax.transAxes, ha="center")
    return fig


def _workload_chart(scenarios: Sequence[Mapping[str, Any]], zh: bool) -> Figure:
    """Small multiples: per scenario, stacked driving/service/waiting hours for each team."""
    n = len(scenarios)
    teams = sorted({t for s in scenarios for t in s["kpis"].get("workload", {})})
    width = max(8.0, min(18.0, 2.0 + 0.45 * len(teams)))
    fig = Figure(figsize=(width, 0.5 + 2.6 * n))
    axes: list[Axes] = list(fig.subplots(n, 1, sharex=True, sharey=True, squeeze=False)[:, 0])
    parts = (("driving", "驾驶"), ("service", "拜访"), ("waiting", "等待"))
    for ax, s in zip(axes, scenarios, strict=True):
        work = s["kpis"].get("workload", {})
        bottom = [0.0] * len(teams)
        for key, zh_name in parts:
            hours = [work.get(t, {}).get(f"{key}_s", 0) / 3600 for t in teams]
            ax.bar(teams, hours, bottom=bottom, color=_WORK_COLOUR[key], width=0.7,
                   label=_label(zh_name, key, zh))
            bottom = [a + b for a, b in zip(bottom, hours, strict=True)]
        for x, t in enumerate(teams):
            visits = work.get(t, {}).get("visits", 0)
            ax.text(x, bottom[x], str(visits), ha="center", va="bottom", fontsize=7)
        k = s["kpis"]
        ax.set_title(
            f"{s['name']}: " + _label("利用率", "utilisation", zh)
            + f" {float(k.get('utilisation_mean', 0)):.0%} ± "
            f"{float(k.get('utilisation_std', 0)):.0%}, max−min "
            f"{float(k.get('utilisation_spread', 0)):.0%}", loc="left", fontsize=10)
        ax.set_ylabel(_label("小时", "hours", zh))
        ax.grid(axis="y", alpha=0.3)
    axes[-1].tick_params(axis="x", labelrotation=60, labelsize=8)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    fig.suptitle(_label("各小组工作量（柱顶数字为拜访数）",
                        "Workload per team (number on a bar: visits)", zh),
                 x=0.01, ha="left")
    return fig


def _priority_km_chart(scenarios: Sequence[Mapping[str, Any]], zh: bool) -> Figure:
    """Priority covered against kilometres, one labelled point per scenario."""
    fig = Figure(figsize=(7.5, 5))
    ax = fig.subplots()
    km = [float(s["kpis"]["distance_km"]) for s in scenarios]
    share = [100 * float(s["kpis"]["priority_share"]) for s in scenarios]
    planned = [int(s["kpis"]["visits_planned"]) for s in scenarios]
    sizes = [40 + 4 * p for p in planned]
    ax.scatter(km, share, s=sizes, color="#4e79a7", alpha=0.75, edgecolors="#1f3b5a")
    for x, y, s, p in zip(km, share, scenarios, planned, strict=True):
        ax.annotate(f"{s['name']} ({p})", (x, y), textcoords="offset points", xytext=(8, 6),
                    fontsize=9)
    ax.set_xlabel(_label("总里程（公里）", "distance (km)", zh))
    ax.set_ylabel(_label("已覆盖优先级（%）", "priority covered (%)", zh))
    ax.set_title(_label("优先级覆盖与里程（括号内为拜访数）",
                        "Priority covered against km (visits in brackets)", zh), loc="left")
    lo_y, hi_y = min(share), max(share)
    pad_y = max(2.0, (hi_y - lo_y) * 0.2)
    ax.set_ylim(max(0.0, lo_y - pad_y), min(100.0, hi_y + pad_y) + 1)
    lo_x, hi_x = min(km), max(km)
    pad_x = max(1.0, (hi_x - lo_x) * 0.2)
    ax.set_xlim(max(0.0, lo_x - pad_x), hi_x + 2 * pad_x)
    ax.grid(alpha=0.3)
    return fig


# -- HTML report ------------------------------------------------------------------------------


def report_html(doc: Mapping[str, Any], *, charts: Mapping[str, bytes] | None = None,
                title: str | None = None) -> str:
    """A self-contained HTML page: the comparison table and the charts as data-URI PNGs.

    This is what the service returns for `GET /v1/comparisons/{id}/report`. Pass `charts`
    from `render_charts` to avoid drawing twice.
    """
    charts = charts if charts is not None else render_charts(doc)
    scenarios = list(doc["scenarios"])
    esc = html.escape
    heading = title or f"What-if comparison · 方案对比 · {doc.get('date', '')}"
    head_cells = "".join(f"<th>{esc(str(s['name']))}</th>" for s in scenarios)
    columns = [table_cells(s["kpis"]) for s in scenarios]
    body = []
    for row, (label, _key, _fmt) in enumerate(TABLE_ROWS):
        cells = "".join(f"<td>{esc(col[row])}</td>" for col in columns)
        body.append(f"<tr><th scope='row'>{esc(label)}</th>{cells}</tr>")
    for reason, counts in reason_rows(doc):
        cells = "".join(f"<td>{c}</td>" for c in counts)
        body.append(f"<tr><th scope='row'>unassigned: {esc(reason_label(reason, True))}</th>"
                    f"{cells}</tr>")
    images = "".join(
        f"<figure><img alt='{esc(name.removesuffix('.png').replace('_', ' '))}' "
        f"src='data:image/png;base64,{base64.b64encode(charts[name]).decode('ascii')}'>"
        "</figure>"
        for name in CHART_FILES if name in charts)
    policies = "".join(
        f"<details><summary>{esc(str(s['name']))}: policy</summary><pre>"
        f"{esc(_policy_text(s.get('policy', {})))}</pre></details>" for s in scenarios)
    return (
        "<!doctype html>\n<html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(heading)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{esc(heading)}</h1>"
        "<p>Same day, same seed, same search budget for every scenario. Overtime is zero by "
        "construction (the solver never plans past a shift end; the checker rejects it).</p>"
        f"<table><thead><tr><th>figure</th>{head_cells}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{images}{policies}</body></html>\n"
    )


def _policy_text(policy: Mapping[str, Any]) -> str:
    lines = []
    for section, values in policy.items():
        if isinstance(values, Mapping):
            lines.append(f"[{section}]")
            lines.extend(f"{k} = {v}" for k, v in values.items())
        else:
            lines.append(f"{section} = {values}")
    return "\n".join(lines)


_CSS = (
    "body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;"
    "margin:2rem;color:#222;max-width:1200px}"
    "table{border-collapse:collapse;margin:1rem 0}"
    "th,td{border-bottom:1px solid #ddd;padding:.3rem .8rem;text-align:right}"
    "th[scope=row]{text-align:left;font-weight:normal}"
    "thead th{border-bottom:2px solid #444}"
    "figure{margin:1.5rem 0}img{max-width:100%;height:auto}"
    "pre{background:#f6f6f6;padding:.6rem}"
)
