"""The live workshop dashboard: two policies side by side, a week at a time, on one solara page.

    python run.py dashboard [--port 8765] [--host 127.0.0.1] [--scenarios DIR]

(or ``solara run analysis/comparisons/dashboard.py``). It needs the ``dashboard`` extra:
``pip install -e ".[dashboard]"``.

A facilitator sets two policies, A and B, with the policy levers of the parameter registry
(``Param.lever``), each starting from a shipped scenario (or a file under the folder given with
``--scenarios``: the page loads nothing else, whatever a browser sends), and steps both through
the year a week at a time. Both runs use the same seed, so they meet the same reps, deals and
departures as far as their policies allow (common random numbers): what differs between the
two lines is the policy, not the noise.

The levers come first, A's and B's side by side. Each run starts in the steady state: the
model warms up for the registry's ``sim.warmup_weeks`` weeks with its policy in force before the
year shown, as the comparison report does, so the page and the report give the same numbers for
the same seed; the page says which start it shows. The runs are two Mesa models stepped
together (:class:`SideBySide`, with a Mesa DataCollector); the page draws its own run controls
(Step, Play, Restart, the seed) instead of Mesa's generic SolaraViz sidebar, and its charts and
team views as SVG and HTML rather than matplotlib images, so that a week redraws in well under
a third of a second and every label is set in pixels a room can read.

A lever move restarts both runs at week 0 with the same seed, once, when the slider is let go,
and only if the value changed. Colours come from :mod:`analysis.comparisons.palette`: one colour per policy,
and blue/vermilion for better/worse by each metric's ``better``.

:class:`SideBySide` (the two runs as one Mesa model), :class:`Policy` and :func:`changed` do not
need the browser; everything else needs solara.
"""

from __future__ import annotations

import math
import os
import statistics
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import solara
import solara.lab

from analysis.common.horizon import STEADY_STATE_WEEKS
from analysis.common.horizon import label as counted_year
from analysis.common.labels import label
from analysis.comparisons.palette import ACTIVITY_COLOURS, BAD, GOOD, NEUTRAL, judgement, scenario_colours
from sim import params as registry
from sim.mesa_compat import rng_argument, steps
from sim.metrics import ACTIVITIES, CANONICAL, METRICS, MIN_WEEKS_FOR_REP_ATTAINMENT, WEEKS_PER_MONTH
from sim.model import SalesOrgModel
from sim.params import Param, ParameterError
from sim.scenario import load, shipped

__all__ = [
    "KEYS",
    "LEVERS",
    "POLICY_COLOURS",
    "Page",
    "Policy",
    "SideBySide",
    "changed",
    "default_policies",
    "default_warmup",
    "horizon",
    "scenario_choices",
    "scenario_labels",
    "serve",
    "slider_step",
]

#: The policy levers, in registry order: the controls of the policy panel.
LEVERS: tuple[Param, ...] = tuple(p for p in registry.REGISTRY if p.lever)
#: The two policies' keys and colours: A is the reference (``B − A``), grey as the report's
#: baseline; B takes the palette's first colour.
KEYS = ("A", "B")
POLICY_COLOURS: dict[str, str] = scenario_colours(KEYS, baseline="A")
DEFAULT_SCENARIOS = {"A": "baseline", "B": "quota_share_0"}  # "what if managers carried no quota?"
SECTION_TITLES = {
    "org": "Organisation",
    "coaching": "Coaching",
    "meetings": "Team meetings",
    "manager": "Managers",
    "executive": "Executives",
    "promotion": "Promotion",
}
TIER_TITLES = {"rep": "Reps", "manager": "Managers", "executive": "Executives"}
#: Units that read badly after a number: shown without them.
QUIET_UNITS = {"0-1", "flag", "rule", "share"}
#: Numeric parameters with more values than this get a number box instead of a slider.
MAX_SLIDER_VALUES = 200
#: Weeks in a calendar year, for saying a warm-up in years.
YEAR_WEEKS = 52
#: Seconds between weeks while ▶ plays.
PLAY_INTERVAL_S = 0.25
METRIC = {m.name: m for m in METRICS}
#: The scoreboard: metric, how to show a value.
SCOREBOARD = (
    ("attainment", "percent"),
    ("reps_at_quota", "percent"),
    ("coaching_hours_per_rep_month", "hours"),
    ("manager_selling_share", "percent"),
    ("mean_motivation", "plain"),
    ("rep_turnover", "percent"),
)


def default_warmup() -> int:
    """Weeks each policy is in force before the year shown: ``dashboard --warmup`` if given (it
    reaches the page as :data:`WARMUP_ENV`), else the registry's ``sim.warmup_weeks`` default."""
    given = os.environ.get(WARMUP_ENV)
    if given:
        return int(registry.by_name("sim.warmup_weeks").parse(given, f"${WARMUP_ENV}"))
    return int(registry.by_name("sim.warmup_weeks").default)


def horizon(warmup: int) -> str:
    """In words, which year the page shows: the first after the change, or the steady state."""
    kind = counted_year(warmup)
    if warmup == 0:
        return f"{kind.capitalize()}: week 1 is the first week either policy is in force."
    years, rest = divmod(warmup, YEAR_WEEKS)
    span = f"{warmup} weeks" if rest or not years else "a year" if years == 1 else f"{years} years"
    if warmup >= STEADY_STATE_WEEKS:
        return f"{kind.capitalize()}: each policy has been in force {span} before week 1, as in the report."
    settled = f"the steady state needs {STEADY_STATE_WEEKS} weeks"
    return f"Each policy has been in force {span} before week 1 ({kind}; {settled})."


