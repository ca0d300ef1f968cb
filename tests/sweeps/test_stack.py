"""A stack of replications (``SalesOrgModel(seeds=...)``) is bit for bit the runs made alone.

The sweep runs a point's replications as one stack to share numpy's per-call overhead; that is
only allowed because each copy's numbers are keyed by its own seed and nothing couples the copies. These
tests hold it to that: every metric of every copy equals the single run with the same seed,
exactly, for any valid parameters (drawn from the registry) and for the hand-picked cases where
copies are most likely to interfere (promotions, manager vacancies, rosters, tiny teams).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.sweeps.simulate import STACK_SEATS, Chunk, _stacks, simulate, simulate_stack
from analysis.sweeps.spec import make_spec
from analysis.sweeps.sweep import _chunks, auto_chunk
from sim.metrics import CANONICAL
from sim.model import SalesOrgModel
from sim.params import kwarg_name
from sim.runs import shared
from sim.scenario import load
from tests.model.test_model_invariants import PARAMETERS, check_state, check_week, weeks_of

ROSTER = "scenarios/roster_template.csv"


def _kwargs(values: dict[str, Any]) -> dict[str, Any]:
    return {kwarg_name(k): v for k, v in values.items()}


def _alone(values: dict[str, Any], seed: int) -> SalesOrgModel:
    model = SalesOrgModel(seed=seed, **_kwargs(values))
    model.run_model()
    return model


def assert_stack_is_the_single_runs(values: dict[str, Any] | list[dict[str, Any]], seeds: list[int]) -> None:
    """Each copy of the stack equals its run alone; ``values`` may give each copy its own parameters."""
    if isinstance(values, list):
        stack = SalesOrgModel(seeds=seeds, params=values)
    else:
        stack = SalesOrgModel(seeds=seeds, **_kwargs(values))
    stack.run_model()
    for k, seed in enumerate(seeds):
        alone = _alone(values[k] if isinstance(values, list) else values, seed)
        # assert_equal treats NaN as equal to NaN and otherwise wants the same float, bit for bit
        np.testing.assert_equal(stack.stack_metrics()[k], alone.metrics(), err_msg=f"copy {k}, seed {seed}")
        np.testing.assert_equal(stack.ledger.ramp_months(k), alone.ledger.ramp_months())
        n = alone.org.n_reps
        np.testing.assert_array_equal(stack.reps.skill[k * n : (k + 1) * n], alone.reps.skill)
        np.testing.assert_array_equal(stack.reps.occupied[k * n : (k + 1) * n], alone.reps.occupied)
        m = alone.org.n_managers
        np.testing.assert_array_equal(stack.managers.coach_skill[k * m : (k + 1) * m], alone.managers.coach_skill)
        # the pipelines: every rep seat's, then every manager's
        reps_of_k, managers_of_k = (
            slice(k * n, (k + 1) * n),
            slice(stack.org.n_reps + k * m, stack.org.n_reps + (k + 1) * m),
        )
        np.testing.assert_array_equal(stack.sellers.active[reps_of_k], alone.sellers.active[:n])
        np.testing.assert_array_equal(stack.sellers.active[managers_of_k], alone.sellers.active[n:])


CASES = {
    "defaults": {},
    "coaching 3h, bigger org": {"coaching.hours_per_rep_month": 3.0, "org.reps": 150},
    "hire experienced, managers leave": {
        "promotion.policy": "hire_experienced",
        "manager.attrition_per_year": 0.6,
        "coaching.allocation": "needs",
    },
    "promote top rep, managers leave": {
        "promotion.policy": "promote_top_rep",
        "manager.attrition_per_year": 0.6,
        "coaching.allocation": "core",
        "manager.quota_share": 0.5,
        "coaching.framework": True,
    },
    "roster": {"org.roster": ROSTER},
    "no hiring lag, new hires first": {"rep.hiring_lag_weeks": 0, "coaching.allocation": "new_hires", "org.reps": 30},
    "tiny org, high turnover": {"org.reps": 5, "rep.attrition_per_year": 0.9, "coaching.allocation": "top"},
}


@pytest.mark.parametrize("values", CASES.values(), ids=CASES.keys())
def test_each_copy_of_a_stack_is_its_single_run(values: dict[str, Any]) -> None:
    base = {"sim.weeks": 40, "sim.warmup_weeks": 12}
    # a repeated seed: two copies with one seed must come out identical, and as the run alone
    assert_stack_is_the_single_runs({**base, **values}, [3, 11, 5, 3])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=PARAMETERS, seeds=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=3))
def test_any_valid_parameters_stack_exactly(values: dict[str, Any], seeds: list[int]) -> None:
    assert_stack_is_the_single_runs(values, seeds)


MIXED = {
    "policies": [
        {"coaching.hours_per_rep_month": 3.0, "coaching.kpi_inspection": 1.0},
        {},
        {"coaching.hours_per_rep_month": 0.0},
        {"manager.quota_share": 0.0, "executive.coaching_hours_per_manager_month": 4.0},
    ],
    "people and pipelines": [
        {"rep.attrition_per_year": 0.6, "rep.hiring_lag_weeks": 0, "pipeline.cycle_weeks": 4.0},
        {"rep.ramp_weeks": 0, "rep.quota": 2_000_000.0, "manager.attrition_per_year": 0.7},
        {"meetings.cadence_weeks": 13, "promotion.hire_lag_weeks": 20, "rep.aptitude_sd": 0.3},
    ],
}


@pytest.mark.parametrize("runs", MIXED.values(), ids=MIXED.keys())
def test_copies_with_their_own_parameters_are_their_single_runs(runs: list[dict[str, Any]]) -> None:
    base = {"sim.weeks": 40, "sim.warmup_weeks": 12, "org.reps": 30, "coaching.allocation": "needs"}
    assert_stack_is_the_single_runs([{**base, **run} for run in runs], [3, 11, 5, 3][: len(runs)])


def _own(values: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the parameters a run of a stack may have of its own taken from ``own``."""
    return {**values, **{k: v for k, v in own.items() if not shared(k)}}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=PARAMETERS,
    others=st.lists(PARAMETERS, min_size=1, max_size=2),
    seeds=st.lists(st.integers(0, 2**32 - 1), min_size=3, max_size=3),
)
def test_any_valid_parameters_of_each_copy_stack_exactly(
    values: dict[str, Any], others: list[dict[str, Any]], seeds: list[int]
) -> None:
    runs = [values, *(_own(values, other) for other in others)]
    assert_stack_is_the_single_runs(runs, seeds[: len(runs)])


