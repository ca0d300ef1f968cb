"""The published figures the model must reproduce: T1-T7, T1x, T2x, C and D, and the settings they are measured in.

One definition for everyone who holds the model to them: :mod:`analysis.evidence.calibration`
fits the free parameters to them, :mod:`analysis.evidence.validation` checks the model against
them, and the workshop report cites them. docs/ODD.md (section 1) gives their sources.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.params import SEC

__all__ = ["DOSES", "PROTECTED", "TARGETS", "TYPICAL_RUNS", "Target", "paired", "protected", "runs_of"]

#: The per-run metric a dose-response target reads as what the reps received.
DELIVERED = "coaching_hours_per_rep_month"


@dataclass(frozen=True)
class Target:
    """A published figure the model must reproduce, and the setting it is measured in."""

    id: str
    fact: str
    metric: str
    low: float
    high: float
    source: str
    setting: Mapping[str, Any] = field(default_factory=dict)
    #: True for a range to stay inside rather than a figure to hit: the fit ignores its middle and,
    #: as for every target, penalises it steeply beyond COMFORT of its half-width from the middle
    bound: bool = False
    #: For a property of the protected dose-response (D): the set hours it is read at. Its
    #: settings are then those policies' (:func:`protected`), and its value is read off the
    #: curve of ``metric`` against the coaching delivered (:meth:`value`).
    doses: tuple[float, ...] = ()

    @property
    def middle(self) -> float:
        """The middle of the published range."""
        return (self.low + self.high) / 2

    @property
    def settings(self) -> tuple[Mapping[str, Any], ...]:
        """The settings whose runs measure the target: its own, or one per dose."""
        return tuple(protected(h) for h in self.doses) if self.doses else (self.setting,)

    def value(self, runs: Sequence[Sequence[Mapping[str, float]]]) -> float:
        """The target's value from the runs (metric dicts) of each of :attr:`settings`, in order.

        Across settings the runs are paired by position and only the runs every setting has
        count (the typical org has more, :data:`TYPICAL_RUNS`), so D keeps its common random numbers.

        A figure: the mean of ``metric`` over its runs (NaN where no run has it). A dose-response
        property: the smallest relative fall of the return per hour delivered from one dose to the
        next, ``1 - slope[k + 1] / slope[k]`` with slope = rise of the mean ``metric`` per hour of
        mean coaching delivered; -1 when the curve does not rise at every step, and at least -1
        (a slope twice the one before is as far from diminishing returns as the fit needs to know).
        """
        runs = paired(runs)
        means = [_mean([r[self.metric] for r in rs]) for rs in runs]
        if not self.doses:
            return means[0]
        delivered = np.array([_mean([r[DELIVERED] for r in rs]) for rs in runs])
        slopes = np.diff(means) / np.maximum(np.diff(delivered), 1e-12)
        if not np.all(np.isfinite(slopes)) or np.any(slopes <= 0) or np.any(np.diff(delivered) <= 0):
            return -1.0
        return float(max(-1.0, min(1 - b / a for a, b in itertools.pairwise(slopes))))


def paired(runs: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
    """The runs of several settings cut to those every setting has, which pair by position
    (replication ``i`` has the same seed in every setting: common random numbers)."""
    n = min(map(len, runs))
    return [rs[:n] for rs in runs]


def runs_of(setting: Mapping[str, Any], runs: int) -> int:
    """The runs ``setting`` gets where each policy gets ``runs``: the typical org (``{}``) gets more."""
    return runs * (TYPICAL_RUNS if not setting else 1)


def _mean(values: Sequence[float]) -> float:
    values = np.asarray(values, float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def protected(hours: float) -> dict[str, Any]:
    """The setting of protected coaching of ``hours`` a rep a month (0: the typical org, which a zero
    floor leaves as it is)."""
    return {**PROTECTED, "coaching.hours_per_rep_month": float(hours)} if hours else {}


#: How many times as many runs the typical org gets as each policy setting, wherever the targets
#: are measured (the calibration's seeds, ``validate``'s replications). Its cross-section's 3-hour
#: group (T1x) is a few percent of the reps, whole teams of them, so T1x varies by about 0.054
#: from run to run at 1536 reps, three times the spread of a whole-org figure; three times the runs
#: put its mean within about 0.008 at the calibration's 48. A target read across settings (D) uses
#: the runs they share, so its differences keep their common random numbers.
TYPICAL_RUNS = 3

#: The protected policies of T1 and T2: the typical org with a set coaching floor under a fully
#: inspected KPI (the shipped ``coaching_3h`` and ``coaching_1h`` scenarios), so every rep
#: receives at least the hours set.
PROTECTED = {"coaching.kpi_inspection": 1.0}
#: The set hours at which the fit and ``validate`` read the dose-response's curvature (D): the
#: typical org and the protected policies of 1, 2 and 3 hours, where the floor starts to bind.
DOSES = (0.0, 1.0, 2.0, 3.0)
TARGETS: tuple[Target, ...] = (
    Target(
        "T1",
        "reps given 3+ hours of coaching a month attain about 107% of goal",
        "rep_attainment_mean",
        1.04,
        1.10,
        SEC,
        protected(3.0),
    ),
    Target(
        "T2",
        "reps given 2 hours a month or less attain about 88-90%",
        "rep_attainment_mean",
        0.86,
        0.92,
        SEC,
        protected(1.0),
    ),
    Target(
        "T3",
        "share of reps at or above quota in a typical org",
        "reps_at_quota",
        0.50,
        0.62,
        "CSO Insights 2008-2015: 51.8%-59.4%",
    ),
    Target(
        "T4",
        "share of a front-line manager's time spent coaching",
        "manager_coaching_share",
        0.15,
        0.25,
        "Alexander Group 16%, EcSell ~19%, CSO Insights 20.8%",
    ),
    Target("T5", "annual rep turnover", "rep_turnover", 0.24, 0.32, "DePaul Center for Sales Leadership 28%"),
    Target(
        "T6", "share of a rep's time spent selling", "rep_selling_share", 0.30, 0.42, "CSO Insights 41%, HubSpot 34%"
    ),
    Target(
        "T7",
        "months for a new hire to reach full productivity",
        "ramp_months",
        4.0,
        9.0,
        "Bridge Group 3.2 (SDRs), CSO Insights ~9",
    ),
    Target(
        "T1x",
        "in the typical org, reps whose real coaching averaged 3+ hours a month attain about 107%",
        "attainment_coached_3h_plus",
        1.04,
        1.10,
        "the T1/T2 study read as the cross-section it is",
    ),
    Target(
        "T2x",
        "in the typical org, reps who received 2 hours a month or less attain about 88-90%",
        "attainment_coached_2h_or_less",
        0.86,
        0.92,
        "the T1/T2 study read as the cross-section it is",
    ),
    Target(
        "C",
        "the typical org's attainment lies between its T2x and T1x groups' (0 at T2x, 1 at T1x)",
        "attainment_between_groups",
        0.0,
        1.0,
        "follows from T1x, T2x and T3",
        bound=True,
    ),
    Target(
        "D",
        "protected coaching has diminishing returns: each hour more a rep a month adds less attainment "
        "per hour received than the hour before (the smallest relative fall, from 0 to 3 hours)",
        "rep_attainment_mean",
        0.0,
        1.0,
        "MODEL.md: skill has diminishing returns to coaching dose",
        bound=True,
        doses=DOSES,
    ),
)
