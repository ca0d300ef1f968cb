"""The live workshop dashboard: the two-policy model, and the page end to end in a real browser.

The browser tests start ``python run.py dashboard`` on a free localhost port, drive Debian's
chromium headless with Playwright (``executable_path=/usr/bin/chromium``: Playwright's own
browser downloads are not used) at a projector's 1280 x 800, and check that the levers are the
first controls, that a week redraws in under 0.3 s, that the type is readable, that ▶ ends at
the last week, that a slider move that changes nothing restarts nothing, and that moving a
lever and stepping changes a chart. They are skipped only when chromium or the dashboard extra
is missing; CI installs both (``.ci/run``).

To refresh the README's screenshot, ``docs/dashboard.png``::

    COACHSIM_DASHBOARD_SCREENSHOT=docs/dashboard.png python -m pytest tests/comparisons/test_dashboard.py -k screenshot
"""

from __future__ import annotations

import math
import os
import re
import signal
import socket
import statistics
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

ROOT = Path(__file__).resolve().parents[2]
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
STEP_BUDGET_S = 0.3  # one Step, from the press to the last change drawn
MIN_TEXT_PX = 12  # the smallest type a room reads at 1280 px wide

pytest.importorskip("solara", reason=EXTRA)
pytest.importorskip("mesa.visualization", reason=EXTRA)
pytest.importorskip("networkx", reason=EXTRA)

from analysis.comparisons.dashboard import (  # noqa: E402
    KEYS,
    LEVERS,
    WARMUP_ENV,
    Policy,
    SideBySide,
    changed,
    default_warmup,
    horizon,
    slider_step,
)
from sim.mesa_compat import steps  # noqa: E402
from sim.metrics import CANONICAL  # noqa: E402
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


def test_the_shown_year_starts_after_the_registry_warmup() -> None:
    """By default each run warms up for the registry's sim.warmup_weeks, whatever a scenario sets."""
    model = SideBySide(seed=1)
    assert model.warmup == default_warmup() == registry.by_name("sim.warmup_weeks").default
    assert model.week == 0 and model.total_weeks == registry.by_name("sim.weeks").default
    for run in model.runs.values():
        assert steps(run) == model.warmup and run.ledger.weeks == 0  # warmed up, nothing counted yet
    assert steps(SideBySide(seed=1, warmup=0).runs["A"]) == 0


def test_dashboard_warmup_reaches_the_page(monkeypatch) -> None:
    """``dashboard --warmup WEEKS`` is what the page's runs warm up for; a bad value is refused first."""
    monkeypatch.setenv(WARMUP_ENV, "13")
    assert default_warmup() == 13 and SideBySide(seed=1).warmup == 13
    monkeypatch.setenv(WARMUP_ENV, "600")
    with pytest.raises(ParameterError, match=r"sim\.warmup_weeks"):
        default_warmup()


@pytest.mark.parametrize("warmup", [None, 13, 0])
def test_steady_state_start_agrees_with_a_direct_run(warmup: int | None) -> None:
    """The year shown is the counted year of SalesOrgModel with the same seed and warm-up: the report's numbers."""
    a, b = Policy.from_scenario("baseline"), Policy.from_scenario("quota_share_0")
    model = SideBySide(policies=(a, b), seed=5, warmup=warmup)
    weeks = 0
    while model.running:
        model.step()
        weeks += 1
    assert weeks == model.week == model.total_weeks
    for key, policy in zip(KEYS, (a, b), strict=True):
        alone = SalesOrgModel(seed=5, params={**policy.values, "sim.warmup_weeks": model.warmup})
        alone.run_model()
        mine, theirs = model.runs[key].metrics(), alone.metrics()
        for name in CANONICAL:
            assert mine[name] == theirs[name] or (math.isnan(mine[name]) and math.isnan(theirs[name])), (key, name)
        shown = model.datacollector.get_model_vars_dataframe()[f"attainment {key}"].to_numpy()
        assert len(shown) == weeks + 1 and math.isnan(shown[0])  # week 0: nothing counted yet
        assert shown[-1] == theirs["attainment"]
    assert model.runs["A"].metrics()["attainment"] != model.runs["B"].metrics()["attainment"]


