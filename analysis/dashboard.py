"""The live workshop dashboard: two policies side by side on a Mesa SolaraViz page.

    python run.py dashboard [--port 8765] [--host 127.0.0.1] [--scenarios DIR]

(or ``solara run analysis/dashboard.py``). It needs the ``dashboard`` extra:
``pip install -e ".[dashboard]"``.

A facilitator picks two policies, A and B, each loaded from a shipped scenario (or a file under
the folder given with ``--scenarios``: the page loads nothing else, whatever a browser sends) and adjusted
with the policy levers of the parameter registry (``Param.lever``), and steps both through
the year a week at a time. Both runs use the same seed, so they meet the same reps, deals and
departures as far as their policies allow (common random numbers): what differs between the
two lines is the policy, not the noise.

The page is Mesa's ``SolaraViz``: its sidebar has Mesa's Step, Play and Reset controls and the
seed; this module adds the policy panel (controls generated from the registry), a scoreboard,
charts of attainment, reps at quota, coaching delivered against the policy and hours by
activity for each tier, and a team view per policy showing one manager, their reps and who is
being coached this week. Changing a policy restarts both runs at week 0 with the same seed.

:class:`SideBySide` (the two runs as one Mesa model) and :class:`Policy` do not need the
browser; everything else needs solara.
"""

from __future__ import annotations

import math
import os
import statistics
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import matplotlib as mpl
import mesa
import numpy as np
import solara
from matplotlib.figure import Figure

from analysis.plots import ACTIVITY_COLOURS, STYLE
from sim import params as registry
from sim.metrics import ACTIVITIES, CANONICAL, MIN_WEEKS_FOR_REP_ATTAINMENT, WEEKS_PER_MONTH
from sim.model import SalesOrgModel
from sim.params import Param, ParameterError, kwarg_name
from sim.scenario import load, shipped

with warnings.catch_warnings():
    # Mesa 3.3.1's ComponentsView trips solara's rules-of-hooks check (harmlessly, it returns early
    # before a hook); a facilitator starting the dashboard need not read about it.
    warnings.filterwarnings("ignore", message=".*found despite early return", category=UserWarning)
    from mesa.visualization import Slider, SolaraViz
    from mesa.visualization.utils import update_counter

__all__ = [
    "KEYS",
    "LEVERS",
    "Page",
    "Policy",
    "SideBySide",
    "default_policies",
    "scenario_choices",
    "serve",
    "slider_step",
]

#: The policy levers, in registry order: the controls of the policy panel.
LEVERS: tuple[Param, ...] = tuple(p for p in registry.REGISTRY if p.lever)
#: The two policies' keys and colours (blue and orange, as in the comparison charts).
KEYS = ("A", "B")
COLOURS = {"A": "#1f77b4", "B": "#ff7f0e"}
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
#: The scoreboard: metric, plain label, how to show a value.
SCOREBOARD = (
    ("attainment", "Quota attainment, year to date", "percent"),
    ("reps_at_quota", "Reps at or above quota", "percent"),
    ("coaching_hours_per_rep_month", "Coaching delivered (hours/rep/month)", "hours"),
    ("manager_selling_share", "Managers' hours spent selling", "percent"),
    ("mean_motivation", "Reps' motivation (0-1)", "plain"),
    ("rep_turnover", "Rep turnover (share a year)", "percent"),
)


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
        """The scenario name, marked when a lever has been moved."""
        return self.scenario + (" (changed)" if self.changes() else "")

    def kwargs(self) -> dict[str, Any]:
        """The model's keyword arguments."""
        return {kwarg_name(k): v for k, v in self.values.items()}


@cache
def _scenario_values(name: str) -> Mapping[str, Any]:
    if name == "defaults":
        return registry.defaults()
    return load(scenario_choices()[name]).values


@cache
def _description(name: str) -> str:
    return "" if name == "defaults" else load(scenario_choices()[name]).description


#: The folder of extra scenario files the page may load (``dashboard --scenarios DIR`` sets it).
SCENARIO_FOLDER_ENV = "COACHSIM_DASHBOARD_SCENARIOS"


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


PolicySource = Sequence[Policy] | Callable[[], Sequence[Policy]] | None


