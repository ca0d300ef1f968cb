"""The live workshop dashboard: the two-policy model, and the page end to end in a real browser.

The browser tests start ``python run.py dashboard`` on a free localhost port, drive Debian's
chromium headless with Playwright (``executable_path=/usr/bin/chromium``: Playwright's own
browser downloads are not used), and check that the page loads, the charts render, and that
moving a slider and stepping changes a chart. They are skipped only when chromium or the
dashboard extra is missing; CI installs both (``.ci/run``).

To refresh the README's screenshot, ``docs/dashboard.png``::

    COACHSIM_DASHBOARD_SCREENSHOT=docs/dashboard.png python -m pytest tests/test_dashboard.py
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from sim import params as registry

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("COACHSIM_CHROMIUM", "/usr/bin/chromium"))
# As root, in a closed network: no sandbox, no GPU, and none of chromium's background traffic.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXTRA = 'the dashboard extra is not installed (pip install -e ".[dashboard]")'
SERVER_START_S = 120  # a cold start imports solara, mesa and matplotlib
TIMEOUT_MS = 30_000  # any one wait in the browser

pytest.importorskip("solara", reason=EXTRA)
pytest.importorskip("mesa.visualization", reason=EXTRA)
pytest.importorskip("networkx", reason=EXTRA)

from analysis.dashboard import KEYS, LEVERS, Policy, SideBySide, slider_step  # noqa: E402
from sim.model import SalesOrgModel  # noqa: E402
from sim.params import ParameterError  # noqa: E402
from sim.scenario import load, shipped  # noqa: E402


# ----------------------------------------------------------------------------- the model, no browser
def test_identical_policies_give_identical_runs() -> None:
    """Same seed, same policy: the two runs share every random number, so their lines coincide."""
    same = Policy.from_scenario("baseline")
    model = SideBySide(policies=(same, same), seed=3)
    for _ in range(15):
        model.step()
    df = model.datacollector.get_model_vars_dataframe()
    for name in ("attainment", "reps_at_quota", "coaching_hours_per_rep_month", "rep_turnover"):
        np.testing.assert_array_equal(df[f"{name} A"].to_numpy(), df[f"{name} B"].to_numpy())


def test_each_run_is_the_model_with_that_seed() -> None:
    """Policy B's line is exactly what SalesOrgModel gives with the same seed and parameters."""
    a, b = Policy.from_scenario("baseline"), Policy.from_scenario("coaching_3h")
    model = SideBySide(policies=(a, b), seed=11)
    alone = SalesOrgModel(seed=11, **b.kwargs())
    for _ in range(10):
        model.step()
        alone.step()
    mine = model.datacollector.get_model_vars_dataframe()["attainment B"].to_numpy()
    theirs = alone.datacollector.get_model_vars_dataframe()["attainment"].to_numpy()
    np.testing.assert_array_equal(mine, theirs)
    assert model.runs["A"].metrics()["attainment"] != model.runs["B"].metrics()["attainment"]


def test_reset_reads_the_panel_policies() -> None:
    """SolaraViz's Reset calls the model with a function that returns the panel's policies now."""
    panel = [Policy.from_scenario("baseline"), Policy.from_scenario("baseline")]
    panel[1] = panel[1].with_value("manager.quota_share", 0.0)
    model = SideBySide(policies=lambda: tuple(panel), seed=0)
    assert model.policies["B"].values["manager.quota_share"] == 0.0
    assert model.policies["B"].label == "baseline (changed)"
    assert model.policies["B"].changes() == {"manager.quota_share": (0.25, 0.0)}