def test_the_page_says_which_year_it_shows() -> None:
    """The first year after the change and the steady state are said in words, never left to guess."""
    assert horizon(0).startswith("First year after the change")
    assert horizon(52).startswith("Steady state: each policy has been in force a year before week 1")
    assert "not" not in horizon(104) and "2 years" in horizon(104)
    assert "26 weeks" in horizon(26) and "Steady state" not in horizon(26)


def test_reset_reads_the_panel_policies() -> None:
    """The model can be built from a function that returns the panel's policies now."""
    panel = [Policy.from_scenario("baseline"), Policy.from_scenario("baseline")]
    panel[1] = panel[1].with_value("manager.quota_share", 0.0)
    model = SideBySide(policies=lambda: tuple(panel), seed=0, warmup=0)
    assert model.policies["B"].values["manager.quota_share"] == 0.0
    assert model.policies["B"].label == f"{load('baseline').heading} (changed)"
    assert model.policies["B"].changes() == {"manager.quota_share": (0.25, 0.0)}


def test_a_control_that_reports_the_value_it_had_changes_nothing() -> None:
    """A slider let go where it was picked up gives no new policy, so nothing restarts; a real move does."""
    policy = Policy.from_scenario("baseline")
    for p in LEVERS:
        assert changed(policy, p.name, policy.values[p.name]) is None, p.name
    moved = changed(policy, "manager.quota_share", 0.3)
    assert moved is not None and moved.values["manager.quota_share"] == 0.3
    with pytest.raises(ParameterError):
        changed(policy, "manager.quota_share", 7.0)


def test_the_page_loads_only_shipped_scenarios_or_files_under_the_given_folder(tmp_path, monkeypatch) -> None:
    """Whatever name a browser sends, the page loads a shipped scenario or a file under --scenarios, nothing else."""
    from analysis.comparisons.dashboard import SCENARIO_FOLDER_ENV, scenario_names

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
            viewport={"width": 1280, "height": 800},  # a projector
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
    tab.locator(".chart-attainment svg.plot").wait_for()
    try:
        yield tab
    finally:
        tab.close()


CHARTS = ("attainment", "reps-at-quota", "coaching", "hours")
#: Every control a person can use on the page: buttons, text and number boxes, sliders, selects, checkboxes.
CONTROLS = "button, input, textarea, [role=slider], .v-select, .v-input--checkbox"
#: The boxes of the policy levers (each lever whole: its words and its controls) and of every other visible control.
_CONTROL_BOXES = """(sel) => {
    const box = (el, what) => { const r = el.getBoundingClientRect();
        return {top: r.top, left: r.left, bottom: r.bottom, width: r.width, height: r.height,
                panel: !!el.closest('.coachsim-levers'), what: what.slice(0, 60)}; };
    const levers = [...document.querySelectorAll('.coachsim-lever')].map(el => box(el, el.className));
    const others = [...document.querySelectorAll(sel)].filter(el => !el.closest('.coachsim-lever'))
        .map(el => box(el, (el.className || el.tagName) + ' ' + (el.innerText || el.value || '')));
    return {levers: levers, others: others.filter(b => b.width > 0 && b.height > 0)};
}"""
#: Starts a clock, and notes the time of the last change to the week or anything drawn below it.
_WATCH = """() => {
    window.__coachsimLast = 0;
    if (!window.__coachsimWatch) {
        window.__coachsimWatch = new MutationObserver(() => { window.__coachsimLast = performance.now(); });
        for (const el of document.querySelectorAll('.coachsim-week, .coachsim-grid'))
            window.__coachsimWatch.observe(el, {subtree: true, childList: true, characterData: true, attributes: true});
    }
    window.__coachsimStart = performance.now();
}"""


def _week(page) -> int:
    return int(re.search(r"Week (\d+)", page.locator(".coachsim-week").inner_text()).group(1))