@pytest.mark.parametrize(
    ("name", "a", "b"),
    [
        ("org.reps", 20, 30),
        ("coaching.allocation", "equal", "needs"),
        ("sim.weeks", 10, 11),
        ("coaching.framework", True, False),
    ],
)
def test_copies_that_differ_in_a_shared_parameter_are_refused_naming_it(name: str, a: Any, b: Any) -> None:
    assert shared(name)
    with pytest.raises(ValueError, match=name.replace(".", r"\.")):
        SalesOrgModel(seeds=[1, 2], params=[{name: a}, {name: b}])


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"params": [{}, {}]}, TypeError),  # a list of parameters without seeds
        ({"seeds": [1, 2], "params": [{}]}, ValueError),  # one mapping for two seeds
        ({"seeds": [1], "params": ["coaching.framework"]}, ValueError),
    ],
)
def test_per_copy_parameters_must_match_the_seeds(kwargs: dict[str, Any], error: type) -> None:
    with pytest.raises(error, match="params="):
        SalesOrgModel(**kwargs)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=PARAMETERS, seed=st.integers(0, 2**32 - 1))
def test_a_stack_keeps_every_invariant(values: dict[str, Any], seed: int) -> None:
    stack = SalesOrgModel(seeds=[seed, seed + 1], **_kwargs(values))
    check_state(stack)
    for _, occupied, present in weeks_of(stack):
        check_week(stack, occupied, present)
        check_state(stack)


def test_a_stack_collects_no_weekly_rows_and_reads_like_a_model() -> None:
    stack = SalesOrgModel(seeds=[1, 2], org_reps=20, sim_weeks=8)
    stack.run_model()
    assert stack.stack == 2 and stack.org.n_reps == 40 and stack.org.reps_per_copy == 20
    assert stack.datacollector.get_model_vars_dataframe().empty
    np.testing.assert_equal(stack.metrics(), stack.stack_metrics()[0])
    first, second = stack.stack_metrics()
    assert first["bookings"] != second["bookings"]  # different seeds, different runs


