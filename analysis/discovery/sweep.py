"""Scenario discovery on a finished sweep: where in the swept ranges a metric is below (or above) a value.

A sweep (``python run.py sweep ... --out DIR``) runs the model at many points of its varied
parameters. :func:`discover_sweep` reads the sweep's run store, takes each point's mean of one
canonical metric over its replications, flags the points whose mean is below ``below`` (or
above ``above``) as the *cases of interest*, and hands the varied numeric parameters and the
flags to PRIM, the Patient Rule Induction Method (Friedman and Fisher 1999, "Bump hunting in
high-dimensional data", *Statistics and Computing* 9:123-143), used for *scenario discovery* as
Bryant and Lempert (2010, "Thinking inside the box", *Technological Forecasting and Social
Change* 77:34-49) proposed: :mod:`analysis.discovery.prim`. The answer is a box, "where A is
above a and B is below b", with its coverage (the share of all cases inside it), density (the
share of its points that are cases) and mass (the share of all points inside it), and one
sentence for a report (:meth:`SweepDiscovery.sentence`). :func:`write_discovery` writes it into
a folder of its own: ``discovery.csv``, ``trajectory.csv``, ``points.csv``, ``discovery.png`` and
``.svg``, and ``discovery.json``.

Which parameters are searched: every varied parameter whose registry kind is a number (``int``
or ``float``; a whole-number choice too, its values being ordered) or true/false (as 1 and 0).
A varied parameter of text values (a choice such as ``coaching.allocation``, a roster file) has
no order to cut, and one left unset (``none``) at some points has no value there: both are left
out of the search, kept in the per-point table, and named in the result's ``note``.

Which points: a point counts once, with the mean of its replications' finite values of the
metric (non-finite values are left out, as ``summary.csv`` does). A point with no run stored
(an interrupted sweep) or no finite value (e.g. ``rep_attainment_mean`` in a run shorter than
13 counted weeks) is left out, and the note says how many. PRIM needs at least
:data:`MIN_POINTS` points.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.common.labels import label
from analysis.common.outputs import claim, publish
from analysis.comparisons.plots import save_figure
from analysis.discovery.plots import prim_figure
from analysis.discovery.prim import BOX_TABLE_COLUMNS, PrimResult, box_table, describe, format_value, prim
from analysis.sweeps.spec import SPEC_FILE, read_meta
from analysis.sweeps.store import read_runs
from sim import params as registry
from sim.metrics import CANONICAL, METRICS, Metric
from sim.params import ParameterError

__all__ = [
    "DISCOVERY_FILES",
    "MIN_POINTS",
    "SweepDiscovery",
    "discover_sweep",
    "format_discovery",
    "parameter_label",
    "write_discovery",
]

#: PRIM on fewer points than this says nothing a reader should trust.
MIN_POINTS = 10
#: What :func:`write_discovery` writes into its folder.
DISCOVERY_FILES = (
    "discovery.csv",
    "trajectory.csv",
    "points.csv",
    "discovery.png",
    "discovery.svg",
    "discovery.json",
)
#: Units that read well after a number in the sentence ("above 25 hours/week"); others
#: ("share", "coach skill (0-1)") are left out of it.
_COUNTED_UNITS = ("hours", "weeks", "reps", "managers", "visits", "opportunities")
#: The method, as discovery.json cites it.
METHOD = (
    "PRIM, the Patient Rule Induction Method (Friedman and Fisher 1999, Statistics and Computing 9:123-143), "
    "for scenario discovery (Bryant and Lempert 2010, Technological Forecasting and Social Change 77:34-49)"
)


@dataclass(frozen=True, eq=False)
class SweepDiscovery:
    """The box PRIM found in a sweep's points where a metric is below (or above) a value.

    Attributes:
        folder: The sweep's folder.
        metric: The canonical metric (``sim.metrics.CANONICAL``).
        rule: The cases of interest in words: "attainment below 0.95".
        prim: PRIM's result (:class:`analysis.discovery.prim.PrimResult`); its rows are those of
            ``points``.
        points: One row per point used: ``point``, every varied parameter (dotted name), ``n``
            (replications with a finite value of the metric), ``<metric>_mean``, ``case`` (the
            mean meets the rule) and ``in_box`` (the point is inside PRIM's box).
        parameters: The varied parameters PRIM searched, in the sweep's order.
        left_out: Varied parameters not searched -> why.
        below: The value the mean must be below to be a case, or None.
        above: The value the mean must be above to be a case, or None.
        points_in_sweep: The points of the sweep's design.
        scenario: The swept scenario's name.
        note: What was left out, and PRIM's own note (no cases, the threshold not met); empty
            when there is nothing to say.
    """

    folder: Path
    metric: str
    rule: str
    prim: PrimResult
    points: pd.DataFrame = field(repr=False)
    parameters: tuple[str, ...]
    left_out: Mapping[str, str]
    below: float | None
    above: float | None
    points_in_sweep: int
    scenario: str = ""
    note: str = ""

    @property
    def subject(self) -> str:
        """The rule as the clause a sentence opens with: "Attainment is below 0.95"."""
        what = _metric(self.metric).label
        name = what if what == self.metric else f"{what} ({self.metric})"
        side, value = ("below", self.below) if self.below is not None else ("above", self.above)
        assert value is not None
        return f"{name[:1].upper()}{name[1:]} is {side} {_number(value)}"

    def sentence(self) -> str:
        """One plain-English sentence on the box (:func:`analysis.discovery.prim.describe`).

        Parameters are called "meaning (dotted.name)", e.g. "rep admin (rep.admin_hours_per_week)";
        counted units (hours, weeks, reps) follow their limits.
        """
        labels = {name: parameter_label(name) for name in self.parameters}
        units = {name: u for name in self.parameters if (u := _unit(name))}
        return describe(self.prim, subject=self.subject, labels=labels, units=units)

    def box_table(self) -> pd.DataFrame:
        """The box, one row per restricted parameter (:func:`analysis.discovery.prim.box_table`)."""
        return box_table(self.prim)

    def figure(self) -> Figure:
        """The trajectory and the box (:func:`analysis.discovery.plots.prim_figure`), titled with the rule."""
        subject = self.subject
        where = f"{subject[:1].lower()}{subject[1:]}"
        sweep = f"{self.scenario} sweep" if self.scenario else str(self.folder)
        return prim_figure(self.prim, title=f"Where {where} ({sweep}, {self.prim.total_points:,} points)")

    def __repr__(self) -> str:
        return f"SweepDiscovery(folder={str(self.folder)!r}, rule={self.rule!r}, prim={self.prim!r})"


# ----------------------------------------------------------------------------- words
def parameter_label(name: str) -> str:
    """A parameter as a sentence names it: the first clause of its help, then its dotted name.

    ``rep.admin_hours_per_week`` is "rep admin (rep.admin_hours_per_week)"; a parenthesis
    closing the clause is dropped ("personal quota a manager carries (manager.quota_share)").
    """
    help_text = registry.by_name(name).help
    first = help_text.split(". ")[0].split(": ")[0].rstrip(".").strip()
    first = re.sub(r"\s*\([^()]*\)$", "", first).strip()
    if not first:
        return name
    return f"{first[0].lower()}{first[1:]} ({name})"


def _unit(name: str) -> str:
    unit = registry.by_name(name).unit
    return unit if re.split(r"[ /]", unit, maxsplit=1)[0] in _COUNTED_UNITS else ""


def _number(value: float) -> str:
    """A threshold as the user gave it, to 6 significant digits (0.95, 1.0855)."""
    return f"{value:.6g}"


def _metric(name: str) -> Metric:
    return next(m for m in METRICS if m.name == name)


# ----------------------------------------------------------------------------- checks
def _check_metric(metric: Any) -> str:
    if isinstance(metric, str) and metric in CANONICAL:
        return metric
    hint = registry.suggest(str(metric), CANONICAL)
    raise ParameterError(
        f"{label('metric')} {metric!r}: not a canonical metric{hint}; expected one of {', '.join(CANONICAL)}"
    )


def _check_rule(below: Any, above: Any) -> tuple[str, float]:
    given = [(name, v) for name, v in (("below", below), ("above", above)) if v is not None]
    if len(given) != 1:
        what = "both were given" if given else "neither was given"
        raise ParameterError(
            f"give exactly one of {label('below')} or {label('above')} ({what}): the cases of interest are the "
            f"points whose mean is below the one value, or above the other"
        )
    side, value = given[0]
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ParameterError(f"{label(side)} {value!r}: expected a finite number")
    return side, float(value)


def _read_sweep(folder: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    if not folder.exists():
        raise ParameterError(f"{folder}: no such folder; give the --out folder of a finished `sweep`")
    if not folder.is_dir():
        raise ParameterError(f"{folder} is a file, not a sweep folder; give the --out folder of a finished `sweep`")
    meta = read_meta(folder)  # a damaged sweep.json is a ParameterError naming it
    if meta is None:
        raise ParameterError(
            f"{folder}: not a sweep folder ({SPEC_FILE} is missing); give the --out folder of a finished `sweep`"
        )
    return meta, read_runs(folder)


def _searchable(name: str, column: pd.Series) -> str:
    """Why a varied parameter cannot be searched, or "" when it can."""
    param = registry.by_name(name)
    if param.kind not in (int, float, bool):
        return "its values are text, with no order to cut"
    values = pd.to_numeric(column, errors="coerce").astype(float)
    if not np.isfinite(values).all():
        return "it is unset at some points"
    return ""


# ----------------------------------------------------------------------------- discovery
def discover_sweep(
    folder: str | os.PathLike[str],
    metric: str,
    *,
    below: float | None = None,
    above: float | None = None,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> SweepDiscovery:
    """Find the region of a finished sweep's varied parameters where ``metric`` is below (or above) a value.

    Each point's value is the mean of its replications' finite values of ``metric``, read from
    the sweep's run store (``runs/``); points with none are left out. The cases of interest are
    the points whose mean is strictly below ``below`` (or strictly above ``above``). PRIM
    (:func:`analysis.discovery.prim.prim`) then searches the varied numeric parameters (text
    choices, and parameters unset at some points, are left out: the result's ``note`` names
    them), with ``paste_alpha`` at PRIM's default.

    Args:
        folder: A sweep's folder (``python run.py sweep ... --out DIR``).
        metric: A canonical metric (``sim.metrics.CANONICAL``), e.g. ``attainment``.
        below: The cases are the points whose mean is below this. Exactly one of ``below`` and
            ``above`` is given.
        above: The cases are the points whose mean is above this.
        threshold: The density a box must reach to be chosen for its coverage, in (0, 1).
        peel_alpha: The share of the box's points each peel removes, in (0, 1).
        mass_min: Peeling stops before the box holds less than this share of the points, in (0, 1).

    Returns:
        A :class:`SweepDiscovery`.

    Raises:
        ParameterError: An unknown metric (the closest canonical name is suggested); both or
            neither of ``below`` and ``above``; a folder that is missing or holds no sweep; a
            sweep that varies no numeric parameter, or has fewer than :data:`MIN_POINTS` points
            with a value of ``metric``; a share outside (0, 1).
    """
    metric = _check_metric(metric)
    side, value = _check_rule(below, above)
    folder = Path(folder)
    meta, runs = _read_sweep(folder)
    names = [str(d["name"]) for d in meta["spec"]["vary"]]
    design = meta.get("design") or {}
    points_in_sweep = int(design.get("points") or (int(runs["point"].max()) + 1 if len(runs) else 0))

    values = runs[metric].astype(float)
    runs = runs.assign(**{metric: values.where(np.isfinite(values))})
    grouped = runs.groupby("point", sort=True)
    table = grouped[names].first()
    table["n"] = grouped[metric].count()
    table[f"{metric}_mean"] = grouped[metric].mean()
    table = table[table["n"] > 0].reset_index()
    left_out = {name: why for name in names if (why := _searchable(name, table[name]))}
    parameters = tuple(name for name in names if name not in left_out)
    if not parameters:
        reasons = "; ".join(f"{name}: {why}" for name, why in left_out.items())
        raise ParameterError(
            f"{folder}: the sweep varies no numeric parameter for scenario discovery to search ({reasons})"
        )
    if len(table) < MIN_POINTS:
        raise ParameterError(
            f"{folder}: {len(table)} of the sweep's {points_in_sweep:,} points have a value of {metric}; scenario "
            f"discovery needs at least {MIN_POINTS} (run a larger sweep, or resume this one)"
        )
    x = table[list(parameters)].astype(float)
    mean = table[f"{metric}_mean"].to_numpy(float)
    cases = mean < value if side == "below" else mean > value
    result = prim(x, cases, peel_alpha=peel_alpha, mass_min=mass_min, threshold=threshold)
    table["case"] = cases
    table["in_box"] = result.inside

    notes = []
    missing = points_in_sweep - len(table)
    if missing > 0:
        notes.append(f"{missing:,} of the {points_in_sweep:,} points have no value of {metric} and are left out")
    notes += [f"{name} is not searched: {why}" for name, why in left_out.items()]
    if result.note:
        notes.append(result.note)
    scenario = meta.get("scenario")
    return SweepDiscovery(
        folder=folder,
        metric=metric,
        rule=f"{metric} {side} {_number(value)}",
        prim=result,
        points=table,
        parameters=parameters,
        left_out=left_out,
        below=value if side == "below" else None,
        above=value if side == "above" else None,
        points_in_sweep=points_in_sweep,
        scenario=str(scenario.get("name", "")) if isinstance(scenario, Mapping) else "",
        note="; ".join(notes),
    )


# ----------------------------------------------------------------------------- text and files
def format_discovery(result: SweepDiscovery) -> str:
    """A few lines for the terminal: the cases, the box as a table, the sentence and any note."""
    p = result.prim
    lines = [
        f"scenario discovery (PRIM) on {result.folder}: {result.rule} in {p.total_cases:,} of "
        f"{p.total_points:,} points ({p.base_density:.0%})",
        f"searched: {', '.join(result.parameters)}",
    ]
    table = result.box_table()
    if len(table):
        lines.append("")
        lines.append(f"{'parameter':<34} {'low':>10} {'high':>10} {'full range':>22} {'quasi-p':>9}")
        for row in table.itertuples():
            full = f"{format_value(row.min)} to {format_value(row.max)}"
            lines.append(
                f"{row.parameter:<34} {format_value(row.low):>10} {format_value(row.high):>10} {full:>22} "
                f"{row.quasi_p:>9.2g}"
            )
        lines.append(
            f"coverage {p.coverage:.0%}, density {p.density:.0%}, mass {p.mass:.0%} "
            f"({p.cases:,} cases among the {p.points:,} points in the box)"
        )
    lines += ["", result.sentence()]
    if result.note:
        lines.append(f"note: {result.note}")
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    """A value as JSON holds it: NaN and infinities become null, numpy scalars Python ones."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _record(result: SweepDiscovery) -> dict[str, Any]:
    p = result.prim
    m = _metric(result.metric)
    mean = f"{result.metric}_mean"
    return {
        "method": METHOD,
        "sweep": str(result.folder),
        "scenario": result.scenario,
        "metric": result.metric,
        "metric_meaning": m.help,
        "metric_better": m.better,
        "rule": result.rule,
        "below": result.below,
        "above": result.above,
        "threshold": p.threshold,
        "met_threshold": p.met_threshold,
        "coverage": _plain(p.coverage),
        "density": _plain(p.density),
        "mass": _plain(p.mass),
        "cases_in_box": p.cases,
        "points_in_box": p.points,
        "cases": p.total_cases,
        "points": p.total_points,
        "points_in_sweep": result.points_in_sweep,
        "base_density": _plain(p.base_density),
        "box": {
            name: {
                "low": low,
                "high": high,
                "min": p.full_range[name][0],
                "max": p.full_range[name][1],
                "quasi_p": _plain(p.quasi_p[name]),
                "label": parameter_label(name),
            }
            for name, (low, high) in p.box.items()
        },
        "parameters": list(result.parameters),
        "left_out": dict(result.left_out),
        "sentence": result.sentence(),
        "note": result.note,
        "columns": {
            "discovery.csv": {
                "parameter": "a parameter the box restricts (dotted name), smallest quasi-p-value first",
                "low": "the box's low limit, inclusive (the full-range minimum when only the high end is cut)",
                "high": "the box's high limit, inclusive (the full-range maximum when only the low end is cut)",
                "min": "the parameter's smallest value among the points",
                "max": "the parameter's largest value among the points",
                "quasi_p": "one-sided binomial test of the box against the box without this restriction "
                "(Bryant and Lempert 2010): small when the restriction matters",
                "coverage": "share of all cases of interest that are inside the box",
                "density": "share of the points inside the box that are cases of interest",
                "mass": "share of all points that are inside the box",
            },
            "trajectory.csv": {
                "step": "the box's step, 0 the box of every point",
                "phase": "peel (removing points from an end) or paste (adding them back)",
                "coverage": "share of all cases of interest inside this box",
                "density": "share of this box's points that are cases of interest",
                "mass": "share of all points inside this box",
                "points": "points inside this box",
                "cases": "cases of interest inside this box",
                "restricted": "parameters this box restricts",
                "<parameter>_low, <parameter>_high": "this box's inclusive limits on each searched parameter",
            },
            "points.csv": {
                "point": "the point's number in the sweep's design (points.parquet)",
                "<parameter>": "the varied parameter's value at the point (dotted name)",
                "n": f"replications with a finite value of {result.metric}",
                mean: f"the mean of {result.metric} over the point's replications",
                "case": f"the point is a case of interest: {result.rule}",
                "in_box": "the point is inside the box",
            },
        },
    }


def _write_files(result: SweepDiscovery, folder: Path) -> None:
    table = result.box_table().loc[:, list(BOX_TABLE_COLUMNS)]
    table.to_csv(folder / "discovery.csv", index=False)
    result.prim.trajectory.to_csv(folder / "trajectory.csv", index=False)
    result.points.to_csv(folder / "points.csv", index=False)
    fig = result.figure()
    try:
        save_figure(fig, folder / "discovery")
    finally:
        fig.clear()
    text = json.dumps(_record(result), indent=2, allow_nan=False) + "\n"
    (folder / "discovery.json").write_text(text, encoding="utf-8")


def write_discovery(result: SweepDiscovery, out: str | os.PathLike[str], *, replace: bool = True) -> Path:
    """Write the discovery into folder ``out`` whole; return it.

    Files: ``discovery.csv`` (the box, :func:`analysis.discovery.prim.box_table`),
    ``trajectory.csv`` (the peeling and pasting trajectory), ``points.csv`` (the points used,
    with ``case`` and ``in_box``), ``discovery.png`` and ``discovery.svg`` (the chart) and
    ``discovery.json`` (the rule, the sweep, the settings, coverage, density, mass, the box, the
    sentence and what every column means). The folder is claimed for ``discover``
    (:func:`analysis.common.outputs.claim`: one writer at a time, never another command's
    folder, e.g. never the sweep's own) and the files replace the previous ones whole. With
    ``replace`` false, a folder that already holds a discovery is refused (a default folder).
    """
    out = Path(out)
    with claim(out, "discover", DISCOVERY_FILES, replace=replace):
        publish(out, lambda folder: _write_files(result, folder))
    return out
