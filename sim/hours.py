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

The model applies the rule rep by rep, team by team, in one compiled loop (:func:`_plan`,
called by :func:`plan_hours`): the typical week's time
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

__all__ = [
    "ALLOCATIONS",
    "ManagerWeek",
    "effective_inspection",
    "manager_week",
    "plan_hours",
    "team_percentile",
]

# relative weights of a team's reps under the allocation rules (coaching.allocation, ODD 7.5)
BOTTOM_WEIGHT, TOP_WEIGHT = 1.75, 0.25  # "needs": the team's lowest and highest rep (7 to 1); "top" the reverse
NEW_HIRE_WEIGHT, TENURED_WEIGHT = 3.0, 0.5  # "new_hires": a rep in the ramp against one past it (6 to 1)
#: ``coaching.allocation``'s rules, numbered for the compiled week in this order
ALLOCATIONS = ("equal", "needs", "core", "top", "new_hires")
EQUAL, NEEDS, CORE, TOP, NEW_HIRES = range(len(ALLOCATIONS))


class ManagerWeek(NamedTuple):
    """A manager's discretionary week: own selling, customer work, and the time with the team."""

    selling: np.ndarray  #: hours on the manager's own deals
    customer_work: np.ndarray  #: spare hours absorbed by customer service and delivery work
    with_team: np.ndarray  #: hours with the reps: real coaching and ride-alongs together
    coaching: np.ndarray  #: of those, hours offered as real one-on-one coaching


@kernel(inline="always")
def _manager_week(discretionary, floor, inspection, selling_need, pressure, customer_share, habit, has_team):
    discretionary = max(discretionary, 0.0)
    # the typical week: own selling, then customer work's share of the spare hours, then the team
    selling = min(selling_need * (1 + pressure), discretionary)
    spare = discretionary - selling
    customer_work = customer_share * spare
    with_team = spare - customer_work if has_team else 0.0
    selling = discretionary - customer_work - with_team
    coaching = (1 - habit) * with_team
    # the floor: the inspected share of the policy's hours that the habit does not already give
    protected = min(inspection * floor, discretionary) if has_team else 0.0
    short = max(protected - coaching, 0.0)
    from_customer = min(short, customer_work)
    from_selling = min(short - from_customer, selling)
    from_rides = min(short - from_customer - from_selling, with_team - coaching)
    customer_work = customer_work - from_customer
    selling = selling - from_selling
    with_team = with_team + from_customer + from_selling
    coaching = coaching + from_customer + from_selling + from_rides
    return selling, customer_work, with_team, coaching


_manager_weeks = np.vectorize(_manager_week, otypes=[np.float64] * 4)


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

    The rule of one manager is compiled into the week (:func:`_plan`); this applies it to arrays
    of managers, to read and test it on its own.

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
    return ManagerWeek(
        *_manager_weeks(discretionary, floor, inspection, selling_need, pressure, customer_share, habit, has_team)
    )


@kernel(inline="always")
def _inspection(kpi, visit_pressure, response):
    kept = (1.0 - kpi) ** response if kpi < 1 else 0.0
    return 1.0 - kept * np.exp(-response * visit_pressure)


_inspections = np.vectorize(_inspection, otypes=[np.float64])


def effective_inspection(kpi: float, visit_pressure: np.ndarray, response: np.ndarray) -> np.ndarray:
    """How strongly each manager treats their coaching as inspected (0-1).

    The coaching KPI and the executive's field visits are independent protections (ODD 7.3);
    a manager's ``response`` (median 1) scales how strongly they react to both. A full KPI
    (``kpi = 1``) binds every manager; partial inspection binds the responsive more.
    """
    return _inspections(kpi, visit_pressure, response)


@kernel(inline="always")
def _needs_weight(pct):
    """The ``needs`` rule's weight of a rep at team percentile ``pct``: ``BOTTOM_WEIGHT`` down to ``TOP_WEIGHT``."""
    return BOTTOM_WEIGHT - (BOTTOM_WEIGHT - TOP_WEIGHT) * pct