class SideBySide(mesa.Model):
    """Two runs of the sales org, policy A and policy B, with one seed, stepped a week at a time together.

    Args:
        policies: The two policies (A, B), or a function returning them (SolaraViz's Reset calls
            the model with the policies of the panel at that moment); default :func:`default_policies`.
        seed: The seed of both runs, so they share their random numbers.
    """

    def __init__(self, *, policies: PolicySource = None, seed: int = 0) -> None:
        super().__init__(seed=seed)
        if callable(policies):
            policies = policies()
        a, b = policies if policies is not None else default_policies()
        self.common_seed = seed
        self.policies: dict[str, Policy] = {"A": a, "B": b}
        self.runs: dict[str, SalesOrgModel] = {
            k: SalesOrgModel(seed=seed, **p.kwargs()) for k, p in self.policies.items()
        }
        reporters: dict[str, Callable[[SideBySide], float]] = {}
        for key in KEYS:
            for name in CANONICAL:
                reporters[f"{name} {key}"] = _metric_reporter(name, key)
            reporters[f"coaching_this_week {key}"] = _coaching_this_week(key)
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.running = True
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
        """Weeks run so far."""
        return max(run.steps for run in self.runs.values())

    @property
    def total_weeks(self) -> int:
        """Weeks in the longer of the two runs."""
        return max(run.total_weeks for run in self.runs.values())


def _metric_reporter(name: str, key: str) -> Callable[[SideBySide], float]:
    def report(model: SideBySide) -> float:
        return model.runs[key].ledger.metric(name)

    return report


def _coaching_this_week(key: str) -> Callable[[SideBySide], float]:
    """One-on-one coaching delivered this week, per rep in seat, as a monthly rate."""

    def report(model: SideBySide) -> float:
        run = model.runs[key]
        if run.steps == 0:
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


def _plain(text: str) -> str:
    return text.rstrip(".")


# ----------------------------------------------------------------------------- session state
# solara.reactive at module level holds one value per browser session.
_policy = {key: solara.reactive(policy) for key, policy in zip(KEYS, default_policies(), strict=True)}
_editing = solara.reactive("A")
_team = solara.reactive(0)
_error = solara.reactive("")


def current_policies() -> tuple[Policy, Policy]:
    """The policies in the panel now (SolaraViz's Reset builds the model from them)."""
    return _policy["A"].value, _policy["B"].value


# ----------------------------------------------------------------------------- the page
@solara.component
def Page() -> None:
    """The dashboard: Mesa's SolaraViz with the policy panel, scoreboard, charts and team views."""
    initial = solara.use_memo(lambda: SideBySide(policies=current_policies(), seed=0), [])
    model = solara.use_reactive(initial)
    generation = solara.use_reactive(0)

    def restart() -> None:
        """Both runs from week 0 with the panel's policies and the same seed."""
        old = model.value
        if not old.running:
            # Mesa's controller disables Step and Play once a run has ended; a fresh controller
            # (a new key) brings them back for the new run.
            generation.value += 1
        model.value = SideBySide(policies=current_policies(), seed=old.common_seed)

    SolaraViz(
        model,
        components=[
            (Scoreboard, 0),
            (AttainmentChart, 0),
            (RepsAtQuotaChart, 0),
            (CoachingChart, 0),
            (TeamViewA, 0),
            (TeamViewB, 0),
            (HoursChart, 0),
        ],
        model_params={
            "seed": Slider("Seed", model.value.common_seed, 0, 99, 1),
            "policies": current_policies,
        },
        name="coachsim workshop: two policies, one seed",
        play_interval=200,
    ).key(f"viz-{generation.value}")
    PolicyPanel(restart, model.value)