def _step(page, weeks: int) -> None:
    """Press Step ``weeks`` times, waiting for each week to be drawn."""
    from playwright.sync_api import expect

    start = _week(page)
    for week in range(start + 1, start + weeks + 1):
        page.locator(".coachsim-step").click()
        expect(page.locator(".coachsim-week")).to_contain_text(f"Week {week} of")


def _drawn_scores(page, weeks: int) -> dict[str, str]:
    """The page's attainment scores once they are drawn: those of direct runs of its two policies.

    The scores are drawn just after the week's label, so a test that read them as soon as the
    label changed would, on a loaded machine, read the week before.
    """
    from playwright.sync_api import expect

    scores = {}
    for key, name in zip(KEYS, ("baseline", "quota_share_0"), strict=True):
        direct = _direct(Policy.from_scenario(name), seed=0, weeks=weeks).ledger.metric("attainment")
        scores[key] = f"{100 * direct:.1f}%"
        expect(page.locator(f".score-attainment-{key}")).to_have_text(scores[key])
    return scores


def _timed_step(page) -> float:
    """Seconds from pressing Step until the last change the week made to the page."""
    from playwright.sync_api import expect

    week = _week(page) + 1
    page.evaluate(_WATCH)
    page.locator(".coachsim-step").click()
    expect(page.locator(".coachsim-week")).to_contain_text(f"Week {week} of")
    page.wait_for_timeout(700)  # anything drawn late is caught, and counted
    return page.evaluate("() => (window.__coachsimLast - window.__coachsimStart) / 1000")


def _not_blank(png: bytes) -> tuple[float, int]:
    """Spread of grey levels and number of colours of a PNG."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = np.asarray(image)
    return float(pixels.mean(axis=2).std()), len(np.unique(pixels.reshape(-1, 3), axis=0))


def _direct(policy: Policy, seed: int, weeks: int) -> SalesOrgModel:
    """The model alone, with the dashboard's warm-up, run ``weeks`` weeks into the counted year."""
    model = SalesOrgModel(seed=seed, params={**policy.values, "sim.warmup_weeks": default_warmup()})
    for _ in range(default_warmup() + weeks):
        model.step()
    return model


@needs_chromium
def test_page_loads_with_charts_and_plain_controls(page) -> None:
    """Run controls in plain words, none of Mesa's generic ones, every chart drawn, both policies' levers."""
    from playwright.sync_api import expect

    for control in ("coachsim-step", "coachsim-play", "coachsim-restart"):
        assert page.locator(f".{control}").count() == 1, control
    text = page.locator("body").inner_text().lower()
    for generic in ("play interval", "render interval", "use threads", "page 0", "runs on solara"):
        assert generic not in text, f"{generic!r} is on the page"
    expect(page.locator(".coachsim-seed input")).to_have_value("0")  # the seed shows its number
    for chart in CHARTS:
        assert page.locator(f".chart-{chart}").count() == 1, f"no chart {chart}"
    for chart in ("attainment", "reps-at-quota", "coaching"):
        assert page.locator(f".chart-{chart} svg.plot text").count() >= 8, f"chart {chart} has no axes"
    for key in KEYS:
        assert page.locator(f".coachsim-team.team-{key} .team-rep").count() >= 1
        for p in LEVERS:
            assert page.locator(f".lever-{p.kwarg} .lever-{key}").count() == 1, f"no control for {key}'s {p.name}"
    expect(page.locator(".coachsim-week")).to_have_text(f"Week 0 of {registry.by_name('sim.weeks').default}")
    expect(page.locator(".coachsim-horizon")).to_have_text(horizon(default_warmup()))


@needs_chromium
def test_the_policy_levers_are_the_first_controls(page) -> None:
    """Reading the page from the top, the first control is a lever, and no other control comes before the levers."""
    boxes = page.evaluate(_CONTROL_BOXES, CONTROLS)
    levers, others = boxes["levers"], boxes["others"]
    assert len(levers) == len(LEVERS) and others
    top = min(b["top"] for b in levers)
    above = [b["what"] for b in others if b["top"] <= top]
    assert not above, f"controls at or above the first lever: {above}"
    # in the policy panel every lever comes before any other control (where each policy starts from)
    last_lever = max(b["bottom"] for b in levers)
    in_panel = [b for b in others if b["panel"]]
    assert in_panel and all(b["top"] >= last_lever for b in in_panel)