@kernel(inline="always")
def _allocation_weight(rule, pct, tenure, ramp_weeks):
    """A rep's relative weight in the policy's floor within the team, under ``coaching.allocation``."""
    if rule == EQUAL:
        return 1.0
    if rule == NEW_HIRES:
        return NEW_HIRE_WEIGHT if tenure < max(ramp_weeks, 1) else TENURED_WEIGHT
    if rule == NEEDS:
        return _needs_weight(pct)
    if rule == TOP:
        return TOP_WEIGHT + (BOTTOM_WEIGHT - TOP_WEIGHT) * pct
    return BOTTOM_WEIGHT - (BOTTOM_WEIGHT - TOP_WEIGHT) * (2 * abs(pct - 0.5))  # core: most in the middle


@kernel(inline="always")
def _habit_weight(tilt, pct):
    """A rep's relative weight in the manager's habitual time with the team (the typical week's
    real coaching and ride-alongs): even, leaning toward the reps furthest behind in the team by
    ``manager.remediation_tilt`` (1: as the ``needs`` rule) **[A39]**."""
    if not tilt:
        return 1.0
    return 1.0 + tilt * (_needs_weight(pct) - 1.0)


def plan_hours(model: SalesOrgModel, week: int) -> None:
    """Split each tier's week between its competing demands (``sim.hours``)."""
    org, R, M = model.org, model.reps, model.managers
    if week % QUOTA_YEAR_WEEKS == 0:  # a new quota year
        R.ytd_book[:] = R.ytd_quota[:] = 0.0
    prm = model.run_records
    allocation = ALLOCATIONS.index(model.p.coaching.allocation)  # a rule the runs of a stack share
    ranked = allocation in (NEEDS, CORE, TOP) or np.any(prm["manager_remediation_tilt"] > 0)
    pct = team_percentile(model) if ranked else np.zeros(org.n_reps)
    E, H, r = model.week_hours["executive"], model.week_hours["manager"], model.week_hours["rep"]
    model.meeting, model.meeting_rep, model.ride_rep, model.exec_coaching_month = _plan(
        week,
        (org.rep_copy, org.manager_copy, org.executives_per_copy),
        (org.team, org.seat_order, org.team_bounds, org.exec_of_manager, org.managers_of_exec),
        (org.seats_of_exec, org.exec_of_rep, org.manager_selling_need),
        (R.occupied, R.tenure, pct),
        (M.present, M.roll_book, M.roll_quota, M.weeks_in_role, M.extra_selling, M.habit, M.response),
        (M.visit_stock, M.inspection),
        (E["deal_focus"], E["coaching_managers"], E["field_visits"], E["internal"]),
        (H["admin"], H["distractions"], H["team_meeting"], H["coaching"], H["ride_alongs"], H["selling"]),
        (r["selling"], r["admin"], r["team_meeting"], r["being_coached"], r["executive_deal_talks"]),
        prm,
        allocation,
    )