@solara.component
def PolicyPanel(restart: Callable[[], None], model: SideBySide) -> None:
    """The sidebar's policy panel: a shipped scenario and the levers, for A or for B; the team shown."""
    key = _editing.value
    other = "B" if key == "A" else "A"
    policy = _policy[key].value

    def set_policy(new: Policy, which: str = key) -> None:
        _error.value = ""
        _policy[which].value = new
        restart()

    def set_value(name: str, value: Any) -> None:
        try:
            set_policy(_policy[key].value.with_value(name, value))
        except ParameterError as exc:
            _error.value = str(exc)

    def load_policy(name: str) -> None:
        try:
            set_policy(Policy.from_scenario(name))
        except ParameterError as exc:
            _error.value = str(exc)

    n_teams = min(run.org.n_managers for run in model.runs.values())
    with solara.Sidebar(), solara.Card("Team view"):
        solara.Select(
            label="Team shown for both policies",
            values=[f"Manager {i + 1}" for i in range(n_teams)],
            value=f"Manager {min(_team.value, n_teams - 1) + 1}",
            on_value=lambda text: _team.set(int(text.split()[-1]) - 1),
        )
    with solara.Sidebar(), solara.Card("Policies side by side"):
        solara.Text(
            "Both runs use the same seed: the difference you see is the policy, not the noise. "
            "Any change here restarts both runs at week 0.",
            style={"font-size": "0.85rem", "color": "#555"},
        )
        with solara.Row(style={"align-items": "center"}):
            solara.Text("Edit policy")
            solara.ToggleButtonsSingle(value=_editing, values=list(KEYS), classes=["coachsim-editing"])
        with solara.Column(gap="4px", classes=[f"coachsim-policy-{key}"]):
            solara.Text(f"Policy {key}: {policy.label}", style={"color": COLOURS[key], "font-weight": "bold"})
            solara.Select(
                label="Load a shipped scenario",
                values=scenario_names(),
                value=policy.scenario,
                on_value=lambda name: load_policy(name),
            )
            description = _description(policy.scenario)
            if description:
                solara.Text(description, style={"font-size": "0.8rem", "color": "#555"})
            with solara.Row(gap="4px"):
                if policy.changes():
                    solara.Button(
                        f"Back to {policy.scenario}",
                        small=True,
                        outlined=True,
                        on_click=lambda: set_policy(Policy.from_scenario(policy.scenario)),
                    )
                solara.Button(
                    f"Copy {key} to {other}",
                    small=True,
                    outlined=True,
                    on_click=lambda: set_policy(policy, other),
                )
            if _error.value:
                solara.Error(_error.value)
            section = ""
            for p in LEVERS:
                if p.section != section:
                    section = p.section
                    solara.Text(
                        SECTION_TITLES.get(section, section.capitalize()),
                        style={"font-weight": "bold", "margin-top": "8px"},
                    )
                LeverControl(p, policy.values[p.name], set_value)


@solara.component
def LeverControl(p: Param, value: Any, set_value: Callable[[str, Any], None]) -> None:
    """One lever: a slider, select, checkbox or number box generated from its registry entry."""

    def on_value(new: Any) -> None:
        if isinstance(new, float) and p.kind is float:
            new = round(new, 6)  # a slider's float steps: 0.15000000000000002 is 0.15
        set_value(p.name, new)

    with solara.Column(gap="0px", classes=["coachsim-lever", f"lever-{p.kwarg}"]):
        solara.Text(_plain(p.help), style={"font-size": "0.8rem", "color": "#444"})
        if p.choices is None and p.kind is not bool:
            solara.Text(_show(p, value), classes=["lever-value"], style={"font-weight": "bold", "font-size": "0.85rem"})
        if p.nullable and p.kind is not str:
            solara.Checkbox(
                label=f"Set a target (unticked: {p.null_help})",
                value=value is not None,
                on_value=lambda on: on_value(_typical(p) if on else None),
            )
        if p.choices is not None:
            solara.Select(label=p.unit, values=list(p.choices), value=value, on_value=on_value)
        elif p.kind is bool:
            solara.Checkbox(label="yes", value=bool(value), on_value=on_value)
        elif p.kind is str:
            solara.Text("set it in a scenario file")
        elif p.high - p.low > MAX_SLIDER_VALUES * slider_step(p):
            box = solara.InputInt if p.kind is int else solara.InputFloat
            box(label=p.unit, value=value, on_value=on_value, continuous_update=False)
        elif value is not None:
            step = slider_step(p)
            snapped = p.low + round((value - p.low) / step) * step

            def on_slide(new: float) -> None:
                # A value off the slider's grid (a default such as 13.13 with a step of 2.5) is
                # snapped to the grid by the slider itself when drawn: that is not a person's move.
                if abs(snapped - value) > 1e-9 and abs(new - snapped) < 1e-9:
                    return
                on_value(new)

            slider = solara.SliderInt if p.kind is int else solara.SliderFloat
            slider("", value=value, min=p.low, max=p.high, step=step, on_value=on_slide)


# ----------------------------------------------------------------------------- components
def _figure(width: float = 6.4, height: float = 3.6, **margins: float) -> Figure:
    """A figure with fixed margins: a layout engine would double the drawing time of every week."""
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(width, height))
        fig.subplots_adjust(**{"left": 0.11, "right": 0.98, "top": 0.9, "bottom": 0.14, **margins})
        return fig


