"""Development (ODD 7.7-7.9): coaching builds rep skill and motivation over weeks; managers learn to coach.

Coaching is a dose of quantity times quality that saturates; skill moves toward a target set by
practice and that dose (fast in the ramp, slowly decaying without it); motivation moves toward
a target raised by attention and meetings and lowered by falling behind; a manager's coaching
skill moves toward a target raised by training, the executive's coaching and field visits, and
practice.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.calendar import WEEKS_PER_MONTH, WEEKS_PER_QUARTER
from sim.compiled import kernel
from sim.numerics import TINY
from sim.runs import column, records

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["DevelopmentParams", "behind", "develop_people", "development_params", "saturating", "update_quality"]

MOTIVATION_RANGE = (0.02, 1.0)
PRACTICE_SCALE = 2.0  # coaching hours a rep and month of practice at which its gain is 63% reached
VISIT_SCALE = 1.0  # field visits a quarter at which their skill gain is 63% reached


@kernel(inline="always")
def saturating(x: np.ndarray | float, scale: float) -> np.ndarray | float:
    """Diminishing returns: 1 - exp(-x / scale), 0 at 0 and approaching 1 (arrays or numbers)."""
    return -np.expm1(-x / scale)


class DevelopmentParams(NamedTuple):
    """The parameters of the week's development (ODD 7.7-7.9), each an array with an entry per run."""

    memory_weeks: np.ndarray  #: coaching.memory_weeks
    review_share: np.ndarray  #: coaching.pipeline_review_share
    ride_along_teaching: np.ndarray  #: coaching.ride_along_teaching
    dose_scale: np.ndarray  #: coaching.dose_scale
    nominal_selling: np.ndarray  #: rep.hours_per_week - rep.admin_hours_per_week (at least TINY)
    practice_share: np.ndarray  #: rep.practice_share
    ramp_weeks: np.ndarray  #: rep.ramp_weeks
    ramp_learning_rate: np.ndarray  #: rep.ramp_learning_rate
    learning_rate: np.ndarray  #: rep.learning_rate
    skill_decay: np.ndarray  #: rep.skill_decay
    meeting_decay: np.ndarray  #: meetings.memory_decay
    meeting_dose: np.ndarray  #: min(1, meetings.duration_hours)
    motivation_base: np.ndarray  #: motivation.base
    coaching_effect: np.ndarray  #: motivation.coaching_effect
    attention_scale: np.ndarray  #: motivation.attention_scale
    meeting_effect: np.ndarray  #: motivation.meeting_effect
    behind_effect: np.ndarray  #: motivation.behind_effect
    adjust_rate: np.ndarray  #: motivation.adjust_rate
    trained: np.ndarray  #: manager.training * manager.training_gain
    exec_coaching_gain: np.ndarray  #: executive.coaching_gain
    exec_coaching_scale: np.ndarray  #: executive.coaching_scale
    visit_skill_gain: np.ndarray  #: executive.visit_skill_gain
    practice_gain: np.ndarray  #: manager.practice_gain
    skill_adjust_rate: np.ndarray  #: manager.skill_adjust_rate


def development_params(p: SimpleNamespace, runs: int) -> DevelopmentParams:
    """The development parameters of a model's parameter sections ``p``, for a stack of ``runs`` runs."""
    return records(_development_values(p), runs, whole=("ramp_weeks",))


def _development_values(p: SimpleNamespace) -> DevelopmentParams:
    return DevelopmentParams(
        memory_weeks=p.coaching.memory_weeks,
        review_share=p.coaching.pipeline_review_share,
        ride_along_teaching=p.coaching.ride_along_teaching,
        dose_scale=p.coaching.dose_scale,
        nominal_selling=np.maximum(p.rep.hours_per_week - p.rep.admin_hours_per_week, TINY),
        practice_share=p.rep.practice_share,
        ramp_weeks=p.rep.ramp_weeks,
        ramp_learning_rate=p.rep.ramp_learning_rate,
        learning_rate=p.rep.learning_rate,
        skill_decay=p.rep.skill_decay,
        meeting_decay=p.meetings.memory_decay,
        meeting_dose=np.minimum(1.0, p.meetings.duration_hours),
        motivation_base=p.motivation.base,
        coaching_effect=p.motivation.coaching_effect,
        attention_scale=p.motivation.attention_scale,
        meeting_effect=p.motivation.meeting_effect,
        behind_effect=p.motivation.behind_effect,
        adjust_rate=p.motivation.adjust_rate,
        trained=p.manager.training * p.manager.training_gain,
        exec_coaching_gain=p.executive.coaching_gain,
        exec_coaching_scale=p.executive.coaching_scale,
        visit_skill_gain=p.executive.visit_skill_gain,
        practice_gain=p.manager.practice_gain,
        skill_adjust_rate=p.manager.skill_adjust_rate,
    )


