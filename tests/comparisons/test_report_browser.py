"""The report as a room sees it: rendered in Debian's chromium at projector widths.

From the page geometry: no two header cells of a table overlap, no text spills out of its cell,
and nothing runs off the right edge of the page, at 1024, 1280 and 1920 px. Skipped only when
chromium or Playwright (the dashboard extra) is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from analysis.comparisons.compare import WORKSHOP_SCENARIOS, compare
from analysis.comparisons.files import write_comparison

CHROMIUM = Path(os.environ.get("COACHSIM_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WIDTHS = (1024, 1280, 1920)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM}")

#: Every element's box, and for table headers and cells the content's overflow, as the page laid it out.
GEOMETRY = """() => {
  const page = document.documentElement.clientWidth;
  const boxes = (sel) => [...document.querySelectorAll(sel)].map(e => {
    const r = e.getBoundingClientRect();
    return {text: e.innerText.slice(0, 40), left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            spill: e.scrollWidth - e.clientWidth};
  });
  return {page, scroll: document.documentElement.scrollWidth,
          heads: [...document.querySelectorAll('table')].map(t => boxes_of(t)),
          all: boxes('body *').filter(b => b.right > page + 0.5)};
  function boxes_of(t) {
    return [...t.querySelectorAll('thead th')].map(e => {
      const r = e.getBoundingClientRect();
      return {text: e.innerText, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
              spill: e.scrollWidth - e.clientWidth};
    });
  }
}"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped workshop's report, from a few small replications."""
    comp = compare(
        list(WORKSHOP_SCENARIOS),
        replications=3,
        seed=0,
        workers=1,
        progress=False,
        overrides={"org.reps": 32, "sim.warmup_weeks": 8},
    )
    out = write_comparison(comp, tmp_path_factory.mktemp("workshop"))
    return out / "report.html"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright (the dashboard extra) drives the browser")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")), executable_path=str(CHROMIUM), args=FLAGS, headless=True
        )
        try:
            yield context
        finally:
            context.close()


def _overlap(a: dict, b: dict) -> bool:
    return min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0.5 and (
        min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_no_header_overlaps_and_nothing_runs_off_the_page(browser, report: Path, width: int) -> None:
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    try:
        page.goto(report.as_uri())
        g = page.evaluate(GEOMETRY)
    finally:
        page.close()
    assert g["scroll"] <= g["page"], f"the page scrolls sideways at {width} px: {g['scroll']} > {g['page']}"
    assert not g["all"], f"elements run off the page at {width} px: {g['all'][:3]}"
    for heads in g["heads"]:
        for h in heads:
            assert h["spill"] <= 0, f"header {h['text']!r} spills out of its cell at {width} px"
        for i, a in enumerate(heads):
            for b in heads[i + 1 :]:
                assert not _overlap(a, b), f"headers {a['text']!r} and {b['text']!r} overlap at {width} px"
    assert sum(len(h) for h in g["heads"]) > 10  # the tables were found and measured
