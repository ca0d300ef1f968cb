"""Selling (ODD 7.10 and 7.11): pipelines, wins and bookings.

Every seller (each rep seat, then each manager) holds a pipeline of open (active) and stalled
deals. Each week selling hours create deals; open deals resolve, each won with the seller's
win rate (raised by coaching's deal reviews, the executive's deal talks and a manager riding
along), or stall; stalled deals are revived by reviews and meetings or lost; a win books a
gamma-distributed deal size. The week of all sellers is one compiled loop (:func:`_sell`) over
keyed draws: a seller's six flows take the six uniforms of three Philox blocks of their
``Purpose.DEAL_FLOWS`` draws, one each, by inversion. :func:`joint_win_rate` and
:func:`deal_timing` are pure functions of one seller's numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import QUOTA_YEAR_WEEKS, ROLLING_WEEKS, WEEKS_PER_QUARTER, WEEKS_PER_YEAR
from sim.compiled import kernel
from sim.development import saturating
from sim.keys import Purpose, block
from sim.samplers import binomial_from, gamma, poisson_from

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["deal_timing", "joint_win_rate", "sell"]

MAX_WIN_RATE = 0.95  # no seller wins every deal
DEAL_TALK_SCALE = 0.25  # hours a week of deal talks with an executive at which their boost is 63% reached
#: The flows of a seller's week, in the order they take the uniforms of the seller's
#: ``Purpose.DEAL_FLOWS`` draws (two a block, so three blocks a week).
NEW, RESOLVED, WON, STALLED, REVIVED, LOST = range(6)
FLOW_DRAWS = 6
FLOW_BLOCKS = FLOW_DRAWS // 2
#: A flow that needs more than one part (a mean above ``sim.samplers.POISSON_CHUNK``, more trials
#: than ``BINOMIAL_CHUNK``) takes its next parts from blocks ``FLOW_BLOCKS + flow``,
#: ``FLOW_BLOCKS + flow + FLOW_DRAWS``, ...: each flow's blocks are its own.


@kernel(inline="always")
def joint_win_rate(win, manager_win, ride_hours, resolving, opportunities_per_hour, manager_motivation):
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
    if resolving <= 0.0:
        return win
    joined = min(resolving, ride_hours * opportunities_per_hour * manager_motivation)
    return win + joined / resolving * manager_win * (1 - win)


@kernel(inline="always")
def deal_timing(weeks_left, quarter, gap, pipeline_value, timing):
    """How much faster than usual a rep closes open deals this week: timing around quota.

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
    if weeks_left > quarter or timing == 0.0:
        return 1.0
    if 0.0 < gap <= pipeline_value:
        return 1.0 + timing
    return 1.0 - timing


@kernel
def _sell(keys, copy, seat, week, left, team, reps, managers, active, stalled, prm):
    """One week of every seller's pipeline, in place: new, resolved, won, stalled, revived, lost deals.

    ``reps`` and ``managers`` are tuples of arrays (see :func:`sell`); rep seat ``i`` is seller
    row ``i``, manager ``m`` seller row ``n_reps + m``. Returns what each seller won this week,
    currency, and each rep's own expected weekly bookings (for the ramp, T7). Each seller's
    draws are keyed by their run's key, the week and their seat (``sim.keys``), so they depend
    on nothing else.
    """
    coached, talk, selling, ride, meeting, motivation, skill, ytd_book, ytd_quota, quota = reps
    quality, sell_skill, manager_selling = managers
    n_reps = team.size
    value = np.zeros(seat.size)
    own = np.zeros(n_reps)
    for i in range(n_reps):
        m, c = team[i], copy[i]
        review = coached[i] * prm[c].coaching_pipeline_review_share * quality[m]
        boost = prm[c].coaching_deal_strategy_boost * review + prm[c].executive_deal_win_boost * saturating(
            talk[i], DEAL_TALK_SCALE
        )
        win = min(prm[c].pipeline_win_rate_at_full_skill * skill[i] * (1 + boost), MAX_WIN_RATE)
        # a rep's own productivity, for the ramp (T7): the manager's joint selling is not the rep's
        own[i] = active[i] * (win * prm[c].pipeline_deal_size / prm[c].pipeline_cycle_weeks)
        # open deals resolve at the usual rate, or faster or slower around the quota year's end
        gap = ytd_quota[i] + left * quota[i] / WEEKS_PER_YEAR - ytd_book[i]
        timing = deal_timing(
            left, WEEKS_PER_QUARTER, gap, active[i] * win * prm[c].pipeline_deal_size, prm[c].pipeline_quota_timing
        )
        resolve = min(timing / prm[c].pipeline_cycle_weeks, 1.0)
        # ride-alongs are joint selling, bounded by what the manager's own selling would book
        manager_win = min(prm[c].pipeline_win_rate_at_full_skill * sell_skill[m], MAX_WIN_RATE)
        win = joint_win_rate(
            win,
            manager_win,
            ride[i],
            active[i] * resolve,
            prm[c].pipeline_opportunities_per_hour,
            prm[c].manager_motivation,
        )
        unstick = -np.expm1(-(prm[c].pipeline_review_unstick * review + prm[c].pipeline_meeting_unstick * meeting[i]))
        lam = selling[i] * motivation[i] * prm[c].pipeline_opportunities_per_hour
        value[i] = _flows(keys[c], week, seat[i], i, lam, resolve, win, unstick, active, stalled, prm, c)
    for m in range(seat.size - n_reps):
        i = n_reps + m
        c = copy[i]
        win = min(prm[c].pipeline_win_rate_at_full_skill * sell_skill[m], MAX_WIN_RATE)
        lam = manager_selling[m] * prm[c].manager_motivation * prm[c].pipeline_opportunities_per_hour
        resolve = min(1 / prm[c].pipeline_cycle_weeks, 1.0)
        value[i] = _flows(keys[c], week, seat[i], i, lam, resolve, win, 0.0, active, stalled, prm, c)
    return value, own