def develop_people(model: SalesOrgModel) -> None:
    """Coaching builds skill and motivation over weeks; managers learn to coach."""
    R, M = model.reps, model.managers
    r, h = model.week_hours["rep"], model.week_hours["manager"]
    reps = (
        R.occupied,
        R.tenure,
        R.aptitude,
        R.roll_book,
        R.roll_quota,
        R.coach_stock,
        R.attention,
        R.skill,
        R.motivation,
    )
    hours = (r["being_coached"], model.ride_rep, r["executive_deal_talks"], r["selling"])
    managers = (
        M.present,
        M.meet_stock,
        M.quality,
        M.coach_base,
        M.exec_stock,
        M.visit_stock,
        M.practice,
        M.coach_skill,
    )
    _develop(
        (model.org.rep_copy, model.org.manager_copy),
        model.org.team,
        reps,
        hours,
        managers,
        model.meeting,
        h["coaching"],
        model.exec_coaching_month,
        model.development_params,
    )
    update_quality(model)


@kernel
def _develop(runs, team, reps, hours, managers, meeting, coaching, exec_coaching_month, prm):
    """The week's development of every rep and manager, in place (see the module's description)."""
    occupied, tenure, aptitude, roll_book, roll_quota, coach_stock, attention, skill, motivation = reps
    real, ride, talk, selling = hours
    present, meet_stock, quality, coach_base, exec_stock, visit_stock, practice, coach_skill = managers
    rep_run, manager_run = runs
    team_n = np.zeros(present.size)
    for m in range(present.size):
        c = manager_run[m]
        meet_stock[m] = meet_stock[m] * (1 - prm[c].meeting_decay) + meeting[m] * prm[c].meeting_dose
    for i in range(team.size):
        m, c = team[i], rep_run[i]
        memory = 1 / prm[c].memory_weeks
        fp = prm[c].practice_share
        team_n[m] += occupied[i]
        # skill: a target set by practice and a saturating coaching dose (quantity x quality)
        dose = (real[i] * (1 - prm[c].review_share) + ride[i] * prm[c].ride_along_teaching) * quality[m]
        coach_stock[i] += memory * (dose * WEEKS_PER_MONTH - coach_stock[i])
        practised = min(1.0, selling[i] / prm[c].nominal_selling)
        target = aptitude[i] * (fp * practised + (1 - fp) * saturating(coach_stock[i], prm[c].dose_scale))
        if target <= skill[i]:
            rate = prm[c].skill_decay
        elif tenure[i] < prm[c].ramp_weeks:
            rate = prm[c].ramp_learning_rate
        else:
            rate = prm[c].learning_rate
        skill[i] += rate * (target - skill[i]) * occupied[i]
        # motivation: attention and regular meetings raise it, falling behind lowers it;
        # a ride-along is the manager selling, not attention to the rep's development (article A003)
        attended = real[i] + ride[i] * prm[c].ride_along_teaching + talk[i]
        attention[i] += memory * (attended * WEEKS_PER_MONTH - attention[i])
        m_target = (
            prm[c].motivation_base
            + prm[c].coaching_effect * saturating(attention[i], prm[c].attention_scale)
            + prm[c].meeting_effect * min(1.0, prm[c].meeting_decay * meet_stock[m])
            - prm[c].behind_effect * behind(roll_book[i], roll_quota[i], tenure[i], prm[c].ramp_weeks)
        )
        m_target = min(max(m_target, MOTIVATION_RANGE[0]), MOTIVATION_RANGE[1])
        motivation[i] += prm[c].adjust_rate * (m_target - motivation[i]) * occupied[i]
    # managers' coaching skill: training, executive coaching, debriefs, practice
    for m in range(present.size):
        c = manager_run[m]
        exec_stock[m] += (exec_coaching_month[m] - exec_stock[m]) / WEEKS_PER_QUARTER
        per_rep = coaching[m] / max(team_n[m], 1.0) * WEEKS_PER_MONTH
        practice[m] += (per_rep - practice[m]) / WEEKS_PER_QUARTER
        q_target = (
            coach_base[m]
            + prm[c].trained
            + prm[c].exec_coaching_gain * saturating(exec_stock[m], prm[c].exec_coaching_scale)
            + prm[c].visit_skill_gain * saturating(visit_stock[m], VISIT_SCALE)
            + prm[c].practice_gain * saturating(practice[m], PRACTICE_SCALE)
        )
        coach_skill[m] += prm[c].skill_adjust_rate * (min(q_target, 1.0) - coach_skill[m]) * present[m]


@kernel(inline="always")
def behind(roll_book, roll_quota, tenure, ramp_weeks):
    """A rep's shortfall (0-1) of recent bookings against what is expected of them now.

    A tenured rep is expected to book their quota; a new hire in the ramp is expected to
    book a share of it rising with tenure, as ramped quotas for new hires set it **[A32]**,
    so the ramp itself is not taken for falling behind.
    """
    expected = min(1.0, (tenure + 1) / ramp_weeks) if ramp_weeks else 1.0
    return min(max(1 - roll_book / max(roll_quota * expected, TINY), 0.0), 1.0)


def update_quality(model: SalesOrgModel) -> None:
    """Each manager's coaching quality: skill times the selling framework's multiplier, 0 for an empty seat."""
    M, p = model.managers, model.p
    multiplier = column(p.coaching.framework_multiplier if p.coaching.framework else 1.0, model.stack)
    M.quality = _quality(M.coach_skill, multiplier, model.org.manager_copy, M.present)


@kernel
def _quality(coach_skill, multiplier, manager_run, present):
    quality = np.empty(coach_skill.size)
    for m in range(coach_skill.size):
        quality[m] = min(1.0, coach_skill[m] * multiplier[manager_run[m]]) * present[m]
    return quality
