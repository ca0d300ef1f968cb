"""The week's hours: who spends which hour on what (ODD 7.2, 7.4 and 7.6).

Every hour of every person has a named use, decided by one rule that is the same with or
without a coaching policy. The rules are pure functions of arrays (one entry per person), so
that they can be read, and tested, apart from the model that calls them.

The manager's rule (:func:`manager_week`) is the heart of the model's "what gives":

1. fixed demands first (admin, distractions, the team meeting when due); what is left is the
   manager's *discretionary* week;
2. the typical week: own selling toward the personal quota first, raised by quota pressure when
   the manager is behind (article A001: they carry a big quota and struggle to find time to do
   much other than chase it);
3. the spare hours go where they go in the typical org, by habit: a share to customer service
   and delivery work (article A003: managers "hang on to existing customers, and get engaged in
   customer service or delivery work"), the rest to the team;
4. the time with the team is real coaching and riding along on the reps' deals (joint selling)
   in the manager's habitual mix (article A003: managers who ride along believe they are
   coaching);
5. a coaching policy sets a **floor** of real one-on-one coaching; the inspected share of it is
   protected (article A000: people respect what you inspect). What the habitual coaching leaves
   of it is taken from customer work, then from own selling (inspection keeps the floor out of
   quota pressure's reach) and, only when neither has hours left, from riding along.

The model applies the rule rep by rep (:func:`plan_hours`): the typical week's time
with the team is spread by the manager's habit, which leans toward the reps furthest behind
(``manager.remediation_tilt``), and the policy's floor is each rep's own, as the allocation rule
sets it; a rep whose habitual coaching is above it keeps that, so the team's floor is the sum
over its reps of the larger of the two, and a target only adds to what a rep receives.

A policy changes what it sets and nothing else: a manager whose habit already gives the
protected floor keeps the typical week, and for the others a target can only move hours from
customer work and own selling to real coaching, and from riding along to real coaching.
No hour is left idle; a team with no one in seat gets none of the manager's time: customer work
keeps its share of the spare hours and the rest goes to the manager's own deals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.calendar import QUOTA_YEAR_WEEKS, WEEKS_PER_MONTH, WEEKS_PER_QUARTER, WEEKS_PER_YEAR
from sim.compiled import kernel
from sim.numerics import TINY

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["ManagerWeek", "effective_inspection", "manager_week", "plan_hours", "team_percentile", "team_share"]

# relative weights of a team's reps under the allocation rules (coaching.allocation, ODD 7.5)
BOTTOM_WEIGHT, TOP_WEIGHT = 1.75, 0.25  # "needs": the team's lowest and highest rep (7 to 1); "top" the reverse
NEW_HIRE_WEIGHT, TENURED_WEIGHT = 3.0, 0.5  # "new_hires": a rep in the ramp against one past it (6 to 1)


class ManagerWeek(NamedTuple):
    """A manager's discretionary week: own selling, customer work, and the time with the team."""

    selling: np.ndarray  #: hours on the manager's own deals
    customer_work: np.ndarray  #: spare hours absorbed by customer service and delivery work
    with_team: np.ndarray  #: hours with the reps: real coaching and ride-alongs together
    coaching: np.ndarray  #: of those, hours offered as real one-on-one coaching


