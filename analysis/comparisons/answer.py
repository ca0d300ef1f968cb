"""A comparison's answer in plain words: one sentence per policy, its effect and how sure we are.

The sentences name policies by their titles and metrics by their labels (``sim.metrics``), give
each effect with its paired 95% confidence interval, and say plainly when the runs cannot tell an
effect from no change. Identifiers appear only in the command that reproduces a comparison.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.comparisons.comparison import HEADLINE_METRICS, Comparison
from analysis.comparisons.palette import judgement
from sim.metrics import METRICS

__all__ = [
    "LEAD_METRIC",
    "SIDE_METRICS",
    "answer",
    "effect_words",
    "finding",
    "findings",
    "policy_sentence",
    "sentences",
]

#: The metric each policy's sentence leads with, and the ones it mentions when they change.
LEAD_METRIC = "attainment"
SIDE_METRICS = ("reps_at_quota", "rep_turnover")

LABELS = {m.name: m.label for m in METRICS}
UNITS = {m.name: m.unit for m in METRICS}


def _bound(x: float, unit: str) -> str:
    """A number in the metric's unit for people: percentage points for fractions, hours, money."""
    if unit in ("fraction", "1/year"):
        return f"{100 * x:.1f}"
    if unit.startswith("hours"):
        return f"{x:.2f}"
    if unit == "currency":
        return f"{x:,.0f}"
    return f"{x:.3f}"


def _amount(x: float, unit: str) -> str:
    """A size without sign, with its unit: "4.2 points", "0.50 hours"."""
    word = {"fraction": " points", "1/year": " points"}.get(unit, " hours" if unit.startswith("hours") else "")
    return _bound(abs(x), unit) + word


def _ci(r: pd.Series) -> str:
    unit = r["unit"]
    return f"95% CI {_bound(r['delta_ci_low'], unit)} to {_bound(r['delta_ci_high'], unit)}"


def effect_words(r: pd.Series) -> str:
    """The change in one metric in words: "attainment rises by 4.2 points (95% CI 3.1 to 5.3)"."""
    metric, unit = r["metric"], r["unit"]
    name = LABELS.get(metric, metric)
    if not np.isfinite(r["delta_ci_low"]):
        return f"{name} changes by an amount too few replications cannot bound"
    if r["delta"] == 0 and r["delta_ci_low"] == r["delta_ci_high"] == 0:
        return f"{name} is the same as the reference's in every replication: the policy changes nothing here"
    if r["verdict"].startswith(("higher", "lower")) and r["verdict"] not in ("higher", "lower"):
        verb = "may rise" if r["delta"] > 0 else "may fall"
        return (
            f"{name} {verb} by {_amount(r['delta'], unit)} ({_ci(r)}), but not by more than chance could explain "
            "once the number of policies compared is allowed for"
        )
    if r["verdict"] not in ("higher", "lower"):
        sign = "+" if r["delta"] >= 0 else "-"
        return f"{name} does not change by more than chance could explain ({sign}{_amount(r['delta'], unit)}, {_ci(r)})"
    verb = "rises" if r["delta"] > 0 else "falls"
    good = judgement(metric, r["delta"])
    tag = {"good": ", which is good", "bad": ", which is bad"}.get(good or "", "") if metric != LEAD_METRIC else ""
    return f"{name} {verb} by {_amount(r['delta'], unit)} ({_ci(r)}){tag}"


def policy_sentence(comp: Comparison, label: str) -> str:
    """One sentence for one policy against the comparison's reference."""
    title = comp.scenarios[label].heading
    lead = effect_words(comp.row(label, LEAD_METRIC))
    text = f"{title}: {lead}"
    sides = [comp.row(label, m) for m in SIDE_METRICS]
    moved = [effect_words(r) for r in sides if r["verdict"] in ("higher", "lower")]
    if moved:
        text += "; " + "; ".join(moved)
    delivery = comp.delivery.set_index("scenario").loc[label]
    if np.isfinite(delivery["target"]) and delivery["target"] > 0:
        text += (
            f"; it delivered {delivery['delivered']:.1f} hours of real coaching a rep a month "
            f"against {delivery['target']:g} set"
        )
    return text + "."


def sentences(comp: Comparison) -> list[tuple[str, str]]:
    """(label, sentence) for every policy but the reference, in the comparison's order."""
    return [(label, policy_sentence(comp, label)) for label in comp.labels if label != comp.baseline]


def answer(comp: Comparison) -> list[str]:
    """The answer in plain words: one sentence per policy against the reference."""
    return [text for _, text in sentences(comp)]


def findings(comp: Comparison, metrics: Sequence[str] = HEADLINE_METRICS) -> tuple[list[str], list[str]]:
    """Lines for the detectable differences from the baseline and for those that are not."""
    detectable, not_detectable = [], []
    for label in comp.labels:
        if label == comp.baseline:
            continue
        for metric in metrics:
            r = comp.row(label, metric)
            text = finding(r, comp)
            (detectable if r["verdict"] in ("higher", "lower") else not_detectable).append(text)
    return detectable, not_detectable


def finding(r: pd.Series, comp: Comparison) -> str:
    """A line of the findings list: policy, metric and the change, in words."""
    title = comp.scenarios[r["scenario"]].heading
    return f"{title}: {effect_words(r)}; Holm-adjusted p {_p(r['p_value'])}."


def _p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
