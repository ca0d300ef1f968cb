"""Turnover (ODD 7.12 and 7.13): reps quit and are hired after a lag; managers leave and are replaced.

Every seat draws its uniform each week whether or not anyone is in it, so two policies run on
one seed keep their draws aligned seat by seat; a hire's aptitude is keyed by the seat and the
week of the hire. A promotion (the team's top rep becomes its manager) and a hire are rare and
per person, and stay in Python.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import WEEKS_PER_YEAR, weekly_hazard
from sim.compiled import kernel
from sim.development import behind, update_quality
from sim.initialisation import new_manager_state, rep_aptitude, segment_of
from sim.keys import Purpose, block, uniforms
from sim.numerics import TINY
from sim.tables import rep_records

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["turn_over"]


def turn_over(model: SalesOrgModel, week: int) -> None:
    """Reps and managers leave; vacancies are filled after a lag; managers are replaced."""
    p, org, R, M = model.p, model.org, model.reps, model.managers
    u_mgr = uniforms(model.keys, org.manager_copy, week, Purpose.MANAGER_LEAVES, org.manager_seat)
    R.vacancy_left -= ~R.occupied
    quits = _quits(
        model.keys,
        org.rep_copy,
        org.rep_seat,
        week,
        (R.occupied, R.motivation, R.roll_book, R.roll_quota, R.tenure),
        weekly_hazard(p.rep.attrition_per_year),
        p.rep.attrition_motivation_sensitivity,
        p.rep.attrition_attainment_sensitivity,
        int(p.rep.ramp_weeks),
    )
    if quits.size:
        _vacate_reps(model, quits, week, "quit")
        if week >= p.sim.warmup_weeks:
            model.ledger.departures += np.bincount(org.rep_copy[quits], minlength=model.stack)
    # managers leave and are replaced by the promotion policy (a promotion vacates a rep seat)
    M.vacancy_left -= ~M.present
    leaving = np.flatnonzero(M.present & (u_mgr < -math.expm1(-weekly_hazard(p.manager.attrition_per_year))))
    if leaving.size:
        _replace_managers(model, leaving, week)
    hired = np.flatnonzero(~M.present & (M.vacancy_left <= 0))
    if hired.size:
        new_manager_state(model, hired, False, p.promotion.experienced_coaching_skill, week)
        model.manager_agents.fill(hired)
    update_quality(model)
    # vacancies whose hiring lag has run out are filled: a lag of L weeks leaves L weeks empty
    fill = np.flatnonzero(~R.occupied & (R.vacancy_left <= 0))
    if fill.size:
        _hire_reps(model, fill, week)
    R.tenure += R.occupied
    M.weeks_in_role += M.present


@kernel
def _quits(keys, copy, seat, week, reps, base_hazard, motivation_sensitivity, behind_sensitivity, ramp_weeks):
    """The rep seats whose person quits this week.

    Reps quit with a weekly hazard raised by low motivation and by falling behind; every seat
    draws its uniform whether or not anyone is in it.
    """
    occupied, motivation, roll_book, roll_quota, tenure = reps
    quits = np.zeros(seat.size, np.bool_)
    for i in range(seat.size):
        u = block(keys[copy[i]], week, Purpose.REP_QUITS, seat[i], 0)[0]
        hazard = base_hazard * np.exp(
            motivation_sensitivity * (1 - motivation[i])
            + behind_sensitivity * behind(roll_book[i], roll_quota[i], tenure[i], ramp_weeks)
        )
        quits[i] = occupied[i] and u < -np.expm1(-hazard)
    return np.flatnonzero(quits)


def _hire_reps(model: SalesOrgModel, seats: np.ndarray, week: int) -> None:
    p, R, S = model.p, model.reps, model.sellers
    R.occupied[seats] = True
    R.aptitude[seats] = rep_aptitude(model, seats, week)
    R.skill[seats] = R.aptitude[seats] * p.rep.new_hire_skill_share
    R.motivation[seats] = p.rep.new_hire_motivation
    R.tenure[seats] = 0
    R.hire_week[seats] = week
    R.segment[seats] = segment_of(model, R.aptitude[seats], np.ones(seats.size, bool))
    R.coach_stock[seats] = 0.0
    R.attention[seats] = 0.0
    R.roll_book[seats] = R.roll_quota[seats] = model.org.rep_quota[seats] / WEEKS_PER_YEAR
    R.ytd_book[seats] = R.ytd_quota[seats] = 0.0
    S.active[seats] = S.stalled[seats] = 0  # a rep seat is its seller row
    model.ledger.reset_seats(seats)
    model.rep_agents.fill(seats)


def _vacate_reps(model: SalesOrgModel, seats: np.ndarray, week: int, reason: str) -> None:
    R, S, ledger = model.reps, model.sellers, model.ledger
    model.departed.append(rep_records(model, seats, reason))
    ledger.fold_leavers(seats)
    model.rep_agents.vacate(seats)
    R.occupied[seats] = False
    R.vacancy_left[seats] = model.p.rep.hiring_lag_weeks
    S.active[seats] = S.stalled[seats] = 0  # a rep seat is its seller row
    ledger.reset_seats(seats)


def _replace_managers(model: SalesOrgModel, leaving: np.ndarray, week: int) -> None:
    """Managers leave: each team's top rep is promoted, or an experienced manager is hired after a lag."""
    p, M, R, S = model.p, model.managers, model.reps, model.sellers
    model.manager_agents.vacate(leaving)
    own = model.org.n_reps + leaving  # the managers' seller rows
    S.active[own] = S.stalled[own] = 0
    top = np.full(leaving.size, -1)
    if p.promotion.policy == "promote_top_rep":
        for k, i in enumerate(leaving):
            seats = model.team_seats(i)
            seats = seats[R.occupied[seats]]
            if seats.size:
                top[k] = seats[np.argmax(R.roll_book[seats] / np.maximum(R.roll_quota[seats], TINY))]
    found = top >= 0
    promoted, top = leaving[found], top[found]
    if promoted.size:
        new_manager_state(model, promoted, True, p.manager.coaching_skill_mean, week)
        M.sell_skill[promoted] = R.skill[top]
        # the new manager keeps their own deals and keeps selling them
        S.active[own[found]], S.stalled[own[found]] = S.active[top], S.stalled[top]
        _vacate_reps(model, top, week, "promoted")
        model.manager_agents.fill(promoted)
    hiring = leaving[~found]
    M.present[hiring] = False
    M.vacancy_left[hiring] = p.promotion.hire_lag_weeks