# ----------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class Policy:
    """A policy: the shipped scenario it starts from and the full parameter set (dotted names)."""

    scenario: str
    values: Mapping[str, Any]

    @classmethod
    def from_scenario(cls, name: str) -> Policy:
        """The policy of a scenario the page offers (:func:`scenario_choices`), or the defaults (``defaults``).

        Any other name is refused: the page loads only shipped scenarios and files under the folder
        given with ``dashboard --scenarios``, whatever a browser sends.
        """
        if name != "defaults" and name not in scenario_choices():
            raise ParameterError(
                f"dashboard: {name!r} is not a scenario this page offers (the shipped ones, and files under "
                "the folder given with --scenarios)"
            )
        return cls(name, dict(_scenario_values(name)))

    def with_value(self, name: str, value: Any) -> Policy:
        """A copy with one parameter changed (checked against the registry)."""
        checked = registry.by_name(name).check(value, "dashboard")
        return Policy(self.scenario, {**self.values, name: checked})

    def changes(self) -> dict[str, tuple[Any, Any]]:
        """Parameters changed from the scenario: name -> (scenario value, value now)."""
        base = _scenario_values(self.scenario)
        return {k: (base[k], v) for k, v in self.values.items() if base.get(k) != v}

    @property
    def label(self) -> str:
        """The scenario's name in plain words (its title), marked when a lever has been moved."""
        return _heading(self.scenario) + (" (changed)" if self.changes() else "")


@cache
def _scenario_values(name: str) -> Mapping[str, Any]:
    if name == "defaults":
        return registry.defaults()
    return load(scenario_choices()[name]).values


@cache
def _description(name: str) -> str:
    return "" if name == "defaults" else load(scenario_choices()[name]).description


@cache
def _heading(name: str) -> str:
    return "The registry's defaults" if name == "defaults" else load(scenario_choices()[name]).heading


def scenario_labels() -> dict[str, str]:
    """The page's name for each scenario it offers (its title; the file name too if titles clash) -> its name."""
    names = scenario_names()
    headings = [_heading(n) for n in names]
    return {h if headings.count(h) == 1 else f"{h} ({n})": n for h, n in zip(headings, names, strict=True)}


#: The folder of extra scenario files the page may load (``dashboard --scenarios DIR`` sets it).
SCENARIO_FOLDER_ENV = "COACHSIM_DASHBOARD_SCENARIOS"
#: The warm-up the page shows after (``dashboard --warmup WEEKS`` sets it).
WARMUP_ENV = "COACHSIM_DASHBOARD_WARMUP"


def scenario_choices() -> dict[str, Path]:
    """The scenarios the page may load, by the name it shows: the shipped ones, then the files under the folder.

    A file under the folder is shown by its path relative to the folder (``team/north.toml``); a
    link that leads outside the folder is left out.
    """
    choices: dict[str, Path] = dict(shipped())
    folder = os.environ.get(SCENARIO_FOLDER_ENV)
    if folder:
        root = Path(folder).resolve()
        for path in sorted(root.rglob("*.toml")):
            real = path.resolve()
            if real.is_file() and real.is_relative_to(root):
                choices[path.relative_to(root).as_posix()] = real
    return choices


def scenario_names() -> list[str]:
    """The names of the scenarios the page offers, or the registry defaults if there are none."""
    return list(scenario_choices()) or ["defaults"]


def default_policies() -> tuple[Policy, Policy]:
    """Policy A is the typical org, B the same org whose managers carry no quota."""
    names = scenario_names()
    return tuple(
        Policy.from_scenario(DEFAULT_SCENARIOS[k] if DEFAULT_SCENARIOS[k] in names else names[0]) for k in KEYS
    )


def changed(policy: Policy, name: str, value: Any) -> Policy | None:
    """``policy`` with parameter ``name`` set to ``value``, or ``None`` if that changes nothing.

    A control that reports the value it already had (a slider let go where it was picked up, a
    float step's rounding) must not restart the runs. Raises :class:`ParameterError` for a value
    the registry refuses.
    """
    new = policy.with_value(name, value)
    return None if new.values[name] == policy.values[name] else new


PolicySource = Sequence[Policy] | Callable[[], Sequence[Policy]] | None


class SideBySide(mesa.Model):
    """Two runs of the sales org, policy A and policy B, with one seed, stepped a week at a time together.

    Both runs first warm up with their policy in force for ``warmup`` weeks, which are not shown
    and not counted; week 0 is the start of the counted year, as in a run with
    ``sim.warmup_weeks = warmup``.

    Args:
        policies: The two policies (A, B), or a function returning them; default
            :func:`default_policies`.
        seed: The seed of both runs, so they share their random numbers.
        warmup: Weeks before the year shown; default the registry's ``sim.warmup_weeks``
            (:func:`default_warmup`), whatever the scenarios set.
    """

    def __init__(self, *, policies: PolicySource = None, seed: int = 0, warmup: int | None = None) -> None:
        super().__init__(rng=rng_argument(seed))
        if callable(policies):
            policies = policies()
        a, b = policies if policies is not None else default_policies()
        self.common_seed = seed
        self.warmup = registry.by_name("sim.warmup_weeks").check(
            default_warmup() if warmup is None else warmup, "dashboard"
        )
        self.policies: dict[str, Policy] = {"A": a, "B": b}
        self.runs: dict[str, SalesOrgModel] = {
            k: SalesOrgModel(seed=seed, params={**p.values, "sim.warmup_weeks": self.warmup})
            for k, p in self.policies.items()
        }
        for run in self.runs.values():
            for _ in range(self.warmup):
                run.step()
        reporters: dict[str, Callable[[SideBySide], float]] = {}
        for key in KEYS:
            for name in CANONICAL:
                reporters[f"{name} {key}"] = _metric_reporter(name, key)
            reporters[f"coaching_this_week {key}"] = _coaching_this_week(key)
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.running = any(run.running for run in self.runs.values())
        self.datacollector.collect(self)

    def step(self) -> None:
        """One week of both runs."""
        for run in self.runs.values():
            if run.running:
                run.step()
        self.running = any(run.running for run in self.runs.values())
        self.datacollector.collect(self)

    @property
    def week(self) -> int:
        """Weeks of the shown year run so far."""
        return max(steps(run) for run in self.runs.values()) - self.warmup

    @property
    def total_weeks(self) -> int:
        """Weeks in the shown year (the longer of the two runs)."""
        return max(run.total_weeks for run in self.runs.values()) - self.warmup

    def series(self, column: str) -> np.ndarray:
        """One collected column, a value per shown week from week 0."""
        return np.asarray(self.datacollector.model_vars[column], dtype=float)


def _metric_reporter(name: str, key: str) -> Callable[[SideBySide], float]:
    def report(model: SideBySide) -> float:
        return model.runs[key].ledger.metric(name)

    return report


