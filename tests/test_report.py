"""The one-file HTML report and the charts: self-contained, complete, and the workshop end to end."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from analysis.compare import WORKSHOP_SCENARIOS, compare
from analysis.plots import CHARTS
from run import main
from sim import params as registry

SCENARIOS = ["baseline", "coaching_3h", "quota_share_0"]
CHART_NAMES = [name for name, _, _ in CHARTS]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[object, Path]:
    """A tiny comparison written to a folder: table, charts and report."""
    comp = compare(
        SCENARIOS,
        replications=3,
        seed=5,
        workers=1,
        warmup=4,
        progress=False,
        overrides={"org.reps": 16, "sim.weeks": 20},
    )
    out = comp.write(tmp_path_factory.mktemp("report"))
    return comp, out


@pytest.fixture(scope="module")
def html(written) -> str:
    return (written[1] / "report.html").read_text(encoding="utf-8")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(html)
    return parser.tags


def test_the_report_loads_nothing_from_the_network(html):
    for tag, attrs in _tags(html):
        for key in ("src", "href", "srcset", "data", "action"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http://", "https://", "//")), (tag, key, value[:80])
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "@import" not in html and "url(" not in html


def test_every_chart_is_embedded_as_an_image(html):
    images = [attrs["src"] for tag, attrs in _tags(html) if tag == "img"]
    assert len(images) == len(CHARTS)
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_report_names_every_scenario_with_its_policy_in_plain_words(written, html):
    comp, _ = written
    for label in SCENARIOS:
        assert label in html
        assert comp.scenarios[label].description.replace("'", "&#x27;") in html


def test_the_report_has_the_question_findings_assumptions_and_the_command(written, html):
    comp, _ = written
    assert comp.question in html.replace("&#x27;", "'")
    for heading in (
        "The answer",
        "The policies",
        "What the runs can and cannot tell apart",
        "Charts",
        "Assumptions and sources",
        "Reproduce this report",
    ):
        assert heading in html
    assert "Holm" in html
    assert "python run.py compare baseline coaching_3h quota_share_0 --baseline baseline" in html
    assert "--seed 5" in html and "Seed 5" in html
    # the assumptions name the parameters the policies set, with their registry source
    for name in ("coaching.hours_per_rep_month", "coaching.kpi_inspection", "manager.quota_share"):
        assert name in html
        assert registry.by_name(name).source in html.replace("&#x27;", "'")


def test_every_chart_is_written_as_png_and_svg(written):
    _, out = written
    for name in CHART_NAMES:
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (out / f"{name}.svg").read_text()[:2000]


def test_the_result_object_offers_the_figures_for_notebooks(written):
    comp, _ = written
    assert list(comp.figures) == CHART_NAMES
    assert all(isinstance(fig, Figure) for fig in comp.figures.values())


def test_the_workshop_runs_end_to_end_and_writes_the_report(tmp_path, capsys):
    out = tmp_path / "shop"
    assert main(["workshop", "--replications", "2", "--workers", "1", "--out", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    for name in WORKSHOP_SCENARIOS:
        assert name in html
    assert "python run.py workshop --replications 2 --seed 0" in html
    assert "52-week warm-up" in html
    assert (out / "comparison.csv").is_file()
    assert "Holm" in capsys.readouterr().out


def test_the_report_says_per_policy_what_was_set_and_what_was_delivered(written, html):
    comp, _ = written
    delivery = comp.delivery.set_index("scenario")
    assert "coaching set and delivered" in html
    three = delivery.loc["coaching_3h"]
    assert three["target"] == 3 and three["inspection"] == 1
    assert three["delivered"] >= 3 - 1e-9 and three["logged"] >= three["delivered"] - 1e-9
    assert "Set 3 h a rep a month, protected by a coaching KPI: delivered " in html
    assert f"delivered {three['delivered']:.1f} h of real one-on-one coaching" in html
    assert np.isnan(delivery.loc["baseline", "target"]) and "No set hours: delivered " in html