def test_the_page_loads_only_shipped_scenarios_or_files_under_the_given_folder(tmp_path, monkeypatch) -> None:
    """Whatever name a browser sends, the page loads a shipped scenario or a file under --scenarios, nothing else."""
    from analysis.dashboard import SCENARIO_FOLDER_ENV, scenario_names

    outside = tmp_path / "outside.toml"
    outside.write_text("[coaching]\nhours_per_rep_month = 5\n")
    for name in (str(outside), "/etc/passwd", "../scenarios/baseline.toml", "scenarios/baseline.toml"):
        with pytest.raises(ParameterError, match="not a scenario this page offers"):
            Policy.from_scenario(name)
    folder = tmp_path / "offered"
    (folder / "team").mkdir(parents=True)
    (folder / "team" / "north.toml").write_text("[coaching]\nhours_per_rep_month = 4\n")
    (folder / "link.toml").symlink_to(outside)  # leads outside the folder: not offered
    monkeypatch.setenv(SCENARIO_FOLDER_ENV, str(folder))
    assert "team/north.toml" in scenario_names() and "link.toml" not in scenario_names()
    assert Policy.from_scenario("team/north.toml").values["coaching.hours_per_rep_month"] == 4
    with pytest.raises(ParameterError):
        Policy.from_scenario("link.toml")
    assert Policy.from_scenario("baseline").scenario == "baseline"


def test_every_lever_fits_its_control() -> None:
    """Slider levers move in round steps, and every shipped scenario's setting lies on its slider's grid."""
    assert LEVERS, "the registry marks no policy levers"
    sliders = [p for p in LEVERS if p.choices is None and p.kind is float]
    for p in sliders:
        assert (p.high - p.low) / slider_step(p) <= 80, p.name
    for name in shipped():
        values = load(name).values
        for p in sliders:
            if values[p.name] is not None and values[p.name] != p.default:
                k = (values[p.name] - p.low) / slider_step(p)
                assert abs(k - round(k)) < 1e-9, (name, p.name, values[p.name])


# ----------------------------------------------------------------------------- the page, in chromium
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the dashboard server exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"the dashboard did not answer at {url} within {timeout:.0f} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python run.py dashboard`` on a free localhost port; always stopped afterwards."""
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "COACHSIM_SCENARIOS"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "dashboard", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so that stopping it stops everything it started
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for_http(url, proc, log, SERVER_START_S)
        yield url
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Debian's chromium, headless, with a fresh profile."""
    sync_api = pytest.importorskip("playwright.sync_api", reason=EXTRA + "; Playwright drives the browser")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1600, "height": 1000},
            timeout=TIMEOUT_MS * 2,
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser, server):
    """A fresh page (a fresh dashboard session) with the charts drawn."""
    tab = browser.new_page()
    tab.goto(server, timeout=TIMEOUT_MS * 2)
    tab.locator(".chart-attainment img").wait_for()
    try:
        yield tab
    finally:
        tab.close()


CHARTS = ("attainment", "reps-at-quota", "coaching", "hours", "team-A", "team-B")


def _step(page, weeks: int) -> None:
    """Press Mesa's Step button ``weeks`` times, waiting for each week to be drawn."""
    from playwright.sync_api import expect

    start = int(re.search(r"Week (\d+)", page.locator(".coachsim-week").inner_text()).group(1))
    for week in range(start + 1, start + weeks + 1):
        page.get_by_role("button", name="Step").click()
        expect(page.locator(".coachsim-week")).to_contain_text(f"Week {week} of")


def _not_blank(png: bytes) -> tuple[float, int]:
    """Spread of grey levels and number of colours of a PNG."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = np.asarray(image)
    return float(pixels.mean(axis=2).std()), len(np.unique(pixels.reshape(-1, 3), axis=0))


@needs_chromium
def test_page_loads_with_charts_and_registry_controls(page) -> None:
    """The page shows Mesa's controls, every chart as a drawn image, and one control per lever."""
    for button in ("Step", "Reset"):
        assert page.get_by_role("button", name=button).count() == 1
    for chart in CHARTS:
        img = page.locator(f".chart-{chart} img")
        img.wait_for()
        width = img.evaluate("el => el.complete ? el.naturalWidth : 0")
        assert width > 300, f"chart {chart} is not drawn"
    for p in LEVERS:
        assert page.locator(f".lever-{p.kwarg}").count() == 1, f"no control for lever {p.name}"
    assert "Week 0 of 52" in page.locator(".coachsim-week").inner_text()