def manager_week(
    discretionary: np.ndarray,
    floor: np.ndarray,
    inspection: np.ndarray,
    selling_need: np.ndarray,
    pressure: np.ndarray,
    customer_share: float,
    habit: np.ndarray,
    has_team: np.ndarray,
) -> ManagerWeek:
    """Split each manager's discretionary hours between own selling and the team.

    Args:
        discretionary: Hours a week left after admin, distractions and the team meeting.
        floor: The policy's floor of real coaching for the whole team, hours a week (0: none).
        inspection: How strongly the manager's coaching is inspected, 0-1 (per manager).
        selling_need: Selling hours a week the personal quota asks for, before pressure.
        pressure: Extra selling per hour of need from being behind plan.
        customer_share: Share of the spare hours that customer service and delivery work absorb.
        habit: The manager's habitual share of time with the team spent riding along (0-1).
        has_team: Whether the manager has anyone in seat to spend time with.

    Returns:
        Own selling, customer work, time with the team and the real coaching offered within
        it. Own selling, customer work and time with the team add up to ``discretionary``: no
        hour is idle.
    """
    discretionary = np.maximum(discretionary, 0.0)
    # the typical week: own selling, then customer work's share of the spare hours, then the team
    selling = np.minimum(selling_need * (1 + pressure), discretionary)
    spare = discretionary - selling
    customer_work = customer_share * spare
    with_team = np.where(has_team, spare - customer_work, 0.0)
    selling = discretionary - customer_work - with_team
    coaching = (1 - habit) * with_team
    # the floor: the inspected share of the policy's hours that the habit does not already give
    protected = np.where(has_team, np.minimum(inspection * floor, discretionary), 0.0)
    short = np.maximum(protected - coaching, 0.0)
    from_customer = np.minimum(short, customer_work)
    from_selling = np.minimum(short - from_customer, selling)
    from_rides = np.minimum(short - from_customer - from_selling, with_team - coaching)
    customer_work = customer_work - from_customer
    selling = selling - from_selling
    with_team = with_team + from_customer + from_selling
    coaching = coaching + from_customer + from_selling + from_rides
    return ManagerWeek(selling, customer_work, with_team, coaching)


def effective_inspection(kpi: float, visit_pressure: np.ndarray, response: np.ndarray) -> np.ndarray:
    """How strongly each manager treats their coaching as inspected (0-1).

    The coaching KPI and the executive's field visits are independent protections (ODD 7.3);
    a manager's ``response`` (median 1) scales how strongly they react to both. A full KPI
    (``kpi = 1``) binds every manager; partial inspection binds the responsive more.
    """
    kept = np.power(1.0 - kpi, response) if kpi < 1 else np.zeros_like(response)
    return 1.0 - kept * np.exp(-response * visit_pressure)


def needs_weight(pct: np.ndarray) -> np.ndarray:
    """The ``needs`` rule's weight of a rep at team percentile ``pct``: ``BOTTOM_WEIGHT`` down to ``TOP_WEIGHT``."""
    return BOTTOM_WEIGHT - (BOTTOM_WEIGHT - TOP_WEIGHT) * pct


