"""The paired statistics of a comparison: differences from the baseline, Holm's adjustment, the verdict.

Each scenario's difference from the baseline is taken replication by replication (common random
numbers), with the t confidence interval of the paired differences and a two-sided p-value that
Holm's step-down method adjusts over the scenarios compared with the baseline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.common.stats import mean_ci

__all__ = ["NO_DIFFERENCE", "PairedDifference", "holm", "paired_difference", "verdict"]

NO_DIFFERENCE = "no detectable difference"


@dataclass(frozen=True)
class PairedDifference:
    """The mean of paired differences ``x - y`` with its t confidence interval and p-value.

    ``p_value`` is the two-sided p-value of the paired t-test of a zero mean difference (as
    ``scipy.stats.ttest_rel``). Differences that are all exactly zero give a zero-width
    interval and p = 1; equal non-zero differences give a zero-width interval and p = 0.
    """

    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    std: float
    n: int
    level: float = 0.95

    @property
    def detectable(self) -> bool:
        """True when the confidence interval excludes zero."""
        return bool(np.isfinite(self.ci_low) and (self.ci_low > 0 or self.ci_high < 0))


def paired_difference(x: Sequence[float], y: Sequence[float], level: float = 0.95) -> PairedDifference:
    """Paired t statistics of ``x - y`` over the pairs where both values are finite."""
    a, b = np.asarray(x, float), np.asarray(y, float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.shape} and {b.shape}")
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    s = mean_ci(d, level)
    if s.n < 2:
        return PairedDifference(s.mean, s.ci_low, s.ci_high, float("nan"), s.std, s.n, level)
    if not np.any(d != d[0]):  # all pairs differ by the same amount (std may be a rounding hair off 0)
        return PairedDifference(s.mean, s.mean, s.mean, 1.0 if s.mean == 0 else 0.0, 0.0, s.n, level)
    t = s.mean / (s.std / math.sqrt(s.n))
    p = float(2 * stats.t.sf(abs(t), s.n - 1))
    return PairedDifference(s.mean, s.ci_low, s.ci_high, p, s.std, s.n, level)


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (NaN stays NaN, outside the family).

    With the m finite p-values sorted ascending, p_(1) <= ... <= p_(m), the adjusted value of
    p_(i) is max over j <= i of min(1, (m - j + 1) p_(j)). It controls the family-wise error
    rate without assuming independence.
    """
    p = np.asarray(p_values, float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = finite.size
    if m == 0:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out


def verdict(delta_ci_low: float, delta_ci_high: float, p_value: float, is_baseline: bool = False) -> str:
    """Plain words for one difference from the baseline."""
    if is_baseline:
        return "baseline"
    if not (np.isfinite(delta_ci_low) and np.isfinite(delta_ci_high)):
        return "not enough replications to tell"
    if delta_ci_low <= 0 <= delta_ci_high:
        return NO_DIFFERENCE
    direction = "higher" if delta_ci_low > 0 else "lower"
    if np.isfinite(p_value) and p_value >= 0.05:
        return f"{direction}, but not significant after Holm adjustment"
    return direction
