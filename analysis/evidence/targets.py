"""The published figures the model must reproduce: T1-T7, T1x, T2x and C, and the settings they are measured in.

One definition for everyone who holds the model to them: :mod:`analysis.evidence.calibration`
fits the free parameters to them, :mod:`analysis.evidence.validation` checks the model against
them, and the workshop report cites them. docs/ODD.md (section 1) gives their sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.params import SEC

__all__ = ["PROTECTED", "TARGETS", "Target"]


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

    @property
    def middle(self) -> float:
        """The middle of the published range."""
        return (self.low + self.high) / 2


#: The protected policies of T1 and T2: the typical org with a set coaching floor under a fully
#: inspected KPI (the shipped ``coaching_3h`` and ``coaching_1h`` scenarios), so every rep
#: receives at least the hours set.
PROTECTED = {"coaching.kpi_inspection": 1.0}
TARGETS: tuple[Target, ...] = (
    Target(
        "T1",
        "reps given 3+ hours of coaching a month attain about 107% of goal",
        "rep_attainment_mean",
        1.04,
        1.10,
        SEC,
        {**PROTECTED, "coaching.hours_per_rep_month": 3.0},
    ),
    Target(
        "T2",
        "reps given 2 hours a month or less attain about 88-90%",
        "rep_attainment_mean",
        0.86,
        0.92,
        SEC,
        {**PROTECTED, "coaching.hours_per_rep_month": 1.0},
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
)