@kernel(inline="always")
def _flows(key, week, s, i, lam, resolve, win, unstick, active, stalled, prm, c):
    """Seller row ``i``'s week, in place; returns the value won, currency.

    New deals arrive (Poisson, mean ``lam``); each open deal resolves with probability
    ``resolve`` and is then won with probability ``win``, or else stalls with the stall rate;
    each stalled deal is revived with probability ``unstick``, or else lost with the loss rate.
    """
    u0, u1 = block(key, week, Purpose.DEAL_FLOWS, s, 0)
    u2, u3 = block(key, week, Purpose.DEAL_FLOWS, s, 1)
    u4, u5 = block(key, week, Purpose.DEAL_FLOWS, s, 2)
    new = poisson_from(u0, key, week, Purpose.DEAL_FLOWS, s, lam, FLOW_BLOCKS + NEW, FLOW_DRAWS)
    resolved = _flow(u1, RESOLVED, key, week, s, active[i], resolve)
    won = _flow(u2, WON, key, week, s, resolved, win)
    still = active[i] - resolved
    stalls = _flow(u3, STALLED, key, week, s, still, prm[c].pipeline_stall_rate)
    revived = _flow(u4, REVIVED, key, week, s, stalled[i], unstick)
    lost = _flow(u5, LOST, key, week, s, stalled[i] - revived, prm[c].pipeline_stalled_loss_rate)
    stalled[i] += stalls - revived - lost
    active[i] = still + revived + new - stalls
    if not won:
        return 0.0
    # a sum of gamma deal sizes: one gamma of the summed shape
    cv2 = prm[c].pipeline_deal_size_cv * prm[c].pipeline_deal_size_cv  # squared coefficient of variation
    return gamma(key, week, Purpose.DEAL_VALUE, s, won / cv2) * cv2 * prm[c].pipeline_deal_size


@kernel(inline="always")
def _flow(u, flow, key, week, s, n, p):
    """A binomial flow of a seller's week: ``n`` deals, each moving with probability ``p``."""
    return binomial_from(u, key, week, Purpose.DEAL_FLOWS, s, n, p, FLOW_BLOCKS + flow, FLOW_DRAWS)


def sell(model: SalesOrgModel, week: int) -> None:
    """Create, progress, stall, unstick, win and lose deals; book the wins."""
    org, R, M, S = model.org, model.reps, model.managers, model.sellers
    r = model.week_hours["rep"]
    reps = (
        r["being_coached"],
        r["executive_deal_talks"],
        r["selling"],
        model.ride_rep,
        model.meeting_rep,
        R.motivation,
        R.skill,
        R.ytd_book,
        R.ytd_quota,
        org.rep_quota,
    )
    managers = (M.quality, M.sell_skill, model.week_hours["manager"]["selling"])
    left = QUOTA_YEAR_WEEKS - week % QUOTA_YEAR_WEEKS
    value, own = _sell(
        model.keys,
        org.seller_copy,
        org.seller_seat,
        week,
        left,
        org.team,
        reps,
        managers,
        S.active,
        S.stalled,
        model.run_records,
    )
    model.ledger.track_ramp(R, own)
    n = org.n_reps
    model.rep_book, model.mgr_book = value[:n], value[n:]
    model.rep_quota, model.mgr_quota = _book(
        (R.occupied, org.rep_quota, R.ytd_book, R.ytd_quota, R.roll_book, R.roll_quota),
        (M.present, org.manager_quota, M.roll_book, M.roll_quota),
        value,
    )
    model.worked = R.occupied.copy()  # who held a seat this week, before anyone leaves


@kernel
def _book(reps, managers, value):
    """Book the week's wins against the week's quota: the year to date and the rolling attainment.

    Returns the week's quota of each rep seat (0 when empty) and of each manager seat.
    """
    occupied, annual, ytd_book, ytd_quota, roll_book, roll_quota = reps
    present, manager_annual, manager_roll_book, manager_roll_quota = managers
    n = occupied.size
    quota = np.empty(n)
    for i in range(n):
        quota[i] = occupied[i] * (annual[i] / WEEKS_PER_YEAR)
        ytd_book[i] += value[i]
        ytd_quota[i] += quota[i]
        roll_book[i] += (value[i] - roll_book[i]) / ROLLING_WEEKS * occupied[i]
        roll_quota[i] += (quota[i] - roll_quota[i]) / ROLLING_WEEKS * occupied[i]
    manager_quota = np.empty(present.size)
    for m in range(present.size):
        manager_quota[m] = present[m] * (manager_annual[m] / WEEKS_PER_YEAR)
        manager_roll_book[m] += (value[n + m] - manager_roll_book[m]) / ROLLING_WEEKS
        manager_roll_quota[m] += (manager_quota[m] - manager_roll_quota[m]) / ROLLING_WEEKS
    return quota, manager_quota
