"""Summary statistics across replications, returned as result objects with named fields.

A mean's confidence interval is Student's t interval, except for a mean of shares (a value
between 0 and 1 in every run, such as ``reps_at_quota``), whose t interval can reach below 0 or
above 1 when there are few replications or the share is near a bound. A share's interval is
Wilson's score interval computed with the effective sample size of the mean (see
:func:`bounded_interval`), which always lies within [0, 1] and is the t interval when the mean is
well inside the bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.metrics import CROSS_SECTION

__all__ = ["SHARES", "UNIT_INTERVAL", "MeanCI", "bounded_interval", "bounds_of", "mean_ci"]

#: The bounds of a share.
UNIT_INTERVAL = (0.0, 1.0)
#: The metrics (canonical and the cross-section's) that are shares: between 0 and 1 in every run.
SHARES = frozenset(
    {
        "reps_at_quota",
        "manager_coaching_share",
        "manager_selling_share",
        "rep_selling_share",
        "mean_skill",
        "mean_motivation",
        *(name for name in CROSS_SECTION if name.startswith("share_")),
    }
)


def bounds_of(metric: str) -> tuple[float, float] | None:
    """The bounds every run's value of ``metric`` lies within: (0, 1) for a share, else None."""
    return UNIT_INTERVAL if metric in SHARES else None


@dataclass(frozen=True)
class MeanCI:
    """A mean across replications with its confidence interval (t, or Wilson-type for a share)."""

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


def bounded_interval(
    mean: np.ndarray | float,
    se: np.ndarray | float,
    n: np.ndarray | int,
    level: float = 0.95,
    bounds: tuple[float, float] = UNIT_INTERVAL,
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of a mean of ``n`` values that each lie within ``bounds``; vectorised.

    The method: the mean ``m`` (rescaled to [0, 1]) with standard error ``se`` carries as much
    information as a proportion from ``n_eff = m (1 - m) / se**2`` trials (the effective sample
    size, as Korn and Graubard 1998 use for proportions from clustered data), and the interval is
    Wilson's (1927) score interval for that proportion, with Student's t quantile on ``n - 1``
    degrees of freedom in place of the normal one::

        centre = (m + q**2 / (2 n_eff)) / (1 + q**2 / n_eff)
        half   = q / (1 + q**2 / n_eff) * sqrt(se**2 + q**2 / (4 n_eff**2))

    It lies within the bounds whatever ``n``, is asymmetric near a bound (the side towards it is
    shorter), and tends to the t interval ``m +- q se`` as ``n_eff`` grows. A mean on a bound with
    no spread, or with ``se`` 0, gives the point; ``n`` below 2 gives NaN.
    """
    lo, hi = bounds
    span = hi - lo
    m = (np.asarray(mean, float) - lo) / span
    s = np.asarray(se, float) / span
    n = np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf(0.5 + level / 2, n - 1)
        inside = m * (1 - m)
        n_eff = inside / s**2
        k = q**2 / n_eff
        centre = (m + k / 2) / (1 + k)
        half = q / (1 + k) * np.sqrt(s**2 + q**2 / (4 * n_eff**2))
        low, high = centre - half, centre + half
    flat = (s == 0) | (inside <= 0)
    low, high = np.where(flat, m, low), np.where(flat, m, high)
    none = (n < 2) | ~np.isfinite(m) | ~np.isfinite(s)
    low, high = np.where(none, np.nan, low), np.where(none, np.nan, high)
    low, high = np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)  # rounding only: Wilson's lies within
    return lo + span * low, lo + span * high


def mean_ci(values: np.ndarray | list[float], level: float = 0.95, bounds: tuple[float, float] | None = None) -> MeanCI:
    """Mean, sample standard deviation and confidence interval of finite ``values``.

    The interval is Student's t, or with ``bounds`` (every value within them, as a share's are
    within (0, 1): :func:`bounds_of`) the Wilson-type interval of :func:`bounded_interval`, which
    stays within the bounds. With one value the interval is undefined (NaN); with zero spread it
    collapses to the mean. A value outside ``bounds`` is a ``ValueError``.
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
    if bounds is not None:
        if x.min() < bounds[0] or x.max() > bounds[1]:
            raise ValueError(f"a value lies outside the bounds {bounds} given for the interval")
        low, high = bounded_interval(mean, std / np.sqrt(n), n, level, bounds)
        return MeanCI(mean, std, float(low), float(high), n, level)
    low, high = stats.t.interval(level, n - 1, loc=mean, scale=std / np.sqrt(n))
    return MeanCI(mean, std, float(low), float(high), n, level)