@pytest.mark.parametrize("kwargs", [{"seeds": []}, {"seeds": [1], "seed": 1}, {"seeds": [1], "rng": 1}])
def test_bad_seeds_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="seeds="):
        SalesOrgModel(**kwargs)


def test_simulate_stack_is_simulate() -> None:
    values = {**load("baseline").values, "org.reps": 24, "sim.weeks": 20, "sim.warmup_weeks": 0}
    seeds = [7, 8, 9]
    np.testing.assert_equal(simulate_stack(values, seeds), [simulate(values, s) for s in seeds])


def test_chunks_hold_whole_points_and_stacks_split_by_point_and_size() -> None:
    spec = make_spec(load("baseline"), ["coaching.hours_per_rep_month=0,1,2,3,4"], "grid", None, 4, 0, "common")
    design = spec.design()
    done = np.zeros((design.size, 4), bool)
    done[1, :3] = True  # point 1 has one replication left
    chunks = list(_chunks(spec, design, done, 9))
    points = [[item[0] for item in c.items] for c in chunks]
    assert points == [[0, 0, 0, 0, 1, 2, 2, 2, 2], [3, 3, 3, 3, 4, 4, 4, 4]]
    assert sum(len(c.items) for c in chunks) == int((~done).sum())
    groups = list(_stacks(chunks[0]))  # points that differ only in a number share a stack
    assert [[item[0] for item in g] for g in groups] == [[0, 0, 0, 0, 1, 2, 2, 2, 2]]
    # points that differ in a rule, or in the org's shape, do not
    spec = make_spec(
        load("baseline"), ["coaching.allocation=equal,needs", "org.reps=10,20"], "grid", None, 2, 0, "common"
    )
    (chunk,) = _chunks(spec, spec.design(), np.zeros((4, 2), bool), 8)
    assert [[item[0] for item in g] for g in _stacks(chunk)] == [[0, 0], [1, 1], [2, 2], [3, 3]]
    # a point bigger than a stack is split
    big = Chunk({**spec.base(), "org.reps": STACK_SEATS // 2}, (), tuple((0, r, r, ()) for r in range(5)))
    assert [len(g) for g in _stacks(big)] == [2, 2, 1]


def test_auto_chunk_keeps_a_points_replications_together_within_a_time_budget() -> None:
    assert auto_chunk(250, 2, 10, 100 * 52) == 32  # about 4 tasks per worker
    assert auto_chunk(40, 2, 10, 100 * 52) == 10  # at least a point's replications
    assert auto_chunk(100_000, 2, 10, 100 * 52) == 576  # about a second per task
    assert auto_chunk(10_000, 2, 10, 100_000 * 52) == 1  # big orgs: one run per task
    assert all(c in CANONICAL for c in simulate_stack({"org.reps": 4, "sim.weeks": 2}, [1])[0])


def test_a_stacks_tables_say_which_copy_each_row_is() -> None:
    stack = SalesOrgModel(seeds=[4, 5], org_reps=12, sim_weeks=30, rep_attrition_per_year=0.8)
    stack.run_model()
    alone = _alone({"org.reps": 12, "sim.weeks": 30, "rep.attrition_per_year": 0.8}, 5)
    reps, managers = stack.rep_table(), stack.manager_table()
    assert reps.columns[0] == "copy" and set(reps["copy"]) == {0, 1}
    assert managers.columns[0] == "copy" and managers["copy"].tolist() == [0] * 2 + [1] * 2
    mine = reps[reps["copy"] == 1]
    theirs = alone.rep_table()
    assert "copy" not in theirs.columns
    # the same people, in the same order, with the same results (ids aside: Mesa numbers a stack's agents together)
    cols = ["status", "segment", "hire_week", "end_week", "tenure_weeks", "bookings", "quota", "attainment"]
    pd.testing.assert_frame_equal(mine[cols].reset_index(drop=True), theirs[cols], check_exact=True)
    np.testing.assert_array_equal(mine["seat"].to_numpy() - 12, theirs["seat"].to_numpy())
