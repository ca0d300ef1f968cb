"""Managers differ, so the coaching reps receive differs: the cross-section behind T1x and T2x.

The tables a run writes carry the coaching story: per manager, coaching as logged and as real,
against the policy's target; per rep, the real coaching received. The ledger's cross-section
is the same grouping as a reader would make from the rep table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.metrics import COACHED_LITTLE_HOURS, COACHED_WELL_HOURS, MIN_WEEKS_FOR_REP_ATTAINMENT, WEEKS_PER_MONTH
from sim.model import SalesOrgModel

STEADY = {"org.reps": 256, "sim.warmup_weeks": 52, "sim.weeks": 52}


@pytest.fixture(scope="module")
def typical(run_model) -> SalesOrgModel:
    return run_model(STEADY, seed=7)


def test_teams_differ_in_size_around_the_mean_span(build_model):
    model = build_model({"org.reps": 400, "org.span_of_control": 8, "org.span_sd": 2.0}, seed=1)
    sizes = np.bincount(model.org.team)
    assert sizes.sum() == 400 and sizes.min() >= 1
    assert sizes.size == 50 and sizes.mean() == 8
    assert 1.2 < sizes.std() < 2.8
    even = build_model({"org.reps": 400, "org.span_of_control": 8, "org.span_sd": 0.0}, seed=1)
    assert np.all(np.bincount(even.org.team) == 8)


def test_teams_are_drawn_per_seed_and_kept_across_policies(build_model):
    a = build_model({"org.reps": 200}, seed=3)
    b = build_model({"org.reps": 200, "coaching.hours_per_rep_month": 3.0, "manager.quota_share": 0.5}, seed=3)
    c = build_model({"org.reps": 200}, seed=4)
    np.testing.assert_array_equal(a.org.team, b.org.team)  # common random numbers: the same org
    np.testing.assert_array_equal(a.managers.habit, b.managers.habit)
    assert not np.array_equal(a.org.team, c.org.team)


def test_managers_differ_in_habit_and_in_response_to_inspection(build_model):
    values = {
        "org.reps": 1600,
        "manager.ride_along_habit": 0.8,
        "manager.ride_along_habit_spread": 0.5,
        "manager.coach_share": 0.25,
        "manager.coach_ride_along_habit": 0.4,
    }
    model = build_model(values)
    M = model.managers
    habit, response, coaches = M.habit, M.response, M.coaches
    assert 0.17 < coaches.mean() < 0.33  # some managers consistently coach...
    assert 0.3 < np.median(habit[coaches]) < 0.5  # ...and ride along far less than the rest
    assert 0.75 < np.median(habit[~coaches]) < 0.85
    assert habit[~coaches].std() > 0.03  # and within each kind managers still differ
    assert 0.8 < np.median(response) < 1.25 and response.std() > 0.2
    alike = build_model(
        {
            "org.reps": 800,
            "manager.coach_share": 0.0,
            "manager.ride_along_habit_spread": 0.0,
            "manager.inspection_response_spread": 0.0,
        }
    )
    assert np.ptp(alike.managers.habit) < 1e-12 and np.all(alike.managers.response == 1.0)


def test_promoted_top_reps_ride_along_more_than_the_managers_they_replace(run_model):
    values = {
        "org.reps": 400,
        "sim.weeks": 52,
        "manager.attrition_per_year": 0.5,
        "promotion.policy": "promote_top_rep",
        "manager.ride_along_habit": 0.5,
        "promotion.promoted_ride_along_habit": 0.9,
    }
    model = run_model(values, seed=2)
    table = model.manager_table()
    new = table["promoted_from_reps"]
    assert new.sum() > 10 and (~new).sum() > 5
    assert table.loc[new, "ride_along_habit"].median() > table.loc[~new, "ride_along_habit"].median() + 0.2


def test_in_the_typical_org_some_reps_get_three_hours_and_many_less_than_one(typical):
    reps = typical.rep_table()
    scored = reps[reps["counted_weeks"] >= MIN_WEEKS_FOR_REP_ATTAINMENT]
    hours = scored["coaching_hours_per_month"]
    assert (hours >= 3).mean() > 0.02
    assert (hours < 1).mean() > 0.2
    by_manager = typical.manager_table()["coaching_hours_per_rep_month"]
    assert by_manager.max() > 3 * by_manager.min()  # teams differ, not just reps


def test_the_cross_section_is_the_grouping_of_the_rep_table(typical):
    reps = typical.rep_table()
    scored = reps[reps["counted_weeks"] >= MIN_WEEKS_FOR_REP_ATTAINMENT]
    hours = scored["coaching_hours_per_month"]
    well, little = scored[hours >= COACHED_WELL_HOURS - 1e-9], scored[hours <= COACHED_LITTLE_HOURS + 1e-9]
    cs = typical.ledger.cross_section()
    assert cs["attainment_coached_3h_plus"] == pytest.approx(well["attainment"].mean())
    assert cs["attainment_coached_2h_or_less"] == pytest.approx(little["attainment"].mean())
    assert cs["share_coached_3h_plus"] == pytest.approx(len(well) / len(scored))
    assert cs["share_coached_2h_or_less"] == pytest.approx(len(little) / len(scored))
    att = typical.metrics()["attainment"]
    expected = (att - little["attainment"].mean()) / (well["attainment"].mean() - little["attainment"].mean())
    assert cs["attainment_between_groups"] == pytest.approx(expected)


def test_the_manager_table_carries_logged_and_real_coaching_against_the_target(run_model):
    policy = 3.0
    model = run_model({**STEADY, "coaching.hours_per_rep_month": policy, "coaching.kpi_inspection": 1.0}, seed=5)
    table = model.manager_table()
    for column in (
        "logged_coaching_hours_per_rep_month",
        "coaching_hours_per_rep_month",
        "coaching_target_hours_per_rep_month",
        "delivered_share_of_target",
        "ride_along_habit",
        "inspection_response",
        "team_seats",
    ):
        assert column in table.columns, column
    assert (table["logged_coaching_hours_per_rep_month"] >= table["coaching_hours_per_rep_month"] - 1e-9).all()
    assert (table["coaching_target_hours_per_rep_month"] == policy).all()
    np.testing.assert_allclose(table["delivered_share_of_target"], table["coaching_hours_per_rep_month"] / policy)
    # over the whole org the managers' real hours are the reps' received hours
    L = model.ledger
    team_hours = (table["coaching_hours_per_rep_month"] * L.team_rep_weeks / WEEKS_PER_MONTH).sum()
    assert team_hours == pytest.approx(L.coached[0])
    no_policy = run_model(STEADY, seed=5).manager_table()
    assert no_policy["coaching_target_hours_per_rep_month"].isna().all()
    assert no_policy["delivered_share_of_target"].isna().all()


def test_rep_table_keeps_the_real_coaching_each_rep_received(typical):
    reps = typical.rep_table()
    assert "coaching_hours_per_month" in reps.columns
    assert isinstance(reps, pd.DataFrame) and (reps["coaching_hours_per_month"] >= 0).all()


@pytest.mark.parametrize("sd", [1e-6, 0.5, 5.0, 50.0])
def test_teams_stay_whole_at_any_spread(build_model, sd):
    for seed in range(5):
        model = build_model({"org.reps": 40, "org.span_of_control": 2, "org.span_sd": sd}, seed=seed)
        sizes = np.bincount(model.org.team, minlength=model.org.n_managers)
        assert sizes.sum() == 40 and sizes.size == 20 and sizes.min() >= 1