def _coaching_this_week(key: str) -> Callable[[SideBySide], float]:
    """One-on-one coaching delivered this week, per rep in seat, as a monthly rate."""

    def report(model: SideBySide) -> float:
        run = model.runs[key]
        if steps(run) <= model.warmup:
            return float("nan")
        heads = max(int(np.count_nonzero(run.reps.occupied)), 1)
        return float(run.week_hours["rep"]["being_coached"].sum()) / heads * WEEKS_PER_MONTH

    return report


# ----------------------------------------------------------------------------- controls
def slider_step(p: Param) -> float:
    """A round slider step for a numeric parameter: at most 80 steps, its default on the grid if possible."""
    if p.kind is int:
        return 1
    span = float(p.high) - float(p.low)
    fits = [c for c in (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100) if span / c <= 80] or [span / 80]
    start = p.default if p.default is not None else _typical(p)
    for c in fits:
        k = (start - p.low) / c
        if abs(k - round(k)) < 1e-9:
            return c
    return fits[0]


@cache
def _typical(p: Param) -> float:
    """A starting value for an unset parameter: the median of the shipped scenarios' settings."""
    seen = [v for name in scenario_names() if (v := _scenario_values(name).get(p.name)) is not None]
    return float(statistics.median(seen)) if seen else float(p.low)


