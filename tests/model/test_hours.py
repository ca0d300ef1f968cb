"""The hour rule: every manager hour has a named use, and a coaching target is a floor.

The rule (``sim.hours.manager_week``) is checked on its own over arbitrary arrays, and in the
model over any valid parameters: adding a coaching target never lowers a manager's hours with
the team (real coaching plus ride-alongs), nor any rep's real coaching, and never leaves an hour
idle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.hours import effective_inspection, manager_week
from tests.model.test_model_invariants import PARAMETERS

TOL = 1e-9
N = 12  # managers in one drawn week


def column(low: float, high: float) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, N, elements=st.floats(low, high, allow_nan=False, allow_subnormal=False))


WEEKS = st.fixed_dictionaries(
    {
        "discretionary": column(0, 90),
        "inspection": column(0, 1),
        "selling_need": column(0, 80),
        "pressure": column(0, 5),
        "customer_share": st.floats(0, 1),
        "habit": column(0, 1),
        "has_team": hnp.arrays(np.bool_, N),
    }
)


@settings(max_examples=300, deadline=None)
@given(week=WEEKS, floor=column(0, 60))
def test_a_floor_never_lowers_time_with_the_team_and_no_hour_is_idle(week: dict[str, Any], floor: np.ndarray):
    without = manager_week(floor=np.zeros(N), **week)
    with_floor = manager_week(floor=floor, **week)
    for split in (without, with_floor):
        total = split.selling + split.customer_work + split.with_team
        np.testing.assert_allclose(total, np.maximum(week["discretionary"], 0), atol=TOL)  # nothing idle
        for part in split:
            assert np.all(part >= -TOL)
        assert np.all(split.coaching <= split.with_team + TOL)
        assert np.all(split.with_team[~week["has_team"]] == 0)  # no team, no time with it
    assert np.all(with_floor.with_team >= without.with_team - TOL)
    assert np.all(with_floor.coaching >= without.coaching - TOL)
    assert np.all(with_floor.selling <= without.selling + TOL)  # the floor's hours come from selling...
    assert np.all(with_floor.customer_work <= without.customer_work + TOL)  # ...and from customer work
    # the inspected share of the floor is delivered as real coaching, as far as the week allows
    protected = np.minimum(week["inspection"] * floor, week["discretionary"]) * week["has_team"]
    assert np.all(with_floor.coaching >= protected - TOL)
    # a manager whose habit already gives the protected floor keeps the typical week
    met = without.coaching >= protected
    for part, typical in zip(with_floor, without, strict=True):
        np.testing.assert_array_equal(part[met], typical[met])
    # the floor's hours come from customer work before own selling, and from riding along last
    took_selling = with_floor.selling < without.selling - TOL
    assert np.all(with_floor.customer_work[took_selling] <= TOL)
    converted = with_floor.coaching - without.coaching > with_floor.with_team - without.with_team + TOL
    assert np.all(with_floor.selling[converted] <= TOL) and np.all(with_floor.customer_work[converted] <= TOL)


@settings(max_examples=200, deadline=None)
@given(week=WEEKS)
def test_without_a_floor_the_team_gets_the_spare_hours_in_the_habitual_mix(week: dict[str, Any]):
    split = manager_week(floor=np.zeros(N), **week)
    np.testing.assert_allclose(split.coaching, (1 - week["habit"]) * split.with_team, atol=TOL)


def test_a_full_kpi_binds_every_manager_and_partial_inspection_binds_the_responsive_more():
    response = np.array([0.2, 1.0, 5.0])
    np.testing.assert_array_equal(effective_inspection(1.0, np.zeros(3), response), 1.0)
    np.testing.assert_array_equal(effective_inspection(0.0, np.zeros(3), response), 0.0)
    partial = effective_inspection(0.5, np.zeros(3), response)
    assert np.all(np.diff(partial) > 0) and partial[1] == 0.5
    visits = effective_inspection(0.0, np.full(3, 0.8), response)
    assert np.all(np.diff(visits) > 0) and np.all((visits > 0) & (visits < 1))


HOURS_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HOURS_SETTINGS
@given(values=PARAMETERS, target=st.floats(0, 40), seed=st.integers(0, 2**32 - 1))
def test_in_the_model_a_coaching_target_never_lowers_time_with_reps(
    values: dict[str, Any], target: float, seed: int, build_model
):
    """For any valid parameters: the same org with and without a target, in the same first week."""
    weeks = []
    for policy in (None, target):
        model = build_model({**values, "coaching.hours_per_rep_month": policy}, seed)
        present = model.managers.present.copy()
        model.step()
        weeks.append((model.week_hours["manager"], present, model.week_hours["rep"]["being_coached"].copy()))
    (without, present, coached_without), (with_target, _, coached_with) = weeks
    budget = values["manager.hours_per_week"] * present
    for hours in (without, with_target):
        np.testing.assert_allclose(sum(hours.values()), budget, atol=1e-8)  # every hour has a use
    team = lambda h: h["coaching"] + h["ride_alongs"]  # noqa: E731
    assert np.all(team(with_target) >= team(without) - 1e-8)
    assert np.all(with_target["coaching"] >= without["coaching"] - 1e-8)
    assert np.all(coached_with >= coached_without - 1e-8)  # rep by rep: a target only tops up
