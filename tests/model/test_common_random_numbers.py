"""Keyed random numbers give common random numbers seat by seat, and a run's numbers whatever its batch.

Every draw is a function of (the run's key, the week, the purpose, the seat), so what one seat
draws cannot depend on what another seat drew, on the policy, or on which runs share a stack.
"""

from __future__ import annotations

import numpy as np

from sim.development import develop_people
from sim.hours import plan_hours
from sim.mesa_compat import steps
from sim.model import SalesOrgModel
from sim.selling import sell

SMALL = {"org.reps": 40, "sim.weeks": 8, "sim.warmup_weeks": 0}


def _before_selling(extra_deals: int) -> SalesOrgModel:
    model = SalesOrgModel(seed=11, params=SMALL)
    for _ in range(3):
        model.step()
    model.sellers.active[0] += extra_deals  # one seller, and only they, has more open deals
    week = steps(model)
    plan_hours(model, week)
    develop_people(model)
    sell(model, week)
    return model


def test_one_sellers_extra_deals_change_no_other_sellers_draws():
    a, b = _before_selling(0), _before_selling(25)
    assert a.sellers.active[0] != b.sellers.active[0]
    np.testing.assert_array_equal(a.sellers.active[1:], b.sellers.active[1:])
    np.testing.assert_array_equal(a.sellers.stalled[1:], b.sellers.stalled[1:])
    np.testing.assert_array_equal(a.rep_book[1:], b.rep_book[1:])


def test_two_policies_start_from_the_same_people_and_teams():
    base = SalesOrgModel(seed=5, params={"org.reps": 120})
    policy = SalesOrgModel(seed=5, params={"org.reps": 120, "coaching.hours_per_rep_month": 3.0})
    np.testing.assert_array_equal(base.org.team, policy.org.team)
    for name in ("aptitude", "skill", "motivation", "tenure", "occupied"):
        np.testing.assert_array_equal(getattr(base.reps, name), getattr(policy.reps, name), err_msg=name)
    for name in ("coach_base", "sell_skill", "habit", "response", "coaches"):
        np.testing.assert_array_equal(getattr(base.managers, name), getattr(policy.managers, name), err_msg=name)


def test_a_runs_numbers_do_not_depend_on_the_runs_it_is_batched_with():
    first = SalesOrgModel(seeds=[3, 8], params=SMALL)
    second = SalesOrgModel(seeds=[21, 3, 40], params=SMALL)
    first.run_model()
    second.run_model()
    np.testing.assert_equal(first.stack_metrics()[0], second.stack_metrics()[1])
    n = first.org.reps_per_copy
    np.testing.assert_array_equal(first.reps.skill[:n], second.reps.skill[n : 2 * n])
