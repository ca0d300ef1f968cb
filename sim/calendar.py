"""The calendar (ODD 7.1): a step is a week; months, quarters and the quota year in weeks."""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "QUOTA_YEAR_WEEKS",
    "ROLLING_WEEKS",
    "WEEKS_PER_MONTH",
    "WEEKS_PER_QUARTER",
    "WEEKS_PER_YEAR",
    "weekly_hazard",
]

WEEKS_PER_YEAR = 52
WEEKS_PER_MONTH = 52 / 12
WEEKS_PER_QUARTER = 13.0
QUOTA_YEAR_WEEKS = 52  # the quota year starts at week 0 (so a warm-up year ends one)
ROLLING_WEEKS = 13.0  # memory of the rolling attainment that drives pressure and quitting
MAX_ANNUAL_RATE = 0.999  # an annual attrition of 1 would be an infinite hazard


def weekly_hazard(annual: float | np.ndarray) -> float | np.ndarray:
    """The weekly hazard that leaves ``annual`` of a cohort gone after a year (a number, or an array of them)."""
    if isinstance(annual, np.ndarray):
        return -np.log1p(-np.minimum(annual, MAX_ANNUAL_RATE)) / WEEKS_PER_YEAR
    return -math.log1p(-min(annual, MAX_ANNUAL_RATE)) / WEEKS_PER_YEAR
