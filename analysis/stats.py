"""Summary statistics across replications, returned as result objects with named fields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["MeanCI", "mean_ci"]


@dataclass(frozen=True)
class MeanCI:
    """A mean across replications with its t-based confidence interval."""

    mean: float
    std: float
    ci_low: float
    ci_high: float
    n: int
    level: float = 0.95

    @property
    def half_width(self) -> float:
        """Half the width of the confidence interval."""
        return (self.ci_high - self.ci_low) / 2


def mean_ci(values: np.ndarray | list[float], level: float = 0.95) -> MeanCI:
    """Mean, sample standard deviation and t confidence interval of finite ``values``.

    With one value the interval is undefined (NaN); with zero spread it collapses to the mean.
    """
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        nan = float("nan")
        return MeanCI(nan, nan, nan, nan, 0, level)
    mean = float(x.mean())
    if n == 1:
        return MeanCI(mean, float("nan"), float("nan"), float("nan"), 1, level)
    std = float(x.std(ddof=1))
    if std == 0:
        return MeanCI(mean, 0.0, mean, mean, n, level)
    low, high = stats.t.interval(level, n - 1, loc=mean, scale=std / np.sqrt(n))
    return MeanCI(mean, std, float(low), float(high), n, level)