@needs_chromium
def test_a_step_redraws_in_under_a_third_of_a_second(page) -> None:
    """From pressing Step to the last change drawn: the median of five weeks is within the budget."""
    times = [_timed_step(page) for _ in range(5)]
    assert all(t > 0 for t in times), f"a step changed nothing on the page: {times}"
    assert statistics.median(times) < STEP_BUDGET_S, f"Step took {', '.join(f'{t:.3f}' for t in times)} s"


@needs_chromium
@pytest.mark.parametrize("width", [1024, 1280, 1920])
def test_the_page_is_readable_and_nothing_overlaps(page, width: int) -> None:
    """Type of at least 12 px at 1280 px wide (charts and team views); no card spills; no rep covers another."""
    page.set_viewport_size({"width": width, "height": 900})
    _step(page, 2)
    sizes = page.evaluate(
        """() => {
        const out = [];
        for (const el of document.querySelectorAll('.coachsim-main *')) {
            if (el.closest('.v-input')) continue;  // a control's own type is Vuetify's
            const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
            if (!own || !el.getClientRects().length) continue;
            let px = parseFloat(getComputedStyle(el).fontSize);
            if (el instanceof SVGElement) { const m = el.getScreenCTM(); px *= Math.hypot(m.a, m.b); }
            out.push([px, el.textContent.trim().slice(0, 30)]);
        }
        return out;
    }"""
    )
    assert len(sizes) > 100
    if width >= 1280:
        small = [(round(px, 1), t) for px, t in sizes if px < MIN_TEXT_PX]
        assert not small, f"type under {MIN_TEXT_PX} px at {width} px wide: {small[:8]}"
    spills = page.evaluate(
        """() => [...document.querySelectorAll('.coachsim-card')]
            .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.className)"""
    )
    assert not spills, f"cards whose content runs out of them at {width} px: {spills}"
    dots = page.evaluate(
        """() => [...document.querySelectorAll('.coachsim-team')].map(t =>
            [...t.querySelectorAll('.team-rep')].map(r => { const b = r.getBoundingClientRect();
                return [b.left, b.top, b.right, b.bottom]; }))"""
    )
    for team in dots:
        for i, a in enumerate(team):
            for b in team[i + 1 :]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], "two reps overlap"


@needs_chromium
def test_play_ends_cleanly_at_the_last_week(page) -> None:
    """▶ runs the year to its last week and then shows it finished: not paused, not pressable, Step off too."""
    from playwright.sync_api import expect

    weeks = registry.by_name("sim.weeks").default
    play = page.locator(".coachsim-play")
    expect(play).to_contain_text("Play")
    play.click()
    expect(play).to_contain_text("Pause")
    expect(page.locator(".coachsim-week")).to_have_text(f"Week {weeks} of {weeks}", timeout=weeks * 2_000)
    expect(play).to_have_class(re.compile(r"\bplay-finished\b"))
    expect(play).to_contain_text("Year finished")
    expect(play).to_be_disabled()
    expect(page.locator(".coachsim-step")).to_be_disabled()
    page.wait_for_timeout(1000)
    expect(page.locator(".coachsim-week")).to_have_text(f"Week {weeks} of {weeks}")
    page.locator(".coachsim-restart").click()
    expect(page.locator(".coachsim-week")).to_have_text(f"Week 0 of {weeks}")
    expect(play).to_contain_text("Play")
    expect(play).to_be_enabled()


