"""Selling: ride-alongs are joint selling with a bounded effect, and deals are timed around quota."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim import selling

N = 16
# the compiled rules take one seller's numbers; the tests apply them to columns of sellers
joint_win_rate = np.vectorize(selling.joint_win_rate)
deal_timing = np.vectorize(selling.deal_timing)


def column(low: float, high: float) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, N, elements=st.floats(low, high, allow_nan=False, allow_subnormal=False))


@settings(max_examples=300, deadline=None)
@given(
    win=column(0, 0.95),
    manager_win=column(0, 0.95),
    ride=column(0, 40),
    resolving=column(0, 20),
    opportunities=st.floats(0, 10),
    motivation=st.floats(0, 1),
)
def test_a_ride_along_hour_books_no_more_than_an_hour_of_the_managers_own_selling(
    win, manager_win, ride, resolving, opportunities, motivation
):
    joint = joint_win_rate(win, manager_win, ride, resolving, opportunities, motivation)
    assert np.all(joint >= win - 1e-12) and np.all(joint <= 1)
    extra_wins = resolving * (joint - win)  # expected deals won this week because the manager joined
    own_selling_wins = ride * opportunities * motivation * manager_win  # the same hours on own deals
    assert np.all(extra_wins <= own_selling_wins + 1e-9)


def test_no_ride_along_no_lift_and_the_lift_saturates_when_every_deal_is_joined():
    win, manager_win = np.full(3, 0.3), np.full(3, 0.4)
    resolving = np.full(3, 1.0)
    np.testing.assert_array_equal(joint_win_rate(win, manager_win, np.zeros(3), resolving, 0.1, 0.9), win)
    full = joint_win_rate(win, manager_win, np.full(3, 1000.0), resolving, 0.1, 0.9)
    np.testing.assert_allclose(full, 1 - 0.7 * 0.6)  # won if either would win it


def test_deals_are_pulled_in_when_quota_is_within_reach_and_held_back_otherwise():
    gap = np.array([50.0, -10.0, 500.0, 0.0])  # within reach, made, out of reach, made exactly
    pipeline = np.full(4, 100.0)
    np.testing.assert_array_equal(deal_timing(13, 13, gap, pipeline, 0.5), [1.5, 0.5, 0.5, 0.5])
    np.testing.assert_array_equal(deal_timing(14, 13, gap, pipeline, 0.5), 1.0)  # not the last quarter
    np.testing.assert_array_equal(deal_timing(3, 13, gap, pipeline, 0.0), 1.0)  # no timing at all