def plan_hours(model: SalesOrgModel, week: int) -> None:
    """Split each tier's week between its competing demands (``sim.hours``)."""
    p, org, R, M = model.p, model.org, model.reps, model.managers
    if week % QUOTA_YEAR_WEEKS == 0:  # a new quota year
        R.ytd_book[:] = R.ytd_quota[:] = 0.0
    team_n = np.bincount(org.team, weights=R.occupied, minlength=org.n_managers)
    model.meeting = M.present & (week % p.meetings.cadence_weeks == 0)

    # executives: deal talks, then coaching and field visits; the rest is internal work
    eh = p.executive.hours_per_week
    discretionary = eh * (1 - p.executive.internal_share)
    deal = discretionary * p.executive.deal_focus_share
    rest = discretionary - deal
    coach_need = p.executive.coaching_hours_per_manager_month * org.managers_of_exec / WEEKS_PER_MONTH
    visit_need = (
        p.executive.field_visits_per_manager_quarter
        * org.managers_of_exec
        / WEEKS_PER_QUARTER
        * p.executive.field_visit_hours
    )
    scale = np.minimum(1.0, rest / np.maximum(coach_need + visit_need, TINY))
    E = model.week_hours["executive"]
    E["deal_focus"][:] = deal
    E["coaching_managers"][:] = coach_need * scale
    E["field_visits"][:] = visit_need * scale
    E["internal"][:] = np.maximum(eh - deal - E["coaching_managers"] - E["field_visits"], 0.0)
    per_mgr = 1 / org.managers_of_exec[org.exec_of_manager]
    model.exec_coaching_month = E["coaching_managers"][org.exec_of_manager] * per_mgr * WEEKS_PER_MONTH
    visits_quarter = (
        E["field_visits"][org.exec_of_manager] * per_mgr / p.executive.field_visit_hours * WEEKS_PER_QUARTER
    )
    M.visit_stock += (visits_quarter - M.visit_stock) / WEEKS_PER_QUARTER
    # inspection: a coaching KPI, strengthened by field visits that see the coaching
    M.inspection = effective_inspection(
        p.coaching.kpi_inspection, p.executive.visit_protection * M.visit_stock, M.response
    )

    # managers: fixed demands first, then the discretionary week (sim.hours.manager_week)
    mh = p.manager.hours_per_week
    admin = p.manager.admin_hours_per_week + p.manager.admin_hours_per_rep * team_n
    meet = model.meeting * p.meetings.duration_hours
    fixed = admin + p.manager.distraction_hours_per_week + meet
    squeeze = np.minimum(1.0, mh / np.maximum(fixed, TINY))
    present = M.present
    behind = np.clip(1 - M.roll_book / np.maximum(M.roll_quota, TINY), 0, 1) * (M.roll_quota > 0)
    week_args = dict(
        discretionary=np.maximum(mh - fixed, 0.0) * present,
        inspection=M.inspection,
        # a promoted rep's extra selling on the team's deals fades over a year
        selling_need=org.manager_selling_need + M.extra_selling * np.exp(-M.weeks_in_role / WEEKS_PER_YEAR),
        pressure=p.manager.quota_pressure * behind,
        customer_share=p.manager.customer_work_share,
        habit=M.habit,
        has_team=team_n > 0,
    )
    typical = manager_week(floor=np.zeros(org.n_managers), **week_args)
    # the typical week's time with the team is spread by the manager's habit; a policy's
    # floor is each rep's own, spread by the allocation rule (so the target is the team's
    # average: "equal" gives every rep the floor), and a rep whose habitual coaching is above
    # it keeps that: the team's floor is the sum over its reps of the larger of the two
    ranked = p.coaching.allocation in ("needs", "core", "top") or p.manager.remediation_tilt > 0
    pct = team_percentile(model) if ranked else None
    habit_share = team_share(model, _habit_weights(model, pct) * R.occupied)
    habitual = typical.coaching[org.team] * habit_share
    target = p.coaching.hours_per_rep_month
    if target:
        rule = team_share(model, _allocation_weights(model, pct) * R.occupied)
        short = np.maximum(target * team_n[org.team] * rule / WEEKS_PER_MONTH - habitual, 0.0) * R.occupied
        team_short = np.bincount(org.team, weights=short, minlength=org.n_managers)
        split = manager_week(floor=typical.coaching + team_short, **week_args)
        filled = (split.coaching - typical.coaching) / np.maximum(team_short, TINY)
        offered = habitual + short * np.minimum(filled, 1.0)[org.team]
    else:
        split, offered = typical, habitual
    with_rep = offered + (split.with_team - split.coaching)[org.team] * habit_share

    H = model.week_hours["manager"]
    H["admin"][:] = admin * squeeze * present
    H["distractions"][:] = p.manager.distraction_hours_per_week * squeeze * present + split.customer_work
    H["team_meeting"][:] = meet * squeeze
    H["selling"][:] = split.selling
    model.meeting_rep = model.meeting[org.team] & R.occupied

    # reps: admin and meetings first, then being coached, then deal talks; selling is the rest
    rh = p.rep.hours_per_week
    r_admin = min(p.rep.admin_hours_per_week, rh) * R.occupied
    r_meet = np.minimum(model.meeting_rep * p.meetings.duration_hours, rh - r_admin) * R.occupied
    free = rh * R.occupied - r_admin - r_meet
    coached = np.minimum(offered, free)
    if np.any(offered - coached > TINY):  # a rep without the hours for their share
        coached, with_rep = _pass_on(model, offered, coached, with_rep, free, offered)
    talk_need = (E["deal_focus"] / np.maximum(org.seats_of_exec, 1))[org.exec_of_rep] * R.occupied
    talk = np.minimum(talk_need, free - coached)
    r = model.week_hours["rep"]
    r["admin"][:] = r_admin
    r["team_meeting"][:] = r_meet
    r["being_coached"][:] = coached
    r["executive_deal_talks"][:] = talk
    r["selling"][:] = free - coached - talk
    # time with a rep that is not a one-on-one (by habit, or because the rep had no hours for
    # one) is spent riding along on the rep's deals: joint selling, inside the rep's selling time
    model.ride_rep = with_rep - coached
    H["coaching"][:] = np.bincount(org.team, weights=coached, minlength=org.n_managers)
    H["ride_alongs"][:] = np.bincount(org.team, weights=model.ride_rep, minlength=org.n_managers)