@kernel
def _plan(week, runs, org, seats, reps, managers, stocks, E, H, r, prm, allocation):
    """The week's hours of every executive, manager and rep, written in place (see the module).

    Returns who has a team meeting this week (managers, then reps), each rep's hours of the
    manager riding along, and each manager's coaching from their executive (hours a month).
    """
    team, seat_order, bounds, exec_of_manager, managers_of_exec = org
    seats_of_exec, exec_of_rep, manager_selling_need = seats
    occupied, tenure, pct = reps
    present, roll_book, roll_quota, weeks_in_role, extra_selling, habit, response = managers
    visit_stock, inspection = stocks
    deal_focus, coaching_managers, field_visits, internal = E
    h_admin, h_distractions, h_meeting, h_coaching, h_rides, h_selling = H
    r_selling, r_admin, r_meeting, r_coached, r_talks = r
    n_mgr, n_reps = present.size, team.size
    rep_run, manager_run, execs_per_run = runs

    # executives: deal talks, then coaching and field visits; the rest is internal work
    for e in range(deal_focus.size):
        c = e // execs_per_run
        eh = prm[c].executive_hours_per_week
        discretionary = eh * (1 - prm[c].executive_internal_share)
        deal = discretionary * prm[c].executive_deal_focus_share
        rest = discretionary - deal
        coach_need = prm[c].executive_coaching_hours_per_manager_month * managers_of_exec[e] / WEEKS_PER_MONTH
        visit_need = (
            prm[c].executive_field_visits_per_manager_quarter
            * managers_of_exec[e]
            / WEEKS_PER_QUARTER
            * prm[c].executive_field_visit_hours
        )
        scale = min(1.0, rest / max(coach_need + visit_need, TINY))
        deal_focus[e] = deal
        coaching_managers[e] = coach_need * scale
        field_visits[e] = visit_need * scale
        internal[e] = max(eh - deal - coaching_managers[e] - field_visits[e], 0.0)

    # managers: fixed demands first, then the discretionary week (manager_week)
    meeting = np.zeros(n_mgr, np.bool_)
    exec_coaching_month = np.empty(n_mgr)
    team_n = np.zeros(n_mgr)
    typical = np.empty((n_mgr, 4))
    week_args = np.empty((n_mgr, 5))  # discretionary, inspection, selling need, pressure, has team
    squeeze = np.empty(n_mgr)
    for m in range(n_mgr):
        c = manager_run[m]
        for k in range(bounds[m], bounds[m + 1]):
            team_n[m] += occupied[seat_order[k]]
        meeting[m] = present[m] and week % prm[c].meetings_cadence_weeks == 0
        e = exec_of_manager[m]
        per_mgr = 1 / managers_of_exec[e]
        exec_coaching_month[m] = coaching_managers[e] * per_mgr * WEEKS_PER_MONTH
        visits_quarter = field_visits[e] * per_mgr / prm[c].executive_field_visit_hours * WEEKS_PER_QUARTER
        visit_stock[m] += (visits_quarter - visit_stock[m]) / WEEKS_PER_QUARTER
        # inspection: a coaching KPI, strengthened by field visits that see the coaching
        inspection[m] = _inspection(
            prm[c].coaching_kpi_inspection, prm[c].executive_visit_protection * visit_stock[m], response[m]
        )
        admin = prm[c].manager_admin_hours_per_week + prm[c].manager_admin_hours_per_rep * team_n[m]
        meet = meeting[m] * prm[c].meetings_duration_hours
        fixed = admin + prm[c].manager_distraction_hours_per_week + meet
        squeeze[m] = min(1.0, prm[c].manager_hours_per_week / max(fixed, TINY))
        behind = min(max(1 - roll_book[m] / max(roll_quota[m], TINY), 0.0), 1.0) * (roll_quota[m] > 0)
        week_args[m, 0] = max(prm[c].manager_hours_per_week - fixed, 0.0) * present[m]
        week_args[m, 1] = inspection[m]
        # a promoted rep's extra selling on the team's deals fades over a year
        week_args[m, 2] = manager_selling_need[m] + extra_selling[m] * np.exp(-weeks_in_role[m] / WEEKS_PER_YEAR)
        week_args[m, 3] = prm[c].manager_quota_pressure * behind
        week_args[m, 4] = team_n[m] > 0
        typical[m] = _split(week_args[m], 0.0, prm[c].manager_customer_work_share, habit[m])
        h_admin[m] = admin * squeeze[m] * present[m]
        h_meeting[m] = meet * squeeze[m]

    # the typical week's time with the team is spread by the manager's habit; a policy's floor is
    # each rep's own, spread by the allocation rule (so the target is the team's average: "equal"
    # gives every rep the floor), and a rep whose habitual coaching is above it keeps that: the
    # team's floor is the sum over its reps of the larger of the two
    habit_share = np.zeros(n_reps)
    offered = np.zeros(n_reps)
    short = np.zeros(n_reps)
    split = typical.copy()
    for m in range(n_mgr):
        c = manager_run[m]
        target = _target(prm[c].coaching_hours_per_rep_month)
        habit_total = rule_total = 0.0
        for k in range(bounds[m], bounds[m + 1]):
            i = seat_order[k]
            habit_share[i] = _habit_weight(prm[c].manager_remediation_tilt, pct[i]) * occupied[i]
            habit_total += habit_share[i]
            short[i] = _allocation_weight(allocation, pct[i], tenure[i], prm[c].rep_ramp_weeks) * occupied[i]
            rule_total += short[i]
        team_short = 0.0
        for k in range(bounds[m], bounds[m + 1]):
            i = seat_order[k]
            habit_share[i] = habit_share[i] / max(habit_total, TINY)
            offered[i] = typical[m, 3] * habit_share[i]  # the habitual coaching
            rule = short[i] / max(rule_total, TINY)
            short[i] = max(target * team_n[m] * rule / WEEKS_PER_MONTH - offered[i], 0.0) * occupied[i]
            team_short += short[i]
        if target:
            split[m] = _split(week_args[m], typical[m, 3] + team_short, prm[c].manager_customer_work_share, habit[m])
            filled = min((split[m, 3] - typical[m, 3]) / max(team_short, TINY), 1.0)
            for k in range(bounds[m], bounds[m + 1]):
                i = seat_order[k]
                offered[i] = offered[i] + short[i] * filled
        h_distractions[m] = prm[c].manager_distraction_hours_per_week * squeeze[m] * present[m] + split[m, 1]
        h_selling[m] = split[m, 0]

    # reps: admin and meetings first, then being coached, then deal talks; selling is the rest
    meeting_rep = np.zeros(n_reps, np.bool_)
    with_rep = np.empty(n_reps)
    free = np.empty(n_reps)
    n_runs = deal_focus.size // execs_per_run
    passing = np.zeros(n_runs, np.bool_)
    for i in range(n_reps):
        m, c = team[i], rep_run[i]
        with_rep[i] = offered[i] + (split[m, 2] - split[m, 3]) * habit_share[i]
        meeting_rep[i] = meeting[m] and occupied[i]
        r_admin[i] = min(prm[c].rep_admin_hours_per_week, prm[c].rep_hours_per_week) * occupied[i]
        r_meeting[i] = (
            min(meeting_rep[i] * prm[c].meetings_duration_hours, prm[c].rep_hours_per_week - r_admin[i]) * occupied[i]
        )
        free[i] = prm[c].rep_hours_per_week * occupied[i] - r_admin[i] - r_meeting[i]
        r_coached[i] = min(offered[i], free[i])
        passing[c] |= offered[i] - r_coached[i] > TINY
    reps_per_run, managers_per_run = n_reps // n_runs, n_mgr // n_runs
    for c in range(n_runs):
        if passing[c]:  # a rep of this run without the hours for their share
            reps, managers = (
                (c * reps_per_run, (c + 1) * reps_per_run),
                (c * managers_per_run, (c + 1) * managers_per_run),
            )
            _pass_on(reps, managers, team, bounds, offered, r_coached, with_rep, free)
    ride_rep = np.empty(n_reps)
    h_coaching[:] = 0.0
    h_rides[:] = 0.0
    for i in range(n_reps):
        talk_need = deal_focus[exec_of_rep[i]] / max(seats_of_exec[exec_of_rep[i]], 1.0) * occupied[i]
        r_talks[i] = min(talk_need, free[i] - r_coached[i])
        r_selling[i] = free[i] - r_coached[i] - r_talks[i]
        # time with a rep that is not a one-on-one (by habit, or because the rep had no hours for
        # one) is spent riding along on the rep's deals: joint selling, inside the rep's selling time
        ride_rep[i] = with_rep[i] - r_coached[i]
        h_coaching[team[i]] += r_coached[i]
        h_rides[team[i]] += ride_rep[i]
    return meeting, meeting_rep, ride_rep, exec_coaching_month


