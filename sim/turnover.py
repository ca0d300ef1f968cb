"""Turnover (ODD 7.12 and 7.13): reps quit and are hired after a lag; managers leave and are replaced.

Every seat draws its uniform each week whether or not anyone is in it, so two policies run on
one seed keep their draws aligned seat by seat; a hire's aptitude is keyed by the seat and the
week of the hire. A promotion (the team's top rep becomes its manager) and a hire are rare and
per person, and stay in Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import WEEKS_PER_YEAR, weekly_hazard
from sim.compiled import kernel
from sim.development import behind, update_quality
from sim.initialisation import new_manager_state, rep_aptitude, segment_of
from sim.keys import Purpose, block
from sim.numerics import TINY
from sim.runs import at, column
from sim.tables import rep_records

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["turn_over"]


def turn_over(model: SalesOrgModel, week: int) -> None:
    """Reps and managers leave; vacancies are filled after a lag; managers are replaced."""
    p, org, R, M = model.p, model.org, model.reps, model.managers
    quits, leaving = _leavers(
        model.keys,
        week,
        (org.rep_copy, org.rep_seat, org.manager_copy, org.manager_seat),
        (R.occupied, R.motivation, R.roll_book, R.roll_quota, R.tenure, R.vacancy_left),
        (M.present, M.vacancy_left),
        column(weekly_hazard(p.rep.attrition_per_year), model.stack),
        column(-np.expm1(-weekly_hazard(p.manager.attrition_per_year)), model.stack),
        model.run_records,
    )
    if quits.size:
        _vacate_reps(model, quits, week, "quit")
        if week >= p.sim.warmup_weeks:
            model.ledger.departures += np.bincount(org.rep_copy[quits], minlength=model.stack)
    # managers leave and are replaced by the promotion policy (a promotion vacates a rep seat)
    if leaving.size:
        _replace_managers(model, leaving, week)
    hired = _due(M.present, M.vacancy_left)
    if hired.size:
        new_manager_state(
            model, hired, False, at(p.promotion.experienced_coaching_skill, org.manager_copy[hired]), week
        )
        model.manager_agents.fill(hired)
    update_quality(model)
    # vacancies whose hiring lag has run out are filled: a lag of L weeks leaves L weeks empty
    fill = _due(R.occupied, R.vacancy_left)
    if fill.size:
        _hire_reps(model, fill, week)
    _grow_older(R.tenure, R.occupied, M.weeks_in_role, M.present)


@kernel
def _leavers(keys, week, seats, reps, managers, base_hazard, manager_leaves, prm):
    """The rep seats whose person quits this week, and the manager seats whose manager leaves.

    Reps quit with a weekly hazard raised by low motivation and by falling behind; managers leave
    with a fixed weekly probability. Every seat draws its uniform whether or not anyone is in it,
    and an empty seat's hiring lag counts down a week. ``base_hazard`` (a rep's weekly hazard at
    full motivation, on plan) and ``manager_leaves`` (a manager's weekly probability) are per run.
    """
    rep_copy, rep_seat, manager_copy, manager_seat = seats
    occupied, motivation, roll_book, roll_quota, tenure, vacancy_left = reps
    present, manager_vacancy_left = managers
    quits = np.zeros(occupied.size, np.bool_)
    for i in range(occupied.size):
        c = rep_copy[i]
        vacancy_left[i] -= not occupied[i]
        u = block(keys[c], week, Purpose.REP_QUITS, rep_seat[i], 0)[0]
        hazard = base_hazard[c] * np.exp(
            prm[c].rep_attrition_motivation_sensitivity * (1 - motivation[i])
            + prm[c].rep_attrition_attainment_sensitivity
            * behind(roll_book[i], roll_quota[i], tenure[i], prm[c].rep_ramp_weeks)
        )
        quits[i] = occupied[i] and u < -np.expm1(-hazard)
    leaving = np.zeros(present.size, np.bool_)
    for m in range(present.size):
        manager_vacancy_left[m] -= not present[m]
        u = block(keys[manager_copy[m]], week, Purpose.MANAGER_LEAVES, manager_seat[m], 0)[0]
        leaving[m] = present[m] and u < manager_leaves[manager_copy[m]]
    return np.flatnonzero(quits), np.flatnonzero(leaving)


@kernel
def _due(filled, vacancy_left):
    """The empty seats whose hiring lag has run out."""
    return np.flatnonzero(~filled & (vacancy_left <= 0))


@kernel
def _grow_older(tenure, occupied, weeks_in_role, present):
    """Everyone in a seat is a week longer in it."""
    for i in range(tenure.size):
        tenure[i] += occupied[i]
    for m in range(weeks_in_role.size):
        weeks_in_role[m] += present[m]


def _hire_reps(model: SalesOrgModel, seats: np.ndarray, week: int) -> None:
    p, R, S = model.p, model.reps, model.sellers
    runs = model.org.rep_copy[seats]
    R.occupied[seats] = True
    R.aptitude[seats] = rep_aptitude(model, seats, week)
    R.skill[seats] = R.aptitude[seats] * at(p.rep.new_hire_skill_share, runs)
    R.motivation[seats] = at(p.rep.new_hire_motivation, runs)
    R.tenure[seats] = 0
    R.hire_week[seats] = week
    R.segment[seats] = segment_of(model, seats, R.aptitude[seats], np.ones(seats.size, bool))
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
    R.vacancy_left[seats] = at(model.p.rep.hiring_lag_weeks, model.org.rep_copy[seats])
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
        new_manager_state(
            model, promoted, True, at(p.manager.coaching_skill_mean, model.org.manager_copy[promoted]), week
        )
        M.sell_skill[promoted] = R.skill[top]
        # the new manager keeps their own deals and keeps selling them
        S.active[own[found]], S.stalled[own[found]] = S.active[top], S.stalled[top]
        _vacate_reps(model, top, week, "promoted")
        model.manager_agents.fill(promoted)
    hiring = leaving[~found]
    M.present[hiring] = False
    M.vacancy_left[hiring] = at(p.promotion.hire_lag_weeks, model.org.manager_copy[hiring])
