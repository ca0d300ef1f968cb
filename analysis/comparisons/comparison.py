"""A comparison's result: the runs of every scenario, its table of paired differences, its text.

:class:`Comparison` holds what :func:`analysis.compare` ran and the statistics of it; the charts
(:mod:`analysis.comparisons.plots`), the answer in words (:mod:`analysis.comparisons.answer`),
the report (:mod:`analysis.comparisons.report`) and the files (:mod:`analysis.comparisons.files`)
each take a Comparison, and this module imports none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.common import horizon
from analysis.common.stats import bounds_of, mean_ci
from analysis.comparisons.statistics import holm, paired_difference, verdict
from analysis.runs.runner import Replications
from sim.metrics import CANONICAL, METRICS, MIN_WEEKS_FOR_REP_ATTAINMENT
from sim.scenario import Scenario

if TYPE_CHECKING:
    from analysis.comparisons.robustness import EnsembleComparison

__all__ = ["COLUMNS", "HEADLINE_METRICS", "Comparison", "fmt_delta", "fmt_p", "fmt_value"]

#: The columns of ``comparison.csv``, in order.
COLUMNS = ("scenario", "metric", "mean", "ci_low", "ci_high", "delta", "delta_ci_low", "delta_ci_high", "p_value")

#: The metrics a room looks at first; the report leads with them.
HEADLINE_METRICS = (
    "attainment",
    "reps_at_quota",
    "rep_attainment_mean",
    "coaching_hours_per_rep_month",
    "manager_selling_share",
    "rep_turnover",
)

UNITS = {m.name: m.unit for m in METRICS}


@dataclass
class Comparison:
    """Scenarios run side by side: the comparison table, the runs behind it, and its figures.

    Attributes:
        labels: Scenario labels in the order compared (unique; the baseline among them).
        baseline: The label of the reference scenario.
        replications: Each scenario's :class:`~analysis.runs.runner.Replications`, by label.
        seed: The comparison's seed; ``n_replications`` replications per scenario.
        warmup: Warm-up weeks applied to every scenario (``None``: each scenario's own).
        overrides: Parameter values applied to every scenario.
        question: The question the comparison answers.
        command: The command line that made it (empty: made from Python).
        ensemble: The same comparison in every member of a calibrated ensemble
            (:class:`~analysis.comparisons.robustness.EnsembleComparison`), when one was asked for.
    """

    labels: list[str]
    baseline: str
    replications: dict[str, Replications]
    seed: int
    n_replications: int
    warmup: int | None
    overrides: dict[str, Any] = field(default_factory=dict)
    question: str = ""
    command: str = ""
    ensemble: EnsembleComparison | None = None

    @property
    def scenarios(self) -> dict[str, Scenario]:
        """Each scenario as run (comparison settings applied), by label."""
        return {label: r.scenario for label, r in self.replications.items()}

    def title(self, label: str) -> str:
        """A scenario's name in plain words (its title), marked as the label is when listed twice."""
        heading = self.scenarios[label].heading
        name = self.scenarios[label].name
        return heading + label[len(name) :] if label.startswith(name) else heading

    def metrics(self, label: str) -> pd.DataFrame:
        """One row per replication of scenario ``label``, every canonical metric."""
        return self.replications[label].metrics.sort_values("replication").reset_index(drop=True)

    @cached_property
    def table(self) -> pd.DataFrame:
        """Per scenario and metric: mean, 95% CI, paired delta from the baseline, its 95% CI,
        the Holm-adjusted p-value, and in words whether the difference is detectable.

        Columns: the :data:`COLUMNS` of ``comparison.csv``, then ``p_unadjusted``, ``n``,
        ``unit`` and ``verdict``.
        """
        base = self.metrics(self.baseline)
        rows = []
        for metric in CANONICAL:
            block = []
            for label in self.labels:
                df = self.metrics(label)
                s = mean_ci(df[metric].to_numpy(), bounds=bounds_of(metric))
                d = paired_difference(df[metric].to_numpy(), base[metric].to_numpy())
                block.append(
                    {
                        "scenario": label,
                        "metric": metric,
                        "mean": s.mean,
                        "ci_low": s.ci_low,
                        "ci_high": s.ci_high,
                        "delta": d.delta,
                        "delta_ci_low": d.ci_low,
                        "delta_ci_high": d.ci_high,
                        "p_unadjusted": d.p_value,
                        "n": d.n,
                        "unit": UNITS[metric],
                    }
                )
            family = [i for i, label in enumerate(self.labels) if label != self.baseline]
            adjusted = holm([block[i]["p_unadjusted"] for i in family])
            for row in block:
                row["p_value"] = row["p_unadjusted"]  # the baseline against itself: p = 1, no family
            for i, p in zip(family, adjusted, strict=True):
                block[i]["p_value"] = float(p)
            for row in block:
                row["verdict"] = verdict(
                    row["delta_ci_low"], row["delta_ci_high"], row["p_value"], row["scenario"] == self.baseline
                )
            rows.extend(block)
        return pd.DataFrame(rows, columns=[*COLUMNS, "p_unadjusted", "n", "unit", "verdict"])

    def row(self, label: str, metric: str) -> pd.Series:
        """The table's row for one scenario and metric."""
        t = self.table
        return t[(t["scenario"] == label) & (t["metric"] == metric)].iloc[0]

    @cached_property
    def delivery(self) -> pd.DataFrame:
        """Per scenario: the coaching its policy set against what the reps received.

        Columns: ``scenario``; ``target`` (hours a rep a month, NaN with no set hours);
        ``inspection`` (``coaching.kpi_inspection``); ``delivered`` with ``delivered_ci_low`` and
        ``delivered_ci_high`` (real one-on-one coaching received, hours a rep a month, mean over
        replications with its 95% CI); ``logged`` (what managers report as coaching: one-on-ones
        including ride-alongs, hours a rep a month); ``share_at_target`` (share of the reps scored,
        13+ counted weeks in seat, who received at least the target; NaN with no target).
        """
        rows = []
        for label in self.labels:
            reps = self.replications[label]
            values = reps.scenario.values
            target = values["coaching.hours_per_rep_month"]
            delivered = mean_ci(self.metrics(label)["coaching_hours_per_rep_month"].to_numpy())
            managers = reps.manager_table()
            logged = float("nan")
            if not managers.empty and managers["team_rep_weeks"].sum() > 0:
                weeks = managers["team_rep_weeks"]
                logged = float((managers["logged_coaching_hours_per_rep_month"].fillna(0) * weeks).sum() / weeks.sum())
            share = float("nan")
            table = reps.rep_table()
            if target is not None and not table.empty:
                scored = table[table["counted_weeks"] >= MIN_WEEKS_FOR_REP_ATTAINMENT]
                share = float((scored["coaching_hours_per_month"] >= target - 1e-9).mean())
            rows.append(
                {
                    "scenario": label,
                    "target": np.nan if target is None else float(target),
                    "inspection": float(values["coaching.kpi_inspection"]),
                    "delivered": delivered.mean,
                    "delivered_ci_low": delivered.ci_low,
                    "delivered_ci_high": delivered.ci_high,
                    "logged": logged,
                    "share_at_target": share,
                }
            )
        return pd.DataFrame(rows)

    def format_table(self, metrics: Sequence[str] = CANONICAL) -> str:
        """The table as readable text: one block per metric, one line per scenario."""
        width = max(len(label) for label in self.labels)
        head = (
            f"  {'scenario':{width}}  {'mean':>9}  {'95% CI':>20}  {'delta':>9}  {'delta 95% CI':>20}"
            f"  {'p (Holm)':>8}  verdict"
        )
        lines = [
            f"{len(self.labels)} scenarios x {self.n_replications} replications, seed {self.seed}, common random "
            f"numbers; deltas are paired differences from {self.baseline}; p-values Holm-adjusted over the "
            f"{len(self.labels) - 1} scenario(s) compared with it, per metric.",
            horizon.sentence(self.warmup),
        ]
        for metric in metrics:
            lines += ["", f"{metric} ({UNITS[metric]})", head]
            for label in self.labels:
                r = self.row(label, metric)
                is_base = label == self.baseline
                ci = f"[{_num(r['ci_low'])}, {_num(r['ci_high'])}]"
                if is_base:
                    lines.append(
                        f"  {label:{width}}  {_num(r['mean']):>9}  {ci:>20}  {'':>9}  {'':>20}  {'':>8}  baseline"
                    )
                    continue
                dci = f"[{_num(r['delta_ci_low'], True)}, {_num(r['delta_ci_high'], True)}]"
                lines.append(
                    f"  {label:{width}}  {_num(r['mean']):>9}  {ci:>20}  {_num(r['delta'], True):>9}  {dci:>20}"
                    f"  {_p(r['p_value']):>8}  {r['verdict']}"
                )
        return "\n".join(lines)


def _num(x: float, signed: bool = False) -> str:
    if not np.isfinite(x):
        return "n/a"
    sign = "+" if signed else ""
    return f"{x:{sign},.0f}" if abs(x) >= 1000 else f"{x:{sign}.3f}"


def _p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_value(x: float, unit: str) -> str:
    """A metric value for people: fractions as percentages, money with separators."""
    if not np.isfinite(x):
        return "n/a"
    if unit in ("fraction", "1/year"):
        return f"{100 * x:.1f}%" + (" a year" if unit == "1/year" else "")
    if unit == "currency":
        return f"{x:,.0f}"
    if unit.startswith("hours"):
        return f"{x:.2f} h"
    return f"{x:.3f}"


def fmt_delta(x: float, unit: str) -> str:
    """A difference for people: fractions in percentage points."""
    if not np.isfinite(x):
        return "n/a"
    if unit in ("fraction", "1/year"):
        return f"{100 * x:+.1f} pts"
    if unit == "currency":
        return f"{x:+,.0f}"
    if unit.startswith("hours"):
        return f"{x:+.2f} h"
    return f"{x:+.3f}"


def fmt_p(p: float) -> str:
    """A p-value for people."""
    return _p(p)
