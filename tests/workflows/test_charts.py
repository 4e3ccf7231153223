"""Charts are real pictures (decodable, sizeable, not blank) and the report embeds them."""

from __future__ import annotations

import io
from functools import cache
from typing import Any

import numpy as np
import pytest
from matplotlib import image

from routeplan.report.charts import CHART_FILES, cjk_font, render_charts, report_html


def _doc() -> dict[str, Any]:
    def scenario(name: str, planned: int, km: float, share: float,
                 reasons: dict[str, int]) -> dict[str, Any]:
        work = {f"T{k}": {"visits": k + 2, "driving_s": 3600 + 600 * k, "service_s": 7200,
                          "waiting_s": 300 * k} for k in range(1, 6)}
        return {"name": name, "policy": {"name": name, "teams": {"max_visits": 12}},
                "kpis": {"visits_planned": planned, "visits_unassigned": sum(reasons.values()),
                         "priority_planned": 100, "priority_total": 120, "priority_share": share,
                         "must_visits_planned": 1, "must_visits_total": 1, "distance_km": km,
                         "driving_h": 5.0, "waiting_h": 0.5, "service_h": 10.0, "overtime_s": 0,
                         "teams_used": 5, "utilisation_mean": 0.6, "utilisation_std": 0.1,
                         "utilisation_spread": 0.3, "solve_s": 1.0,
                         "unassigned_by_reason": reasons, "workload": work}}
    return {"date": "2026-12-01", "scenarios": [
        scenario("默认 default", 30, 210.0, 0.83, {"over_capacity": 4, "do_not_visit": 1}),
        scenario("wide <window>", 33, 245.5, 0.9, {"over_capacity": 1, "unreachable": 2}),
    ]}


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(image.imread(io.BytesIO(png), format="png"))


@cache
def _charts(chinese: bool | None) -> dict[str, bytes]:
    return render_charts(_doc(), chinese=chinese)


@pytest.mark.parametrize("chinese", [None, False])
def test_each_chart_is_a_real_picture(chinese: bool | None) -> None:
    charts = _charts(chinese)
    assert list(charts) == list(CHART_FILES)
    for name, png in charts.items():
        assert png.startswith(b"\x89PNG\r\n\x1a\n"), name
        assert len(png) > 15_000, name
        rgb = _pixels(png)[..., :3]
        assert rgb.shape[0] > 300 and rgb.shape[1] > 500, name
        ink = (rgb.min(axis=2) < 0.9).mean()
        assert 0.02 < ink < 0.9, f"{name}: {ink:.1%} of pixels are not white"
        assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 20, f"{name} has barely any colour"


def test_chinese_labels_need_and_get_a_cjk_font() -> None:
    if cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    zh, en = _charts(None), _charts(False)
    assert zh["unassigned_by_reason.png"] != en["unassigned_by_reason.png"]


def test_report_embeds_three_charts_and_escapes_names() -> None:
    page = report_html(_doc(), charts=_charts(None))
    assert page.count("src='data:image/png;base64,") == 3
    assert "wide &lt;window&gt;" in page and "wide <window>" not in page
    assert "默认 default" in page
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")


def test_every_unassigned_reason_has_a_chinese_label_and_its_own_colour() -> None:
    """A reason added to the contract (such as `cancelled`) is labelled and coloured apart
    in the unassigned chart, and the earlier reasons keep their colours."""
    from routeplan.domain.plan import Reason
    from routeplan.report import charts

    assert set(charts._REASON_ZH) == set(Reason)
    assert set(charts._REASON_COLOUR) == set(Reason)
    assert len(set(charts._REASON_COLOUR.values())) == len(Reason)
    assert charts._REASON_COLOUR[Reason.DO_NOT_VISIT] == "#4e79a7"
    assert charts._REASON_COLOUR[Reason.OVER_CAPACITY] == "#79706e"