@kernel(inline="always")
def _target(hours):
    """The policy's coaching hours a rep a month, 0 with no policy (an unset target is NaN)."""
    return hours if hours > 0.0 else 0.0


@kernel(inline="always")
def _split(args, floor, customer_share, habit):
    """A manager's week (``_manager_week``) from their row of the week's arguments, as an array."""
    out = np.empty(4)
    out[0], out[1], out[2], out[3] = _manager_week(
        args[0], floor, args[1], args[2], args[3], customer_share, habit, args[4] > 0
    )
    return out


@kernel
def _pass_on(reps, managers, team, bounds, weights, coached, with_rep, free):
    """Coaching a rep has no free hours for goes to teammates who have them, by their weights.

    The team's coaching is then delivered up to the team's free hours, as the floor of an
    inspected target requires. The manager's other time with the team (ride-alongs) is spread
    again over the reps whose share of it the coaching did not fill, so no rep's is negative.
    Applies to one run: its rep seats ``reps[0]`` to ``reps[1]`` and its managers ``managers[0]``
    to ``managers[1]``; ``coached`` and ``with_rep`` are updated in place.
    """
    lo, hi = reps
    first, n_mgr = managers[0], managers[1] - managers[0]
    offered = weights[lo:hi].copy()  # this run's, offered[i - lo] for seat i
    excess, total = np.zeros(n_mgr), np.zeros(n_mgr)
    largest = 0
    for m in range(managers[0], managers[1]):
        largest = max(largest, bounds[m + 1] - bounds[m])
    for _ in range(largest):  # a rep fills up at each pass at least
        excess[:] = 0.0
        total[:] = 0.0
        for i in range(lo, hi):
            excess[team[i] - first] += offered[i - lo] - coached[i]
            total[team[i] - first] += weights[i] * (free[i] - coached[i] > TINY)
        more = False
        for m in range(n_mgr):
            more |= excess[m] > TINY and total[m] > 0
        if not more:
            break
        for i in range(lo, hi):
            m = team[i] - first
            open_ = weights[i] * (free[i] - coached[i] > TINY)
            offered[i - lo] = coached[i] + excess[m] * open_ / max(total[m], TINY) * (total[m] > 0)
            coached[i] = min(offered[i - lo], free[i])
    ride_team, coached_team, spread = np.zeros(n_mgr), np.zeros(n_mgr), np.zeros(n_mgr)
    for i in range(lo, hi):
        m = team[i] - first
        ride_team[m] += with_rep[i]
        coached_team[m] += coached[i]
        spread[m] += max(with_rep[i] - coached[i], 0.0)
    for i in range(lo, hi):
        m = team[i] - first
        ride = max(with_rep[i] - coached[i], 0.0) * (max(ride_team[m] - coached_team[m], 0.0) / max(spread[m], TINY))
        with_rep[i] = coached[i] + ride


