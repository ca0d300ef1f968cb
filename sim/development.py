"""Development (ODD 7.7-7.9): coaching builds rep skill and motivation over weeks; managers learn to coach.

Coaching is a dose of quantity times quality that saturates; skill moves toward a target set by
practice and that dose (fast in the ramp, slowly decaying without it); motivation moves toward
a target raised by attention and meetings and lowered by falling behind; a manager's coaching
skill moves toward a target raised by training, the executive's coaching and field visits, and
practice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import WEEKS_PER_MONTH, WEEKS_PER_QUARTER
from sim.compiled import kernel
from sim.numerics import TINY

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["behind", "develop_people", "saturating", "update_quality"]

MOTIVATION_RANGE = (0.02, 1.0)
PRACTICE_SCALE = 2.0  # coaching hours a rep and month of practice at which its gain is 63% reached
VISIT_SCALE = 1.0  # field visits a quarter at which their skill gain is 63% reached


@kernel(inline="always")
def saturating(x: np.ndarray | float, scale: float) -> np.ndarray | float:
    """Diminishing returns: 1 - exp(-x / scale), 0 at 0 and approaching 1 (arrays or numbers)."""
    return -np.expm1(-x / scale)


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
        model.run_records,
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
        meet_stock[m] = meet_stock[m] * (1 - prm[c].meetings_memory_decay) + meeting[m] * min(
            1.0, prm[c].meetings_duration_hours
        )
    for i in range(team.size):
        m, c = team[i], rep_run[i]
        memory = 1 / prm[c].coaching_memory_weeks
        fp = prm[c].rep_practice_share
        team_n[m] += occupied[i]
        # skill: a target set by practice and a saturating coaching dose (quantity x quality)
        dose = (
            real[i] * (1 - prm[c].coaching_pipeline_review_share) + ride[i] * prm[c].coaching_ride_along_teaching
        ) * quality[m]
        coach_stock[i] += memory * (dose * WEEKS_PER_MONTH - coach_stock[i])
        practised = min(1.0, selling[i] / max(prm[c].rep_hours_per_week - prm[c].rep_admin_hours_per_week, TINY))
        target = aptitude[i] * (fp * practised + (1 - fp) * saturating(coach_stock[i], prm[c].coaching_dose_scale))
        if target <= skill[i]:
            rate = prm[c].rep_skill_decay
        elif tenure[i] < prm[c].rep_ramp_weeks:
            rate = prm[c].rep_ramp_learning_rate
        else:
            rate = prm[c].rep_learning_rate
        skill[i] += rate * (target - skill[i]) * occupied[i]
        # motivation: attention and regular meetings raise it, falling behind lowers it;
        # a ride-along is the manager selling, not attention to the rep's development (article A003)
        attended = real[i] + ride[i] * prm[c].coaching_ride_along_teaching + talk[i]
        attention[i] += memory * (attended * WEEKS_PER_MONTH - attention[i])
        m_target = (
            prm[c].motivation_base
            + prm[c].motivation_coaching_effect * saturating(attention[i], prm[c].motivation_attention_scale)
            + prm[c].motivation_meeting_effect * min(1.0, prm[c].meetings_memory_decay * meet_stock[m])
            - prm[c].motivation_behind_effect * behind(roll_book[i], roll_quota[i], tenure[i], prm[c].rep_ramp_weeks)
        )
        m_target = min(max(m_target, MOTIVATION_RANGE[0]), MOTIVATION_RANGE[1])
        motivation[i] += prm[c].motivation_adjust_rate * (m_target - motivation[i]) * occupied[i]
    # managers' coaching skill: training, executive coaching, debriefs, practice
    for m in range(present.size):
        c = manager_run[m]
        exec_stock[m] += (exec_coaching_month[m] - exec_stock[m]) / WEEKS_PER_QUARTER
        per_rep = coaching[m] / max(team_n[m], 1.0) * WEEKS_PER_MONTH
        practice[m] += (per_rep - practice[m]) / WEEKS_PER_QUARTER
        q_target = (
            coach_base[m]
            + prm[c].manager_training * prm[c].manager_training_gain
            + prm[c].executive_coaching_gain * saturating(exec_stock[m], prm[c].executive_coaching_scale)
            + prm[c].executive_visit_skill_gain * saturating(visit_stock[m], VISIT_SCALE)
            + prm[c].manager_practice_gain * saturating(practice[m], PRACTICE_SCALE)
        )
        coach_skill[m] += prm[c].manager_skill_adjust_rate * (min(q_target, 1.0) - coach_skill[m]) * present[m]


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
    M = model.managers
    M.quality = _quality(
        M.coach_skill, model.p.coaching.framework, model.run_records, model.org.manager_copy, M.present
    )


@kernel
def _quality(coach_skill, framework, prm, manager_run, present):
    quality = np.empty(coach_skill.size)
    for m in range(coach_skill.size):
        multiplier = prm[manager_run[m]].coaching_framework_multiplier if framework else 1.0
        quality[m] = min(1.0, coach_skill[m] * multiplier) * present[m]
    return quality