@needs_chromium
def test_moving_a_slider_and_stepping_changes_a_chart(page, tmp_path: Path) -> None:
    """B's manager quota moves; after the same weeks, A's numbers are unchanged and B's chart differs."""
    from playwright.sync_api import expect

    _step(page, 2)
    before = {k: page.locator(f".score-attainment-{k}").inner_text() for k in KEYS}
    chart_before = page.locator(".chart-attainment img").screenshot()

    page.locator(".coachsim-editing button", has_text="B").click()
    value = page.locator(".lever-manager_quota_share .lever-value")
    expect(value).to_have_text("0 share of a rep quota")
    page.locator(".lever-manager_quota_share [role=slider]").focus()
    page.keyboard.press("ArrowRight")
    expect(value).to_have_text("0.05 share of a rep quota")
    expect(page.locator(".coachsim-week")).to_contain_text("Week 0 of")  # both runs restarted
    expect(page.locator(".coachsim-scoreboard li")).to_contain_text("B 0.05 share of a rep quota")

    _step(page, 2)
    after = {k: page.locator(f".score-attainment-{k}").inner_text() for k in KEYS}
    chart_after = page.locator(".chart-attainment img").screenshot()
    assert after["A"] == before["A"], "policy A and the seed did not change, so A's numbers must not"
    assert after["B"] != before["B"], "B's manager quota changed, so B's attainment must"
    assert chart_after != chart_before

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    spread, colours = _not_blank(shot.read_bytes())
    assert spread > 10 and colours > 50, f"the screenshot looks blank (spread {spread:.1f}, {colours} colours)"
    spread, colours = _not_blank(chart_after)
    assert spread > 5 and colours > 5, "the attainment chart looks blank"


@needs_chromium
def test_scenario_select_loads_the_scenario_into_the_controls(page) -> None:
    """Choosing a shipped scenario for A sets A's levers, the 'no set hours' switch among them."""
    from playwright.sync_api import expect

    hours = page.locator(".lever-coaching_hours_per_rep_month")
    unset = registry.by_name("coaching.hours_per_rep_month").null_help
    expect(hours.locator(".lever-value")).to_have_text(unset)
    page.locator(".coachsim-policy-A .v-select").first.click()
    page.locator(".v-menu__content .v-list-item", has_text=re.compile(r"^\s*coaching_3h\s*$")).click()
    expect(page.locator(".coachsim-policy-A")).to_contain_text("Policy A: coaching_3h")
    expect(hours.locator(".lever-value")).to_have_text("3 hours/rep/month")
    expect(page.locator(".lever-coaching_kpi_inspection .lever-value")).to_have_text("1")
    expect(page.locator(".coachsim-week")).to_contain_text("Week 0 of")
    _step(page, 1)
    expect(page.locator(".score-coaching_hours_per_rep_month-A")).to_contain_text(" h")


@needs_chromium
@pytest.mark.skipif(not os.environ.get("COACHSIM_DASHBOARD_SCREENSHOT"), reason="set COACHSIM_DASHBOARD_SCREENSHOT")
def test_save_readme_screenshot(page) -> None:
    """Half a year of the default comparison, saved where COACHSIM_DASHBOARD_SCREENSHOT says."""
    page.set_viewport_size({"width": 1600, "height": 1240})
    _step(page, 26)
    page.wait_for_timeout(1000)  # the last images decoded
    out = Path(os.environ["COACHSIM_DASHBOARD_SCREENSHOT"])
    page.screenshot(path=str(out))
    spread, colours = _not_blank(out.read_bytes())
    assert spread > 10 and colours > 50