@needs_chromium
def test_a_slider_move_that_changes_nothing_does_not_restart(page) -> None:
    """Dragging B's manager quota away and back, or pressing left at its lowest, keeps both runs where they are."""
    from playwright.sync_api import expect

    _step(page, 3)
    before = _drawn_scores(page, 3)
    lever = page.locator(".lever-manager_quota_share .lever-B")
    lever.scroll_into_view_if_needed()
    value = lever.locator(".lever-value")
    expect(value).to_have_text("0 share of a rep quota")
    thumb = lever.locator(".v-slider__thumb-container")
    box = thumb.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y, steps=6)
    expect(value).not_to_have_text("0 share of a rep quota")  # the drag did move the slider
    page.mouse.move(x - 10, y, steps=6)
    page.mouse.up()
    expect(value).to_have_text("0 share of a rep quota")
    lever.locator("[role=slider]").focus()
    page.keyboard.press("ArrowLeft")  # already at its lowest
    page.wait_for_timeout(1000)  # a restart, if there were one, would have landed
    expect(page.locator(".coachsim-week")).to_contain_text("Week 3 of")
    assert {k: page.locator(f".score-attainment-{k}").inner_text() for k in KEYS} == before


@needs_chromium
def test_moving_a_slider_and_stepping_changes_a_chart(page, tmp_path: Path) -> None:
    """The page's numbers are the steady-state run's; B's manager quota moves: A's numbers stay, B's chart changes."""
    from playwright.sync_api import expect

    _step(page, 2)
    before = _drawn_scores(page, 2)  # the steady-state runs of the same seed
    chart_before = page.locator(".chart-attainment svg.plot").inner_html()

    lever = page.locator(".lever-manager_quota_share .lever-B")
    value = lever.locator(".lever-value")
    expect(value).to_have_text("0 share of a rep quota")
    lever.locator("[role=slider]").focus()
    page.keyboard.press("ArrowRight")
    expect(value).to_have_text("0.05 share of a rep quota")
    expect(page.locator(".coachsim-week")).to_contain_text("Week 0 of")  # both runs restarted
    expect(page.locator(".coachsim-scoreboard li")).to_contain_text("B 0.05 share of a rep quota")

    _step(page, 2)
    after = {k: page.locator(f".score-attainment-{k}").inner_text() for k in KEYS}
    assert after["A"] == before["A"], "policy A and the seed did not change, so A's numbers must not"
    assert after["B"] != before["B"], "B's manager quota changed, so B's attainment must"
    assert page.locator(".chart-attainment svg.plot").inner_html() != chart_before

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    spread, colours = _not_blank(shot.read_bytes())
    assert spread > 10 and colours > 50, f"the screenshot looks blank (spread {spread:.1f}, {colours} colours)"


@needs_chromium
def test_scenario_select_loads_the_scenario_into_the_controls(page) -> None:
    """Choosing a shipped scenario for A sets A's levers, the 'no set hours' switch among them."""
    from playwright.sync_api import expect

    hours = page.locator(".lever-coaching_hours_per_rep_month .lever-A .lever-value")
    expect(hours).to_have_text("no set hours")
    title = load("coaching_3h").heading
    page.locator(".coachsim-policy-A .v-select").first.click()
    page.locator(".v-menu__content .v-list-item", has_text=re.compile(rf"^\s*{re.escape(title)}\s*$")).click()
    expect(page.locator(".coachsim-columns")).to_contain_text(f"A: {title}")
    expect(hours).to_have_text("3 hours/rep/month")
    expect(page.locator(".lever-coaching_kpi_inspection .lever-A .lever-value")).to_have_text("1")
    expect(page.locator(".coachsim-week")).to_contain_text("Week 0 of")
    _step(page, 1)
    expect(page.locator(".score-coaching_hours_per_rep_month-A")).to_contain_text(" h")


@needs_chromium
@pytest.mark.skipif(not os.environ.get("COACHSIM_DASHBOARD_SCREENSHOT"), reason="set COACHSIM_DASHBOARD_SCREENSHOT")
def test_save_readme_screenshot(page) -> None:
    """Half a year of the default comparison, 1280 px wide, saved where COACHSIM_DASHBOARD_SCREENSHOT says."""
    page.set_viewport_size({"width": 1280, "height": 1760})  # tall enough for the team views
    _step(page, 26)
    page.wait_for_timeout(1000)
    out = Path(os.environ["COACHSIM_DASHBOARD_SCREENSHOT"])
    page.screenshot(path=str(out))
    spread, colours = _not_blank(out.read_bytes())
    assert spread > 10 and colours > 50