def _chart(fig: Figure, name: str) -> None:
    with solara.Column(classes=["coachsim-chart", f"chart-{name}"], style={"width": "100%"}):
        solara.FigureMatplotlib(fig, format="png", dpi=100)


def _legend_label(model: SideBySide, key: str) -> str:
    return f"{key}: {model.policies[key].label}"


def _line_chart(model: SideBySide, metric: str, title: str, ylabel: str, reference: float | None = None) -> Figure:
    df = model.datacollector.get_model_vars_dataframe()
    with mpl.rc_context(STYLE):
        fig = _figure()
        ax = fig.subplots()
        for key in KEYS:
            ax.plot(df.index, df[f"{metric} {key}"] * 100, color=COLOURS[key], lw=2.2, label=_legend_label(model, key))
        if reference is not None:
            ax.axhline(reference, color="#444", lw=1, ls=":")
        ax.set_title(title)
        ax.set_xlabel("week")
        ax.set_ylabel(ylabel)
        ax.set_xlim(0, max(model.total_weeks, 1))
        ax.legend(loc="lower right")
        if model.week == 0:
            ax.text(0.5, 0.5, "press Step or ▶ to run the year", transform=ax.transAxes, ha="center", color="#777")
    return fig


@solara.component
def Scoreboard(model: SideBySide) -> None:
    """The two policies' headline numbers this week, their difference, and how the policies differ."""
    update_counter.get()
    head = "".join(f'<th style="color:{COLOURS[k]}">{k}: {escape(model.policies[k].label)}</th>' for k in KEYS)
    rows = []
    for name, label, how in SCOREBOARD:
        a, b = (model.runs[k].ledger.metric(name) for k in KEYS)
        cells = "".join(
            f'<td class="score-{name}-{k}" style="white-space:nowrap">{_number(v, how)}</td>'
            for k, v in zip(KEYS, (a, b), strict=True)
        )
        diff = _difference(b - a, how)
        rows.append(f"<tr><td>{escape(label)}</td>{cells}<td style='white-space:nowrap'>{diff}</td></tr>")
    differ = []
    pa, pb = model.policies["A"].values, model.policies["B"].values
    for p in registry.REGISTRY:
        if pa.get(p.name) != pb.get(p.name):
            differ.append(
                f"<li>{escape(_plain(p.help))}: A {escape(_show(p, pa[p.name]))}, B {escape(_show(p, pb[p.name]))}</li>"
            )
    differ_html = (
        "<p style='margin:8px 0 2px'><b>Where B differs from A</b></p>"
        f"<ul style='margin:0;font-size:0.85rem'>{''.join(differ)}</ul>"
        if differ
        else "<p style='margin:8px 0 2px'>A and B are the same policy: the lines lie on top of each other.</p>"
    )
    html = (
        f"<div class='coachsim-scoreboard' style='font-size:0.95rem'>"
        f"<h3 style='margin:0 0 6px' class='coachsim-week'>Week {model.week} of {model.total_weeks}"
        f" <span style='font-weight:normal;font-size:0.85rem'>seed {model.common_seed} for both policies"
        " (set the seed and press Reset for another draw)</span></h3>"
        f"<table style='border-collapse:collapse;width:100%' cellpadding='3'>"
        f"<tr><th></th>{head}<th>B − A</th></tr>{''.join(rows)}</table>{differ_html}</div>"
    )
    solara.HTML(tag="div", unsafe_innerHTML=html, style="padding: 8px; overflow: auto")


def _number(x: float, how: str) -> str:
    if not math.isfinite(x):
        return "–"
    if how == "percent":
        return f"{100 * x:.1f}%"
    if how == "hours":
        return f"{x:.2f} h"
    return f"{x:.3f}"


def _difference(d: float, how: str) -> str:
    if not math.isfinite(d):
        return "–"
    if how == "percent":
        return f"{100 * d:+.1f} points"
    if how == "hours":
        return f"{d:+.2f} h"
    return f"{d:+.3f}"


@solara.component
def AttainmentChart(model: SideBySide) -> None:
    """Quota attainment, year to date, for both policies."""
    update_counter.get()
    fig = _line_chart(model, "attainment", "Quota attainment, year to date", "% of quota", reference=100)
    _chart(fig, "attainment")


