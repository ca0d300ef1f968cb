"""Selling: how the manager's joint selling and the quota year shape a rep's deals (ODD 7.10).

Pure functions of arrays (one entry per rep), called by the model's selling phase.
"""

from __future__ import annotations

import numpy as np

__all__ = ["deal_timing", "joint_win_rate"]


def joint_win_rate(
    win: np.ndarray,
    manager_win: np.ndarray,
    ride_hours: np.ndarray,
    resolving: np.ndarray,
    opportunities_per_hour: float,
    manager_motivation: float,
) -> np.ndarray:
    """The win probability of a rep's resolving deals when the manager rides along.

    A ride-along is joint selling (article A003). In an hour of riding along the manager can work as
    many of the rep's resolving deals as an hour of their own selling works opportunities
    (``opportunities_per_hour * manager_motivation``), and a deal worked by both is won if
    either seller would win it: ``1 - (1 - win) * (1 - manager_win)``. So the expected bookings
    a ride-along hour adds, ``manager_win * (1 - win)`` deals per opportunity worked, never
    exceed those of an hour of the manager's own selling, ``manager_win`` per opportunity.

    Args:
        win: The rep's own win probability of a deal that resolves this week.
        manager_win: The manager's win probability of a deal of their own.
        ride_hours: Hours the manager rides along with the rep this week.
        resolving: Deals of the rep expected to resolve this week.
        opportunities_per_hour: Opportunities a productive selling hour works.
        manager_motivation: Share of a manager's selling hours that are productive.
    """
    joined = np.minimum(resolving, ride_hours * opportunities_per_hour * manager_motivation)
    share = np.divide(joined, resolving, out=np.zeros_like(joined, dtype=float), where=resolving > 0)
    return win + share * manager_win * (1 - win)


def deal_timing(
    weeks_left: int,
    quarter: float,
    gap: np.ndarray,
    pipeline_value: np.ndarray,
    timing: float,
) -> np.ndarray:
    """How much faster than usual each rep closes open deals this week: timing around quota.

    In the last quarter of the quota year, a rep whose remaining quota (``gap``) is within reach
    of the expected value of their open pipeline pulls deals in; a rep who has made quota, or
    cannot make it, holds deals back for next year (Oyer 1998; Larkin 2014). The weekly rate
    at which open deals resolve is multiplied by ``1 + timing`` or ``1 - timing``; outside the
    last quarter by 1.

    Args:
        weeks_left: Weeks left in the quota year, this one included.
        quarter: Weeks in a quarter.
        gap: Quota still to book this year, currency (0 or less: made).
        pipeline_value: Expected bookings of the open pipeline, currency.
        timing: ``pipeline.quota_timing``.
    """
    if weeks_left > quarter or timing == 0:
        return np.ones(np.shape(gap))
    within_reach = (gap > 0) & (gap <= pipeline_value)
    return np.where(within_reach, 1 + timing, 1 - timing)