def team_share(model: SalesOrgModel, weights: np.ndarray) -> np.ndarray:
    """Each rep's share of their team's total of ``weights``."""
    team = model.org.team
    return weights / np.maximum(np.bincount(team, weights=weights, minlength=model.org.n_managers), TINY)[team]


def _pass_on(
    model: SalesOrgModel,
    offered: np.ndarray,
    coached: np.ndarray,
    with_rep: np.ndarray,
    free: np.ndarray,
    weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Coaching a rep has no free hours for goes to teammates who have them, by their weights.

    The team's coaching is then delivered up to the team's free hours, as the floor of an
    inspected target requires. The manager's other time with the team (ride-alongs) is spread
    again over the reps whose share of it the coaching did not fill, so no rep's is negative.
    """
    team, n = model.org.team, model.org.n_managers
    for _ in range(int(np.bincount(team).max(initial=0))):  # a rep fills up at each pass at least
        excess = np.bincount(team, weights=offered - coached, minlength=n)
        room = free - coached
        open_ = weights * (room > TINY)
        total = np.bincount(team, weights=open_, minlength=n)
        if not np.any((excess > TINY) & (total > 0)):
            break
        offered = coached + excess[team] * open_ / np.maximum(total, TINY)[team] * (total[team] > 0)
        coached = np.minimum(offered, free)
    ride_team = np.bincount(team, weights=with_rep, minlength=n) - np.bincount(team, weights=coached, minlength=n)
    left = np.maximum(with_rep - coached, 0.0)
    spread = np.bincount(team, weights=left, minlength=n)
    ride = left * (np.maximum(ride_team, 0.0) / np.maximum(spread, TINY))[team]
    return coached, coached + ride


def team_percentile(model: SalesOrgModel) -> np.ndarray:
    """Each rep's percentile of rolling attainment within the team, 0 = lowest, 1 = highest.

    Ties keep seat order; empty seats rank after everyone in seat (their weights are unused).
    """
    R, org = model.reps, model.org
    att = np.where(R.occupied, R.roll_book / np.maximum(R.roll_quota, TINY), np.inf)
    return _percentiles(att, R.occupied, org.seat_order, org.team_bounds)


@kernel
def _percentiles(att, occupied, seat_order, bounds):  # one team at a time: a team is a handful of seats
    pct = np.empty(att.size)
    for m in range(bounds.size - 1):
        seats = seat_order[bounds[m] : bounds[m + 1]]
        ranked = seats[np.argsort(att[seats], kind="mergesort")]
        heads = 0
        for s in seats:
            heads += occupied[s]
        scale = max(heads - 1, 1)
        for r in range(ranked.size):
            pct[ranked[r]] = r / scale
    return pct


def _allocation_weights(model: SalesOrgModel, pct: np.ndarray | None) -> np.ndarray:
    """Relative weights of the policy's floor within each team under ``coaching.allocation``.

    ``pct`` is :func:`team_percentile` (needed by the ``needs``, ``core`` and ``top`` rules).
    """
    rule, R = model.p.coaching.allocation, model.reps
    if rule == "equal":
        return np.ones(model.org.n_reps)
    if rule == "new_hires":
        return np.where(R.tenure < max(model.p.rep.ramp_weeks, 1), NEW_HIRE_WEIGHT, TENURED_WEIGHT)
    if rule == "needs":
        return needs_weight(pct)
    if rule == "top":
        return TOP_WEIGHT + (BOTTOM_WEIGHT - TOP_WEIGHT) * pct
    return BOTTOM_WEIGHT - (BOTTOM_WEIGHT - TOP_WEIGHT) * (2 * np.abs(pct - 0.5))  # core: most in the middle


def _habit_weights(model: SalesOrgModel, pct: np.ndarray | None) -> np.ndarray:
    """Relative weights of the manager's habitual time with the team (the typical week's real
    coaching and ride-alongs): even, leaning toward the reps furthest behind in the team by
    ``manager.remediation_tilt`` (1: as the ``needs`` rule) **[A39]**."""
    tilt = model.p.manager.remediation_tilt
    if not tilt:
        return np.ones(model.org.n_reps)
    return 1.0 + tilt * (needs_weight(pct) - 1.0)