@solara.component
def RepsAtQuotaChart(model: SideBySide) -> None:
    """The share of reps at or above quota, year to date, for both policies."""
    update_counter.get()
    fig = _line_chart(model, "reps_at_quota", "Reps at or above quota, year to date", "% of reps")
    ax = fig.axes[0]
    ax.set_ylim(0, 100)
    if model.week > 0 and model.datacollector.get_model_vars_dataframe()["reps_at_quota A"].isna().all():
        ax.text(
            0.5,
            0.5,
            f"counted once reps have {MIN_WEEKS_FOR_REP_ATTAINMENT} weeks in seat",
            transform=ax.transAxes,
            ha="center",
            color="#777",
        )
    _chart(fig, "reps-at-quota")


@solara.component
def CoachingChart(model: SideBySide) -> None:
    """One-on-one coaching delivered, against each policy's target."""
    update_counter.get()
    df = model.datacollector.get_model_vars_dataframe()
    unit = registry.by_name("coaching.hours_per_rep_month").unit
    with mpl.rc_context(STYLE):
        fig = _figure()
        ax = fig.subplots()
        for key in KEYS:
            colour = COLOURS[key]
            ax.plot(df.index, df[f"coaching_this_week {key}"], color=colour, lw=1, alpha=0.45)
            ax.plot(
                df.index, df[f"coaching_hours_per_rep_month {key}"], color=colour, lw=2.2, label=f"{key}: year to date"
            )
            target = model.policies[key].values["coaching.hours_per_rep_month"]
            if target is None:
                ax.plot([], [], color=colour, ls="--", label=f"{key} policy: no set hours")
            else:
                ax.axhline(target, color=colour, ls="--", lw=1.5, label=f"{key} policy: {_fmt(target)} h")
        ax.set_title("Coaching delivered against the policy")
        ax.set_xlabel("week (thin line: this week)")
        ax.set_ylabel(unit)
        ax.set_xlim(0, max(model.total_weeks, 1))
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower right", fontsize=9, ncol=2)
    _chart(fig, "coaching")


@solara.component
def HoursChart(model: SideBySide) -> None:
    """This week's hours by activity, per person, for each tier and both policies."""
    update_counter.get()
    with mpl.rc_context(STYLE):
        fig = _figure(6.4, 5.2, left=0.06, right=0.7, top=0.95, bottom=0.09, hspace=0.55)
        axes = fig.subplots(3, 1)
        for ax, tier in zip(axes, ACTIVITIES, strict=True):
            left = np.zeros(len(KEYS))
            for activity in ACTIVITIES[tier]:
                widths = np.array([_mean_hours(model.runs[k], tier, activity) for k in KEYS])
                ax.barh(
                    [f"{k}" for k in KEYS],
                    widths,
                    left=left,
                    color=ACTIVITY_COLOURS.get(activity, "#cccccc"),
                    edgecolor="white",
                    label=activity.replace("_", " "),
                )
                left += widths
            ax.invert_yaxis()
            ax.set_title(f"{TIER_TITLES[tier]}: hours this week, per person", loc="left", fontsize=11)
            ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
            ax.grid(axis="y", visible=False)
        axes[-1].set_xlabel("hours a week")
        if model.week == 0:
            axes[0].text(0.5, 0.5, "press Step to run a week", transform=axes[0].transAxes, ha="center", color="#777")
    _chart(fig, "hours")


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
def TeamView(model: SideBySide, key: str) -> None:
    """One manager and their reps under policy ``key``; who is being coached this week."""
    update_counter.get()
    run = model.runs[key]
    _chart(_team_figure(model, key, min(_team.value, run.org.n_managers - 1)), f"team-{key}")


@solara.component
def TeamViewA(model: SideBySide) -> None:
    """Policy A's team view."""
    TeamView(model, "A")


@solara.component
def TeamViewB(model: SideBySide) -> None:
    """Policy B's team view."""
    TeamView(model, "B")