def team_percentile(model: SalesOrgModel) -> np.ndarray:
    """Each rep's percentile of rolling attainment within the team, 0 = lowest, 1 = highest.

    Ties keep seat order; empty seats rank after everyone in seat (their weights are unused).
    """
    R, org = model.reps, model.org
    return _percentiles(R.roll_book, R.roll_quota, R.occupied, org.seat_order, org.team_bounds)


@kernel
def _percentiles(roll_book, roll_quota, occupied, seat_order, bounds):
    """Rank each team by an insertion sort (a team is a handful of seats), stable as ties need."""
    pct = np.empty(occupied.size)
    largest = 0
    for m in range(bounds.size - 1):
        largest = max(largest, bounds[m + 1] - bounds[m])
    ranked, att = np.empty(largest, np.int64), np.empty(largest)
    for m in range(bounds.size - 1):
        heads = 0
        for k in range(bounds[m + 1] - bounds[m]):
            s = seat_order[bounds[m] + k]
            heads += occupied[s]
            a = roll_book[s] / max(roll_quota[s], TINY) if occupied[s] else np.inf
            j = k
            while j > 0 and att[j - 1] > a:  # seats come in seat order: a tie stays behind
                ranked[j], att[j] = ranked[j - 1], att[j - 1]
                j -= 1
            ranked[j], att[j] = s, a
        scale = max(heads - 1, 1)
        for r in range(bounds[m + 1] - bounds[m]):
            pct[ranked[r]] = r / scale
    return pct