def _fmt(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _show(p: Param, value: Any) -> str:
    """A value with its unit, for a label."""
    if value is None:
        return p.null_help or "unset"
    if p.kind is bool:
        return "yes" if value else "no"
    unit = "" if p.unit in QUIET_UNITS or p.kind is str else f" {p.unit}"
    return f"{_fmt(value)}{unit}"


def _on_scale(p: Param, value: float) -> float:
    """A slider's value, held within the lever's range (a key press at either end reports one past it)."""
    held = min(max(float(value), p.low), p.high)
    return round(held) if p.kind is int else round(held, 6)


def _brief(p: Param, value: Any) -> str:
    """A value with its unit, for a lever: an unset value in the few words before the explanation."""
    if value is None and p.null_help:
        return p.null_help.split(":")[0]
    return _show(p, value)


def _plain(text: str) -> str:
    return text.rstrip(".")


# ----------------------------------------------------------------------------- session state
# solara.reactive at module level holds one value per browser session.
_policy = {key: solara.reactive(policy) for key, policy in zip(KEYS, default_policies(), strict=True)}
_team = solara.reactive(0)
_error = solara.reactive("")


def current_policies() -> tuple[Policy, Policy]:
    """The policies in the panel now."""
    return _policy["A"].value, _policy["B"].value


CSS = f"""
.coachsim-page {{ display: grid; grid-template-columns: 390px minmax(0, 1fr); height: calc(100vh - 48px);
  font-size: 15px; color: #222; }}
.coachsim-header {{ height: 48px; display: flex; align-items: center; padding: 0 16px; background: #263238;
  color: white; font-size: 19px; font-weight: 600; }}
.coachsim-levers {{ overflow-y: auto; padding: 10px 14px 24px; border-right: 1px solid #ddd; background: #fafafa; }}
.coachsim-main {{ overflow-y: auto; padding: 10px 16px 24px; }}
.coachsim-main h2 {{ font-size: 20px; margin: 0 0 4px; }}
.coachsim-levers-title {{ font-size: 13px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em;
  color: #555; }}
.coachsim-compared {{ font-size: 15px; font-weight: 700; margin: 0 0 14px; }}
.coachsim-columns {{ display: grid; grid-template-columns: 1fr 1fr; gap: 10px; font-weight: 700; font-size: 14px; }}
.coachsim-section {{ font-weight: 700; font-size: 15px; margin: 12px 0 2px; border-bottom: 1px solid #ccc; }}
.coachsim-lever {{ padding: 4px 0 2px 6px; border-left: 4px solid transparent; }}
.coachsim-lever.lever-differs {{ border-left-color: {POLICY_COLOURS["B"]}; background: #eef4fa; }}
.coachsim-lever .lever-help {{ font-size: 13px; color: #333; line-height: 1.25; }}
.coachsim-lever .lever-pair {{ display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }}
.coachsim-lever .lever-value {{ font-weight: 700; font-size: 13px; line-height: 1.2; min-height: 16px; }}
.coachsim-lever .v-input {{ margin-top: 0; padding-top: 0; }}
.coachsim-lever .v-input--selection-controls {{ margin-top: 0; }}
.coachsim-horizon {{ font-size: 15px; margin: 0 0 2px; }}
.coachsim-runbar {{ display: flex; align-items: center; flex-wrap: wrap; gap: 10px; margin-bottom: 10px; }}
.coachsim-runbar .v-btn {{ font-size: 15px; text-transform: none; letter-spacing: 0; }}
.coachsim-seed {{ max-width: 190px; }}
.coachsim-grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 12px;
  grid-auto-flow: dense; }}
.coachsim-card {{ border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; background: white; min-width: 0; }}
.coachsim-wide {{ grid-column: 1 / -1; }}
.chart-hours {{ grid-column: span 2; }}
@media (max-width: 1231px) {{ .chart-hours {{ grid-column: auto; }} }}
@media (max-width: 899px) {{ .coachsim-page {{ grid-template-columns: 1fr; height: auto; }} }}
.chart-title {{ font-weight: 700; font-size: 16px; margin-bottom: 2px; }}
.chart-legend {{ font-size: 14px; display: flex; flex-wrap: wrap; gap: 2px 14px; }}
.chart-legend svg {{ vertical-align: middle; margin-right: 4px; }}
.coachsim-chart svg.plot {{ width: 100%; height: auto; display: block; }}
.coachsim-scoreboard table {{ border-collapse: collapse; width: 100%; font-size: 15px; }}
.coachsim-scoreboard td, .coachsim-scoreboard th {{ padding: 3px 5px; text-align: right; white-space: nowrap; }}
.coachsim-scoreboard table {{ margin-top: 4px; }}
.coachsim-scoreboard td:first-child, .coachsim-scoreboard th:first-child {{ text-align: left; white-space: normal; }}
.coachsim-scoreboard tr + tr td {{ border-top: 1px solid #eee; }}
.coachsim-scoreboard ul {{ margin: 2px 0 0; padding-left: 18px; font-size: 14px; }}
.hours-tier {{ margin-bottom: 8px; }}
.hours-row {{ display: grid; grid-template-columns: 26px 1fr 62px; align-items: center; gap: 6px; margin: 3px 0;
  font-size: 14px; }}
.hours-bar {{ display: flex; height: 24px; background: #f2f2f2; }}
.hours-bar div {{ font-size: 12px; line-height: 24px; text-align: center; overflow: hidden; white-space: nowrap; }}
.hours-key {{ font-size: 13px; display: flex; flex-wrap: wrap; gap: 0 10px; }}
.hours-key span::before {{ content: ""; display: inline-block; width: 12px; height: 12px; margin-right: 4px;
  vertical-align: -1px; background: var(--c); }}
.coachsim-team {{ border-top: 5px solid var(--c); }}
.team-boss {{ font-size: 14px; background: #f4f4f4; border-radius: 6px; padding: 6px 8px; margin: 4px 0 8px; }}
.team-reps {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(84px, 1fr)); gap: 8px 4px; }}
.team-rep {{ text-align: center; font-size: 13px; line-height: 1.2; }}
.team-dot {{ width: 54px; height: 54px; margin: 0 auto 2px; border-radius: 50%; display: flex; align-items: center;
  justify-content: center; font-size: 15px; font-weight: 700; border: 1px solid #777; box-sizing: border-box; }}
.team-rep.coached .team-dot {{ border: 4px solid {ACTIVITY_COLOURS["being_coached"]}; }}
.team-rep.coached .team-note {{ color: {ACTIVITY_COLOURS["being_coached"]}; font-weight: 700; }}
.team-rep .team-note {{ color: #555; }}
.team-rep.vacant .team-dot {{ border: 2px dashed #999; color: #777; font-weight: 400; }}
.team-key {{ font-size: 13px; color: #444; margin-top: 8px; }}
"""


# ----------------------------------------------------------------------------- the page
@solara.component
def Page() -> None:
    """The dashboard: the policy levers, the run controls, the scoreboard, charts and team views."""
    solara.Title("coachsim workshop")
    solara.Style(CSS)
    initial = solara.use_memo(lambda: SideBySide(policies=current_policies(), seed=0), [])
    model = solara.use_reactive(initial)
    week = solara.use_reactive(0)  # the week drawn: bumping it redraws the main view
    playing = solara.use_reactive(False)
    lock = solara.use_memo(threading.RLock, [])

    def restart(seed: int | None = None) -> None:
        """Both runs from week 0 with the panel's policies and the same (or the given) seed."""
        with lock:
            playing.set(False)
            seed = model.value.common_seed if seed is None else seed
            model.set(SideBySide(policies=current_policies(), seed=seed))
            week.set(0)

    def advance() -> bool:
        """One week of both runs; whether there are weeks left."""
        with lock:
            m = model.value
            if m.running:
                m.step()
            week.set(m.week)
            return m.running

    solara.HTML(tag="div", unsafe_innerHTML="coachsim workshop: two policies, one seed", classes=["coachsim-header"])
    with solara.Div(classes=["coachsim-page"]):
        LeverPanel(restart)
        MainView(model, week, playing, advance, restart)


@solara.component
def LeverPanel(restart: Callable[..., None]) -> None:
    """The policy levers, A's and B's side by side; then where each policy starts from."""
    policies = {k: _policy[k].value for k in KEYS}

    def set_policy(key: str, new: Policy) -> None:
        _error.value = ""
        _policy[key].value = new
        restart()

    def set_value(key: str, name: str, value: Any) -> None:
        try:
            new = changed(_policy[key].value, name, value)
        except ParameterError as exc:
            _error.value = str(exc)
            return
        if new is not None:
            set_policy(key, new)

    def load_policy(key: str, name: str) -> None:
        if name == _policy[key].value.scenario and not _policy[key].value.changes():
            return
        try:
            set_policy(key, Policy.from_scenario(name))
        except ParameterError as exc:
            _error.value = str(exc)

    with solara.Div(classes=["coachsim-levers"]):
        solara.HTML(tag="div", unsafe_innerHTML="Policy levers", classes=["coachsim-levers-title"])
        head = "".join(f'<div style="color:{POLICY_COLOURS[k]}">{k}: {escape(policies[k].label)}</div>' for k in KEYS)
        solara.HTML(tag="div", unsafe_innerHTML=head, classes=["coachsim-columns"])
        if _error.value:
            solara.Error(_error.value)
        section = ""
        for p in LEVERS:
            if p.section != section:
                section = p.section
                solara.HTML(
                    tag="div", unsafe_innerHTML=SECTION_TITLES.get(section, section), classes=["coachsim-section"]
                )
            # keyed: an error shown above the levers must not hand one lever's state to another
            LeverControl(p, policies["A"].values[p.name], policies["B"].values[p.name], set_value).key(p.name)
        solara.HTML(tag="div", unsafe_innerHTML="Where each policy starts from", classes=["coachsim-section"])
        for key in KEYS:
            policy = policies[key]
            other = "B" if key == "A" else "A"
            with solara.Column(gap="2px", classes=[f"coachsim-policy-{key}"], style={"margin-top": "6px"}):
                labels = scenario_labels()
                solara.Select(
                    label=f"Policy {key} starts from",
                    values=list(labels),
                    value=next(t for t, n in labels.items() if n == policy.scenario),
                    on_value=lambda text, key=key, labels=labels: load_policy(key, labels[text]),
                )
                description = _description(policy.scenario)
                if description:
                    solara.Text(description, style={"font-size": "13px", "color": "#444"})
                with solara.Row(gap="6px"):
                    if policy.changes():
                        solara.Button(
                            f"Back to {_heading(policy.scenario)}",
                            small=True,
                            outlined=True,
                            on_click=lambda key=key, policy=policy: set_policy(
                                key, Policy.from_scenario(policy.scenario)
                            ),
                        )
                    if policy != policies[other]:
                        solara.Button(
                            f"Copy {key} to {other}",
                            small=True,
                            outlined=True,
                            on_click=lambda policy=policy, other=other: set_policy(other, policy),
                        )
        solara.Text(
            "Both runs use the same seed: the difference you see is the policy, not the noise. "
            "A change here restarts both runs at week 0.",
            style={"font-size": "13px", "color": "#444", "margin-top": "10px", "display": "block"},
        )


@solara.component
def LeverControl(p: Param, a: Any, b: Any, set_value: Callable[[str, str, Any], None]) -> None:
    """One lever: A's and B's control side by side, generated from its registry entry."""
    classes = ["coachsim-lever", f"lever-{p.kwarg}"] + (["lever-differs"] if a != b else [])
    with solara.Div(classes=classes):
        solara.HTML(tag="div", unsafe_innerHTML=escape(_plain(p.help)), classes=["lever-help"])
        with solara.Div(classes=["lever-pair"]):
            for key, value in (("A", a), ("B", b)):
                with solara.Div(classes=[f"lever-{key}"]):
                    PolicyLever(p, key, value, lambda new, key=key: set_value(key, p.name, new)).key(f"{p.name}-{key}")


@solara.component
def PolicyLever(p: Param, key: str, value: Any, commit: Callable[[Any], None]) -> None:
    """One policy's control of one lever; ``commit`` is called once per move, when it is let go."""
    shown, set_shown = solara.use_state(value)
    solara.use_effect(lambda: set_shown(value), [value])  # a scenario loaded, a policy copied
    if (shown is None) != (value is None):  # the target switched on or off
        shown = value

    def on_value(new: Any) -> None:
        if isinstance(new, float) and p.kind is float:
            new = round(new, 6)  # a slider's float steps: 0.15000000000000002 is 0.15
        elif p.kind is int and isinstance(new, float):
            new = round(new)
        commit(new)

    colour = POLICY_COLOURS[key]
    boxed = p.choices is None and p.kind in (int, float) and p.high - p.low > MAX_SLIDER_VALUES * slider_step(p)
    if p.choices is None and p.kind not in (bool, str) and not boxed:
        solara.HTML(
            tag="div", unsafe_innerHTML=escape(_brief(p, shown)), classes=["lever-value"], style=f"color:{colour}"
        )
    if p.nullable and p.kind is not str:
        solara.Checkbox(
            label="set a target",
            value=value is not None,
            on_value=lambda on: on_value(_typical(p) if on else None),
        )
    if p.choices is not None:
        words = {_words(str(c)): c for c in p.choices}  # the choices in words, not identifiers
        solara.Select(
            label="", values=list(words), value=_words(str(value)), on_value=lambda w: on_value(words[w]), dense=True
        )
    elif p.kind is bool:
        solara.Checkbox(label="yes", value=bool(value), on_value=on_value)
    elif p.kind is str:
        solara.Text("set it in a scenario file", style={"font-size": "13px"})
    elif boxed:
        box = solara.InputInt if p.kind is int else solara.InputFloat
        box(label="", value=value, on_value=on_value, continuous_update=False, dense=True, suffix=p.unit)
    elif value is not None:
        step = slider_step(p)
        position = shown if shown is not None else value
        slider = solara.v.Slider(
            v_model=p.low + round((position - p.low) / step) * step,
            on_v_model=lambda new: set_shown(_on_scale(p, new)),
            min=p.low,
            max=p.high,
            step=step,
            dense=True,
            hide_details=True,
            color=colour,
            track_color="#bbb",
        )
        # a drag moves the value shown; the policy changes once, when the slider is let go
        solara.v.use_event(slider, "change", lambda *args: on_value(_on_scale(p, args[-1])))


@solara.component
def MainView(
    model: solara.Reactive[SideBySide],
    week: solara.Reactive[int],
    playing: solara.Reactive[bool],
    advance: Callable[[], bool],
    restart: Callable[..., None],
) -> None:
    """The week, the run controls, and everything drawn from the two runs."""
    m = model.value
    shown = week.value
    with solara.Div(classes=["coachsim-main"]):
        solara.HTML(tag="h2", unsafe_innerHTML=f"Week {shown} of {m.total_weeks}", classes=["coachsim-week"])
        solara.HTML(tag="p", unsafe_innerHTML=escape(horizon(m.warmup)), classes=["coachsim-horizon"])
        compared = " against ".join(
            f'<span style="color:{POLICY_COLOURS[k]}">{k}: {escape(m.policies[k].label)}</span>' for k in KEYS
        )
        solara.HTML(
            tag="p",
            unsafe_innerHTML=f"{compared}, with seed {m.common_seed} for both",
            classes=["coachsim-compared"],
        )
        RunBar(m, playing, advance, restart)
        with solara.Div(classes=["coachsim-grid"]):
            Scoreboard(m, shown)
            AttainmentChart(m, shown)
            CoachingChart(m, shown)
            RepsAtQuotaChart(m, shown)
            HoursChart(m, shown)
            TeamCard(m, shown)


@solara.component
def RunBar(model: SideBySide, playing: solara.Reactive[bool], advance: Callable[[], bool], restart: Callable) -> None:
    """Step, Play/Pause (which ends at the last week, shown as finished), Restart, and the seed."""

    def play() -> None:
        while playing.value:
            time.sleep(PLAY_INTERVAL_S)
            if not playing.value:
                return
            if not advance():
                playing.set(False)  # the last week: ▶ shows the year finished

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    finished = not model.running
    if finished:
        state, label = "finished", f"■ Year finished (week {model.total_weeks})"
    elif playing.value:
        state, label = "playing", "❚❚ Pause"
    else:
        state, label = "ready", "▶ Play"
    with solara.Div(classes=["coachsim-runbar"]):
        solara.Button(
            "Step a week",
            color="primary",
            on_click=advance,
            disabled=finished or playing.value,
            classes=["coachsim-step"],
        )
        solara.Button(
            label,
            color="primary",
            outlined=finished,
            on_click=lambda: playing.set(not playing.value),
            disabled=finished,
            classes=["coachsim-play", f"play-{state}"],
        )
        solara.Button("Restart the year", outlined=True, on_click=lambda: restart(), classes=["coachsim-restart"])
        solara.InputInt(
            "Seed (both policies)",
            value=model.common_seed,
            on_value=lambda s: restart(seed=s) if s is not None and s != model.common_seed else None,
            continuous_update=False,
            dense=True,
            classes=["coachsim-seed"],
        )


# ----------------------------------------------------------------------------- drawing
def _card(html: str, *classes: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["coachsim-card", *classes])


@dataclass(frozen=True)
class _Line:
    """A line of a chart: a value per week from week 0 (NaN: no point), or a level across it."""

    colour: str
    ys: Sequence[float] | None = None
    level: float | None = None
    width: float = 3.0
    dash: str = ""
    opacity: float = 1.0


#: A chart's drawing area, in SVG units (about pixels at 1280 px wide), and its margins.
_W, _H, _ML, _MR, _MT, _MB = 400, 230, 48, 12, 10, 42
_TICK_PX = 14


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    raw = (hi - lo) / max(n, 1) or 1.0
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _tick_text(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:g}"


def _svg_chart(
    lines: Sequence[_Line],
    *,
    xmax: int,
    xlabel: str,
    ylabel: str,
    ylim: tuple[float | None, float | None] = (None, None),
    note: str = "",
) -> str:
    """A line chart as SVG: weeks across, fixed type sizes, no matplotlib."""
    values = [v for ln in lines for v in (ln.ys if ln.ys is not None else [ln.level]) if v is not None]
    finite = [v for v in values if math.isfinite(v)]
    lo = ylim[0] if ylim[0] is not None else (min(finite) if finite else 0.0)
    hi = ylim[1] if ylim[1] is not None else (max(finite) if finite else 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    pad = 0.06 * (hi - lo)
    lo = lo if ylim[0] is not None else lo - pad
    hi = hi if ylim[1] is not None else hi + pad
    x0, x1, y0, y1 = _ML, _W - _MR, _H - _MB, _MT

    def sx(x: float) -> float:
        return x0 + (x1 - x0) * x / max(xmax, 1)

    def sy(y: float) -> float:
        return y0 + (y1 - y0) * (y - lo) / (hi - lo)

    out = [f'<svg class="plot" viewBox="0 0 {_W} {_H}" xmlns="http://www.w3.org/2000/svg" role="img">']
    out.append(f'<g font-size="{_TICK_PX}" fill="#333" font-family="sans-serif">')
    for t in _ticks(lo, hi):
        y = sy(t)
        out.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{x0 - 5}" y="{y + 5:.1f}" text-anchor="end">{_tick_text(t)}</text>')
    for t in _ticks(0, xmax, 5):
        x = sx(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y0}" y2="{y0 + 4}" stroke="#666"/>')
        out.append(f'<text x="{x:.1f}" y="{y0 + 19}" text-anchor="middle">{_tick_text(t)}</text>')
    out.append(f'<line x1="{x0}" x2="{x1}" y1="{y0}" y2="{y0}" stroke="#666"/>')
    out.append(f'<text x="{(x0 + x1) / 2}" y="{_H - 4}" text-anchor="middle">{escape(xlabel)}</text>')
    out.append(
        f'<text transform="translate(13 {(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">{escape(ylabel)}</text>'
    )
    out.append("</g>")
    for ln in lines:
        style = f'stroke="{ln.colour}" stroke-width="{ln.width}" fill="none" stroke-linecap="round"'
        style += f' stroke-linejoin="round" opacity="{ln.opacity}"' + (
            f' stroke-dasharray="{ln.dash}"' if ln.dash else ""
        )
        if ln.level is not None:
            y = sy(ln.level)
            out.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" {style}/>')
            continue
        parts, pen = [], False
        for x, y in enumerate(() if ln.ys is None else ln.ys):
            if not math.isfinite(y):
                pen = False
                continue
            parts.append(f"{'L' if pen else 'M'}{sx(x):.1f},{sy(y):.1f}" + ("" if pen else "l0,0"))
            pen = True
        if parts:
            out.append(f'<path d="{"".join(parts)}" {style}/>')
    if note:
        out.append(
            f'<text x="{(x0 + x1) / 2}" y="{(y0 + y1) / 2}" text-anchor="middle" font-size="15" fill="#555" '
            f'font-family="sans-serif">{escape(note)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _swatch(colour: str, width: float = 3.0, dash: str = "", opacity: float = 1.0) -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg width="26" height="12"><line x1="1" x2="25" y1="6" y2="6" stroke="{colour}" stroke-width="{width}"'
        f' opacity="{opacity}"{dashed}/></svg>'
    )


def _legend(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="chart-legend">' + "".join(f"<span>{sw}{escape(t)}</span>" for sw, t in items) + "</div>"


def _policy_legend(model: SideBySide) -> list[tuple[str, str]]:
    return [(_swatch(POLICY_COLOURS[k]), f"{k}: {model.policies[k].label}") for k in KEYS]


def _metric_title(name: str) -> str:
    label = METRIC[name].label
    return label[:1].upper() + label[1:]


def _start_note(model: SideBySide) -> str:
    return "press Step or ▶ to run the year" if model.week == 0 else ""


@solara.component
def AttainmentChart(model: SideBySide, week: int) -> None:
    """Org attainment so far this year, for both policies."""
    html = solara.use_memo(lambda: _attainment_html(model), [model, week])
    _card(html, "coachsim-chart", "chart-attainment")


def _attainment_html(model: SideBySide) -> str:
    lines = [_Line(NEUTRAL, level=100, width=1, dash="2 3")]
    lines += [_Line(POLICY_COLOURS[k], model.series(f"attainment {k}") * 100) for k in KEYS]
    svg = _svg_chart(lines, xmax=model.total_weeks, xlabel="week", ylabel="% of quota", note=_start_note(model))
    title = f"{_metric_title('attainment')}, so far this year"
    legend = _legend([*_policy_legend(model), (_swatch(NEUTRAL, 1, "2 3"), "quota")])
    return f'<div class="chart-title">{escape(title)}</div>{svg}{legend}'


@solara.component
def RepsAtQuotaChart(model: SideBySide, week: int) -> None:
    """The share of reps at or above quota so far this year, for both policies."""
    html = solara.use_memo(lambda: _reps_at_quota_html(model), [model, week])
    _card(html, "coachsim-chart", "chart-reps-at-quota")


def _reps_at_quota_html(model: SideBySide) -> str:
    series = {k: model.series(f"reps_at_quota {k}") * 100 for k in KEYS}
    note = _start_note(model)
    if not note and all(np.isnan(s).all() for s in series.values()):
        note = f"counted once reps have {MIN_WEEKS_FOR_REP_ATTAINMENT} weeks in seat"
    lines = [_Line(POLICY_COLOURS[k], series[k]) for k in KEYS]
    svg = _svg_chart(lines, xmax=model.total_weeks, xlabel="week", ylabel="% of reps", ylim=(0, 100), note=note)
    title = f"{_metric_title('reps_at_quota')}, so far this year"
    return f'<div class="chart-title">{escape(title)}</div>{svg}{_legend(_policy_legend(model))}'


@solara.component
def CoachingChart(model: SideBySide, week: int) -> None:
    """One-on-one coaching delivered, against each policy's target."""
    html = solara.use_memo(lambda: _coaching_html(model), [model, week])
    _card(html, "coachsim-chart", "chart-coaching")


def _coaching_html(model: SideBySide) -> str:
    lines, legend = [], []
    for key in KEYS:
        colour = POLICY_COLOURS[key]
        lines.append(_Line(colour, model.series(f"coaching_this_week {key}"), width=1.5, opacity=0.5))
        lines.append(_Line(colour, model.series(f"coaching_hours_per_rep_month {key}")))
        target = model.policies[key].values["coaching.hours_per_rep_month"]
        if target is not None:
            lines.append(_Line(colour, level=target, width=2, dash="7 4"))
            legend.append((_swatch(colour, 2, "7 4"), f"{key}'s target: {_fmt(target)} h"))
        else:
            legend.append(("", f"{key}: no set hours"))
    unit = registry.by_name("coaching.hours_per_rep_month").unit
    svg = _svg_chart(lines, xmax=model.total_weeks, xlabel="week", ylabel=unit, ylim=(0, None), note=_start_note(model))
    items = [*_policy_legend(model), (_swatch(NEUTRAL, 1.5, opacity=0.5), "thin: this week only"), *legend]
    title = _metric_title("coaching_hours_per_rep_month")  # the legend names each policy's target
    return f'<div class="chart-title">{escape(title)}</div>{svg}{_legend(items)}'


@solara.component
def Scoreboard(model: SideBySide, week: int) -> None:
    """The two policies' headline numbers so far this year, their difference, and how the policies differ."""
    html = solara.use_memo(lambda: _scoreboard_html(model), [model, week])
    _card(html, "coachsim-scoreboard")


def _scoreboard_html(model: SideBySide) -> str:
    head = "".join(f'<th style="color:{POLICY_COLOURS[k]}">{k}</th>' for k in KEYS)
    rows = []
    for name, how in SCOREBOARD:
        a, b = (model.runs[k].ledger.metric(name) for k in KEYS)
        cells = "".join(
            f'<td class="score-{name}-{k}">{_number(v, how)}</td>' for k, v in zip(KEYS, (a, b), strict=True)
        )
        rows.append(f"<tr><td>{escape(_metric_title(name))}</td>{cells}{_difference(name, b - a, how)}</tr>")
    differ = []
    pa, pb = model.policies["A"].values, model.policies["B"].values
    for p in registry.REGISTRY:
        if pa.get(p.name) != pb.get(p.name):
            differ.append(
                f"<li>{escape(_plain(p.help))}: A {escape(_show(p, pa[p.name]))}, B {escape(_show(p, pb[p.name]))}</li>"
            )
    differ_html = (
        f"<div style='margin-top:6px'><b>Where B differs from A</b><ul>{''.join(differ)}</ul></div>"
        if differ
        else "<p style='margin:6px 0 0'>A and B are the same policy: the lines lie on top of each other.</p>"
    )
    return (
        "<div class='chart-title'>So far this year</div>"
        f"<table><tr><th></th>{head}<th>B − A</th></tr>{''.join(rows)}</table>{differ_html}"
    )


def _number(x: float, how: str) -> str:
    if not math.isfinite(x):
        return "–"
    if how == "percent":
        return f"{100 * x:.1f}%"
    if how == "hours":
        return f"{x:.2f} h"
    return f"{x:.3f}"


def _difference(name: str, d: float, how: str) -> str:
    """A ``B − A`` cell: the change, coloured and worded by whether it is good for the business."""
    if not math.isfinite(d):
        return "<td>–</td>"
    if how == "percent":
        text, shown = f"{100 * d:+.1f} points", round(100 * d, 1)
    elif how == "hours":
        text, shown = f"{d:+.2f} h", round(d, 2)
    else:
        text, shown = f"{d:+.3f}", round(d, 3)
    verdict = judgement(name, shown)
    if verdict is None:
        return f'<td class="diff-{name}">{text}</td>'
    colour, word = (GOOD, "better") if verdict == "good" else (BAD, "worse")
    return f'<td class="diff-{name} diff-{verdict}" style="color:{colour};font-weight:700">{text} {word}</td>'


@solara.component
def HoursChart(model: SideBySide, week: int) -> None:
    """This week's hours by activity, per person, for each tier and both policies."""
    html = solara.use_memo(lambda: _hours_html(model), [model, week])
    _card(html, "coachsim-chart", "chart-hours")


def _ink(colour: str) -> str:
    """Black or white, whichever reads on ``colour``."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "#fff"


def _hours_html(model: SideBySide) -> str:
    out = ['<div class="chart-title">Hours this week, per person</div>']
    if model.week == 0:
        out.append("<p style='margin:0 0 4px;color:#555'>press Step to run a week</p>")
    for tier, activities in ACTIVITIES.items():
        hours = {k: [_mean_hours(model.runs[k], tier, a) for a in activities] for k in KEYS}
        top = max(max(sum(h) for h in hours.values()), 1e-9)
        out.append(f'<div class="hours-tier"><b>{TIER_TITLES[tier]}</b>')
        for key in KEYS:
            segs = []
            for activity, h in zip(activities, hours[key], strict=True):
                if h <= 0:
                    continue
                colour = ACTIVITY_COLOURS.get(activity, "#cccccc")
                share = 100 * h / top
                text = f"{h:.0f}" if share >= 7 else ""
                segs.append(
                    f'<div style="width:{share:.2f}%;background:{colour};color:{_ink(colour)}" '
                    f'title="{_words(activity)}: {h:.1f} h">{text}</div>'
                )
            total = sum(hours[key])
            out.append(
                f'<div class="hours-row"><b style="color:{POLICY_COLOURS[key]}">{key}</b>'
                f'<div class="hours-bar">{"".join(segs)}</div><span>{total:.1f} h</span></div>'
            )
        key_items = "".join(
            f'<span style="--c:{ACTIVITY_COLOURS.get(a, "#cccccc")}">{_words(a)}</span>' for a in activities
        )
        out.append(f'<div class="hours-key">{key_items}</div></div>')
    return "".join(out)


def _words(identifier: str) -> str:
    return identifier.replace("_", " ")


def _mean_hours(run: SalesOrgModel, tier: str, activity: str) -> float:
    hours = run.week_hours[tier][activity]
    if tier == "rep":
        present = run.reps.occupied
    elif tier == "manager":
        present = run.managers.present
    else:
        present = np.ones(hours.size, bool)
    return float(hours[present].mean()) if present.any() else 0.0


@solara.component
def TeamCard(model: SideBySide, week: int) -> None:
    """One manager's team under each policy, side by side; the team is chosen here."""
    n_teams = min(run.org.n_managers for run in model.runs.values())
    team = min(_team.value, n_teams - 1)
    with solara.Div(classes=["coachsim-card", "coachsim-wide", "coachsim-teams"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.HTML(tag="div", unsafe_innerHTML="Who is coached this week", classes=["chart-title"])
            solara.Select(
                label="Team shown for both policies",
                values=[f"Manager {i + 1}" for i in range(n_teams)],
                value=f"Manager {team + 1}",
                on_value=lambda text: _team.set(int(text.split()[-1]) - 1),
                dense=True,
                style={"max-width": "260px"},
            )
        html = solara.use_memo(lambda: _teams_html(model, team), [model, week, team])
        solara.HTML(tag="div", unsafe_innerHTML=html)


def _teams_html(model: SideBySide, team: int) -> str:
    views = "".join(_team_html(model, key, team) for key in KEYS)
    key = (
        '<div class="team-key">A thick blue ring: coached this week. The number: the rep\'s attainment so far '
        f"this year; blue fill at or above quota, vermilion below {LOW_ATTAINMENT:.0%}.</div>"
    )
    grid = "display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:14px"
    return f'<div style="{grid}">{views}</div>{key}'


#: Below this attainment a rep's dot is filled with the palette's "bad" tint.
LOW_ATTAINMENT = 0.8


def _tint(colour: str, strength: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02x}" for c in (r, g, b))


def _team_html(model: SideBySide, key: str, i: int) -> str:
    run = model.runs[key]
    manager = run.manager_agents[i]
    colour = POLICY_COLOURS[key]
    if manager is None:
        boss = "Manager seat vacant: the team is unmanaged while a manager is hired"
    else:
        h = manager.hours
        boss = (
            f"<b>Manager {i + 1}</b>, coaching quality {manager.coaching_quality:.2f}<br>"
            f"this week: coaching {h['coaching']:.1f} h, ride-alongs {h['ride_alongs']:.1f} h, "
            f"selling {h['selling']:.1f} h, admin {h['admin'] + h['distractions']:.1f} h"
        )
    reps = []
    ledger = run.ledger
    for seat in run.team_seats(i):
        rep = run.rep_agents[seat]
        if rep is None:
            reps.append(
                '<div class="team-rep vacant"><div class="team-dot">–</div><div class="team-note">vacant</div></div>'
            )
            continue
        coached = float(run.week_hours["rep"]["being_coached"][seat])
        quota = ledger.seat_quota[seat]
        att = ledger.seat_book[seat] / quota if quota > 0 else float("nan")
        if not math.isfinite(att):
            fill, number = "#ffffff", "–"
        else:
            fill = _tint(GOOD, 0.45) if att >= 1 else _tint(BAD, 0.45) if att < LOW_ATTAINMENT else "#eeeeee"
            number = f"{100 * att:.0f}%"
        note = f"coached {coached:.1f} h" if coached > 0 else "not coached"
        if rep.tenure_weeks < run.p.rep.ramp_weeks:
            note += "<br>new hire"
        reps.append(
            f'<div class="team-rep{" coached" if coached > 0 else ""}"><div class="team-dot" '
            f'style="background:{fill}">{number}</div><div class="team-note">{note}</div></div>'
        )
    title = f"{key}: {escape(model.policies[key].label)}, manager {i + 1}'s team"
    return (
        f'<div class="coachsim-team team-{key}" style="--c:{colour}"><div class="chart-title" style="color:{colour}">'
        f'{title}</div><div class="team-boss">{boss}</div><div class="team-reps">{"".join(reps)}</div></div>'
    )


# ----------------------------------------------------------------------------- serving
def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    scenarios: str | os.PathLike[str] | None = None,
    warmup: int | None = None,
) -> int:
    """Serve the dashboard with solara until interrupted; return an exit code.

    ``scenarios`` is a folder whose ``*.toml`` files the page may load besides the shipped ones;
    ``warmup`` the weeks before the year shown (default: the registry's steady state).
    """
    if warmup is not None:
        os.environ[WARMUP_ENV] = str(registry.by_name("sim.warmup_weeks").check(warmup, label("warmup")))
    from solara.__main__ import cli  # here, not at the top: solara is the optional dashboard extra, and heavy
    from solara.server import settings

    if "SOLARA_TELEMETRY_MIXPANEL_ENABLE" not in os.environ:
        settings.telemetry.mixpanel_enable = False  # no usage reports from a workshop unless asked for
    if "SOLARA_THEME_SHOW_BANNER" not in os.environ:
        settings.theme.show_banner = False  # solara's corner badge sat on top of the charts
    if scenarios is not None:
        os.environ[SCENARIO_FOLDER_ENV] = str(Path(scenarios).resolve())
    args = ["run", str(Path(__file__).resolve()), "--host", host, "--port", str(port)]
    args += ["--production", "--no-open", "--no-check-version", "--log-level", "warning"]
    cli.main(args=args, prog_name="solara", standalone_mode=False)
    return 0