def _team_figure(model: SideBySide, key: str, i: int) -> Figure:
    run = model.runs[key]
    seats = run.team_seats(i)
    manager = run.manager_agents[i]
    cmap = mpl.colormaps["RdYlGn"]
    with mpl.rc_context(STYLE):
        fig = _figure(6.4, 3.9, left=0, right=1, top=0.92, bottom=0)
        ax = fig.subplots()
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(f"{key}: {model.policies[key].label}, manager {i + 1}'s team", color=COLOURS[key], fontsize=12)
        if manager is None:
            boss = "Manager seat vacant: the team is unmanaged while a manager is hired"
        else:
            h = manager.hours
            boss = (
                f"Manager {i + 1}: coaching quality {manager.coaching_quality:.2f}\n"
                f"this week: coaching {h['coaching']:.1f} h, ride-alongs {h['ride_alongs']:.1f} h, "
                f"selling {h['selling']:.1f} h, admin {h['admin'] + h['distractions']:.1f} h"
            )
        ax.text(
            0.5,
            0.9,
            boss,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"boxstyle": "round", "fc": "#eef3fa" if manager else "#f3f3f3", "ec": COLOURS[key]},
        )
        # reps in rows of up to 10 between the manager's box (top 0.74) and the footnote (0.08)
        per_row = min(max(len(seats), 1), 10)
        rows = max(1, math.ceil(len(seats) / per_row))
        band = 0.66 / rows
        aspect = fig.get_figwidth() / fig.get_figheight()  # an ellipse this tall draws a circle
        radius = min(0.045, 0.4 / per_row, (band - 0.09) / (2 * aspect))
        ledger = run.ledger
        for j, seat in enumerate(seats):
            row, col = divmod(j, per_row)
            in_row = min(per_row, len(seats) - row * per_row)
            x = (col + 0.5) / in_row
            y = 0.74 - band * row - radius * aspect - (0.1 if rows == 1 else 0.0)
            rep = run.rep_agents[seat]
            coached = float(run.week_hours["rep"]["being_coached"][seat]) if rep is not None else 0.0
            ax.plot(
                [0.5, x],
                [0.82, y + radius * aspect],
                color="#2ca02c" if coached > 0 else "#d0d0d0",
                lw=2.5 if coached > 0 else 1,
                zorder=1,
            )
            if rep is None:
                ax.add_patch(
                    mpl.patches.Ellipse(
                        (x, y), 2 * radius, 2 * radius * aspect, fc="white", ec="#999", ls="--", zorder=2
                    )
                )
                ax.text(x, y - radius * aspect - 0.01, "vacant", ha="center", va="top", fontsize=7, color="#777")
                continue
            quota = ledger.seat_quota[seat]
            att = ledger.seat_book[seat] / quota if quota > 0 else float("nan")
            colour = cmap(np.clip((att - 0.5), 0, 1)) if math.isfinite(att) else "#dddddd"
            ax.add_patch(
                mpl.patches.Ellipse(
                    (x, y),
                    2 * radius,
                    2 * radius * aspect,
                    fc=colour,
                    ec="#2ca02c" if coached > 0 else "#555",
                    lw=3 if coached > 0 else 1,
                    zorder=2,
                )
            )
            ax.text(x, y, f"{100 * att:.0f}%" if math.isfinite(att) else "–", ha="center", va="center", fontsize=7)
            note = f"coached\n{coached:.1f} h" if coached > 0 else "not\ncoached"
            if rep.tenure_weeks < run.p.rep.ramp_weeks:
                note += "\nnew hire"
            ax.text(
                x,
                y - radius * aspect - 0.01,
                note,
                ha="center",
                va="top",
                fontsize=7,
                color="#1b7a1b" if coached > 0 else "#777",
                fontweight="bold" if coached > 0 else "normal",
            )
        ax.text(
            0.5,
            0.0,
            "Green line: coached this week. Colour and number: the rep's attainment so far this year.",
            ha="center",
            va="bottom",
            fontsize=8,
            color="#555",
        )
    return fig


# ----------------------------------------------------------------------------- serving
def serve(host: str = "127.0.0.1", port: int = 8765, scenarios: str | os.PathLike[str] | None = None) -> int:
    """Serve the dashboard with solara until interrupted; return an exit code.

    ``scenarios`` is a folder whose ``*.toml`` files the page may load besides the shipped ones.
    """
    from solara.__main__ import cli
    from solara.server import settings

    if "SOLARA_TELEMETRY_MIXPANEL_ENABLE" not in os.environ:
        settings.telemetry.mixpanel_enable = False  # no usage reports from a workshop unless asked for
    if scenarios is not None:
        os.environ[SCENARIO_FOLDER_ENV] = str(Path(scenarios).resolve())
    args = ["run", str(Path(__file__).resolve()), "--host", host, "--port", str(port)]
    args += ["--production", "--no-open", "--no-check-version", "--log-level", "warning"]
    cli.main(args=args, prog_name="solara", standalone_mode=False)
    return 0
