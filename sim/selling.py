"""Selling (ODD 7.10 and 7.11): pipelines, wins and bookings.

Every seller (each rep seat, then each manager) holds a pipeline of open (active) and stalled
deals. Each week selling hours create deals; open deals resolve, each won with the seller's
win rate (raised by coaching's deal reviews, the executive's deal talks and a manager riding
along), or stall; stalled deals are revived by reviews and meetings or lost; a win books a
gamma-distributed deal size. The week's flows of all sellers are one compiled loop
(:func:`_deal_flows`) over keyed draws; the rest is array arithmetic. :func:`joint_win_rate` and
:func:`deal_timing` are pure functions of arrays (one entry per rep).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import QUOTA_YEAR_WEEKS, ROLLING_WEEKS, WEEKS_PER_QUARTER, WEEKS_PER_YEAR
from sim.compiled import kernel
from sim.development import saturating
from sim.keys import Purpose
from sim.samplers import binomial, gamma, poisson

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["deal_timing", "joint_win_rate", "sell"]

MAX_WIN_RATE = 0.95  # no seller wins every deal
DEAL_TALK_SCALE = 0.25  # hours a week of deal talks with an executive at which their boost is 63% reached


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


@kernel
def _deal_flows(keys, copy, seat, week, lam, active, stalled, resolve, win, stall_rate, unstick, loss_rate, size_cv2):
    """One week of every seller's pipeline, in place: new, resolved, won, stalled, revived, lost deals.

    Returns the value each seller won this week in units of the mean deal size
    (a sum of gamma deal sizes: one gamma of the summed shape). Each seller's draws are keyed by
    their run's key, the week and their seat (``sim.keys``), so they depend on nothing else.
    """
    value = np.zeros(seat.size)
    for i in range(seat.size):
        key, s = keys[copy[i]], seat[i]
        new = poisson(key, week, Purpose.NEW_DEALS, s, lam[i])
        resolved = binomial(key, week, Purpose.RESOLVED, s, active[i], resolve[i])
        w = binomial(key, week, Purpose.WON, s, resolved, win[i])
        still = active[i] - resolved
        stalls = binomial(key, week, Purpose.STALLED, s, still, stall_rate)
        revived = binomial(key, week, Purpose.REVIVED, s, stalled[i], unstick[i])
        lost = binomial(key, week, Purpose.LOST, s, stalled[i] - revived, loss_rate)
        stalled[i] += stalls - revived - lost
        active[i] = still + revived + new - stalls
        if w:
            value[i] = gamma(key, week, Purpose.DEAL_VALUE, s, w / size_cv2) * size_cv2
    return value


def sell(model: SalesOrgModel, week: int) -> None:
    """Create, progress, stall, unstick, win and lose deals; book the wins."""
    p, org, R, M, S = model.p, model.org, model.reps, model.managers, model.sellers
    pp = p.pipeline
    n = org.n_reps
    r = model.week_hours["rep"]
    q = M.quality[org.team]
    review = r["being_coached"] * p.coaching.pipeline_review_share * q
    boost = p.coaching.deal_strategy_boost * review + p.executive.deal_win_boost * saturating(
        r["executive_deal_talks"], DEAL_TALK_SCALE
    )
    hours = np.concatenate((r["selling"] * R.motivation, model.week_hours["manager"]["selling"] * p.manager.motivation))
    active_reps = S.active[:n]
    win_reps = np.minimum(pp.win_rate_at_full_skill * R.skill * (1 + boost), MAX_WIN_RATE)
    # a rep's own productivity, for the ramp (T7): the manager's joint selling is not the rep's
    model.ledger.track_ramp(R, active_reps * (win_reps * pp.deal_size / pp.cycle_weeks))
    # open deals resolve at the usual rate, or faster or slower around the quota year's end
    left = QUOTA_YEAR_WEEKS - week % QUOTA_YEAR_WEEKS
    gap = R.ytd_quota + left * org.rep_quota / WEEKS_PER_YEAR - R.ytd_book
    timing = deal_timing(left, WEEKS_PER_QUARTER, gap, active_reps * win_reps * pp.deal_size, pp.quota_timing)
    resolve_reps = np.minimum(timing / pp.cycle_weeks, 1.0)
    resolve = np.concatenate((resolve_reps, np.full(org.n_managers, min(1 / pp.cycle_weeks, 1.0))))
    # ride-alongs are joint selling, bounded by what the manager's own selling would book
    win_manager = np.minimum(pp.win_rate_at_full_skill * M.sell_skill, MAX_WIN_RATE)
    win_reps = joint_win_rate(
        win_reps,
        win_manager[org.team],
        model.ride_rep,
        active_reps * resolve_reps,
        pp.opportunities_per_hour,
        p.manager.motivation,
    )
    win = np.concatenate((win_reps, win_manager))
    unstick = np.concatenate(
        (-np.expm1(-(pp.review_unstick * review + pp.meeting_unstick * model.meeting_rep)), np.zeros(org.n_managers))
    )
    cv2 = pp.deal_size_cv**2
    value = _deal_flows(
        model.keys,
        org.seller_copy,
        org.seller_seat,
        week,
        hours * pp.opportunities_per_hour,
        S.active,
        S.stalled,
        resolve,
        win,
        pp.stall_rate,
        unstick,
        pp.stalled_loss_rate,
        cv2,
    )
    value *= pp.deal_size
    model.rep_book, model.mgr_book = value[:n], value[n:]
    model.rep_quota = R.occupied * (org.rep_quota / WEEKS_PER_YEAR)
    model.mgr_quota = M.present * (org.manager_quota / WEEKS_PER_YEAR)
    R.ytd_book += model.rep_book
    R.ytd_quota += model.rep_quota
    R.roll_book += (model.rep_book - R.roll_book) / ROLLING_WEEKS * R.occupied
    R.roll_quota += (model.rep_quota - R.roll_quota) / ROLLING_WEEKS * R.occupied
    M.roll_book += (model.mgr_book - M.roll_book) / ROLLING_WEEKS
    M.roll_quota += (model.mgr_quota - M.roll_quota) / ROLLING_WEEKS
    model.worked = R.occupied.copy()  # who held a seat this week, before anyone leaves
