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

__all__ = ["develop_people", "rep_behind", "saturating", "update_quality"]

MOTIVATION_RANGE = (0.02, 1.0)
PRACTICE_SCALE = 2.0  # coaching hours a rep and month of practice at which its gain is 63% reached
VISIT_SCALE = 1.0  # field visits a quarter at which their skill gain is 63% reached


@kernel
def saturating(x: np.ndarray | float, scale: float) -> np.ndarray | float:
    """Diminishing returns: 1 - exp(-x / scale), 0 at 0 and approaching 1 (arrays or numbers)."""
    return -np.expm1(-x / scale)


def develop_people(model: SalesOrgModel) -> None:
    """Coaching builds skill and motivation over weeks; managers learn to coach."""
    p, org, R, M = model.p, model.org, model.reps, model.managers
    r = model.week_hours["rep"]
    q = M.quality[org.team]
    real, ride, talk = r["being_coached"], model.ride_rep, r["executive_deal_talks"]
    memory = 1 / p.coaching.memory_weeks
    # skill: a target set by practice and a saturating coaching dose (quantity x quality)
    dose = (real * (1 - p.coaching.pipeline_review_share) + ride * p.coaching.ride_along_teaching) * q
    R.coach_stock += memory * (dose * WEEKS_PER_MONTH - R.coach_stock)
    nominal = max(p.rep.hours_per_week - p.rep.admin_hours_per_week, TINY)
    practice = np.minimum(1.0, r["selling"] / nominal)
    fp = p.rep.practice_share
    target = R.aptitude * (fp * practice + (1 - fp) * saturating(R.coach_stock, p.coaching.dose_scale))
    rate = np.where(
        target > R.skill,
        np.where(R.tenure < p.rep.ramp_weeks, p.rep.ramp_learning_rate, p.rep.learning_rate),
        p.rep.skill_decay,
    )
    R.skill += rate * (target - R.skill) * R.occupied
    # motivation: attention and regular meetings raise it, falling behind lowers it
    # a ride-along is the manager selling, not attention to the rep's development (article A003)
    attention = real + ride * p.coaching.ride_along_teaching + talk
    R.attention += memory * (attention * WEEKS_PER_MONTH - R.attention)
    M.meet_stock = M.meet_stock * (1 - p.meetings.memory_decay) + model.meeting * min(1.0, p.meetings.duration_hours)
    meet_effect = np.minimum(1.0, p.meetings.memory_decay * M.meet_stock)[org.team]
    m_target = (
        p.motivation.base
        + p.motivation.coaching_effect * saturating(R.attention, p.motivation.attention_scale)
        + p.motivation.meeting_effect * meet_effect
        - p.motivation.behind_effect * rep_behind(model)
    )
    R.motivation += p.motivation.adjust_rate * (np.clip(m_target, *MOTIVATION_RANGE) - R.motivation) * R.occupied
    # managers' coaching skill: training, executive coaching, debriefs, practice
    M.exec_stock += (model.exec_coaching_month - M.exec_stock) / WEEKS_PER_QUARTER
    team_n = np.bincount(org.team, weights=R.occupied, minlength=org.n_managers)
    per_rep = model.week_hours["manager"]["coaching"] / np.maximum(team_n, 1) * WEEKS_PER_MONTH
    M.practice += (per_rep - M.practice) / WEEKS_PER_QUARTER
    q_target = (
        M.coach_base
        + p.manager.training * p.manager.training_gain
        + p.executive.coaching_gain * saturating(M.exec_stock, p.executive.coaching_scale)
        + p.executive.visit_skill_gain * saturating(M.visit_stock, VISIT_SCALE)
        + p.manager.practice_gain * saturating(M.practice, PRACTICE_SCALE)
    )
    M.coach_skill += p.manager.skill_adjust_rate * (np.minimum(q_target, 1.0) - M.coach_skill) * M.present
    update_quality(model)


def rep_behind(model: SalesOrgModel) -> np.ndarray:
    """Each rep's shortfall (0-1) of recent bookings against what is expected of them now.

    A tenured rep is expected to book their quota; a new hire in the ramp is expected to
    book a share of it rising with tenure, as ramped quotas for new hires set it **[A32]**,
    so the ramp itself is not taken for falling behind.
    """
    R, ramp = model.reps, model.p.rep.ramp_weeks
    expected = np.minimum(1.0, (R.tenure + 1) / ramp) if ramp else 1.0
    return np.clip(1 - R.roll_book / np.maximum(R.roll_quota * expected, TINY), 0, 1)


def update_quality(model: SalesOrgModel) -> None:
    M, p = model.managers, model.p
    mult = p.coaching.framework_multiplier if p.coaching.framework else 1.0
    M.quality = np.minimum(1.0, M.coach_skill * mult) * M.present
