"""A seed fixes everything: same seed, same results bit for bit, whatever the number of workers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis.runs.runner import RunResult, replicate, replication_seeds, run_one
from sim.metrics import CANONICAL
from sim.scenario import load

#: Small and short, but long enough for turnover, promotions and per-rep attainment to occur.
VALUES: dict[str, Any] = {
    "org.reps": 24,
    "sim.warmup_weeks": 4,
    "sim.weeks": 16,
    "rep.attrition_per_year": 0.5,
    "manager.attrition_per_year": 0.5,
    "coaching.hours_per_rep_month": 2.0,
    "coaching.allocation": "needs",
}


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    """A full parameter set: the baseline with the small org above."""
    return load("baseline").with_overrides(VALUES).values


def assert_identical(a: RunResult, b: RunResult) -> None:
    """Two runs agree bit for bit: metrics, weekly series and every end table."""
    np.testing.assert_array_equal([a.metrics[m] for m in CANONICAL], [b.metrics[m] for m in CANONICAL])
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)
    for table in ("reps", "managers", "hours"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)


def test_same_seed_gives_identical_results(values: dict[str, Any]):
    first, second = run_one(values, seed=123), run_one(values, seed=123)
    assert_identical(first, second)
    # the run exercised what could diverge: people left and were replaced
    assert (first.reps["status"] != "in_seat").any()


def test_same_seed_gives_identical_state_week_by_week(build_model):
    a, b = build_model(VALUES, seed=9), build_model(VALUES, seed=9)
    for _ in range(a.total_weeks):
        a.step()
        b.step()
        for arr in ("skill", "motivation", "occupied", "tenure"):
            np.testing.assert_array_equal(getattr(a.reps, arr), getattr(b.reps, arr))
        np.testing.assert_array_equal(a.sellers.active, b.sellers.active)
        for tier, acts in a.week_hours.items():
            for activity, hours in acts.items():
                np.testing.assert_array_equal(hours, b.week_hours[tier][activity])


def test_different_seeds_give_different_results(values: dict[str, Any]):
    runs = [run_one(values, seed=s, detail=False) for s in (1, 2, 3)]
    for name in ("attainment", "bookings", "mean_skill"):
        assert len({r.metrics[name] for r in runs}) == 3, name
    assert not runs[0].timeseries[list(CANONICAL)].equals(runs[1].timeseries[list(CANONICAL)])


def test_replicate_gives_identical_results_with_one_or_two_workers():
    scenario = load("baseline").with_overrides(VALUES)
    serial = replicate(scenario, replications=3, seed=11, workers=1, progress=False)
    parallel = replicate(scenario, replications=3, seed=11, workers=2, progress=False)
    assert [r.seed for r in serial.runs] == [r.seed for r in parallel.runs] == replication_seeds(11, 3)
    assert [r.replication for r in parallel.runs] == [0, 1, 2]
    for a, b in zip(serial.runs, parallel.runs, strict=True):
        assert_identical(a, b)
    pd.testing.assert_frame_equal(serial.summary(), parallel.summary(), check_exact=True)
    pd.testing.assert_frame_equal(serial.timeseries(), parallel.timeseries(), check_exact=True)


def test_replications_differ_from_each_other():
    scenario = load("baseline").with_overrides(VALUES)
    reps = replicate(scenario, replications=3, seed=11, workers=1, progress=False, detail=False)
    assert reps.metrics["attainment"].nunique() == 3


def test_replication_seeds_are_seed_sequence_children():
    seeds = replication_seeds(2024, 5)
    children = np.random.SeedSequence(2024).spawn(5)
    assert seeds == [int(c.generate_state(1, np.uint64)[0]) for c in children]
    assert all(isinstance(s, int) and 0 <= s < 2**64 for s in seeds)


def test_replication_seeds_are_distinct_and_stable():
    seeds = replication_seeds(0, 200)
    assert len(set(seeds)) == 200
    assert replication_seeds(0, 200) == seeds  # a pure function of the run seed
    assert replication_seeds(0, 10) == seeds[:10]  # more replications extend, never reshuffle
    assert not set(replication_seeds(1, 200)) & set(seeds)  # another run seed, other streams


#: A job seed above 2**53 (the last whole number a float64 holds exactly) whose replications'
#: seeds fall both below and above 2**63 (int64's largest), where pandas used to mix int64 and
#: uint64 columns into float64.
BIG_SEED = 2**53 + 1


def test_every_parquet_file_keeps_the_seeds_to_the_last_digit(tmp_path):
    seeds = replication_seeds(BIG_SEED, 4)
    assert any(s < 2**63 for s in seeds) and any(s >= 2**63 for s in seeds)
    scenario = load("baseline").with_overrides({"org.reps": 16, "sim.weeks": 4})
    replicate(scenario, replications=4, seed=BIG_SEED, workers=1, progress=False).write(tmp_path / "run")
    for name in ("timeseries", "reps", "managers"):
        table = pq.read_table(tmp_path / "run" / f"{name}.parquet")
        assert table.schema.field("seed").type == pa.uint64(), name
        pairs = set(zip(table.column("replication").to_pylist(), table.column("seed").to_pylist(), strict=True))
        assert pairs == set(enumerate(seeds)), name


def test_a_sweeps_runs_keep_their_seeds_to_the_last_digit(tmp_path):
    from analysis.sweeps.simulate import run_seed
    from analysis.sweeps.sweep import run_sweep

    vary = {"coaching.hours_per_rep_month": [0, 2]}
    small = {"org.reps": 16, "sim.weeks": 4}
    run_sweep("baseline", vary, replications=2, seed=BIG_SEED, overrides=small, executor="inprocess",
              out=tmp_path / "sweep", progress=False, plots=False)  # fmt: skip
    table = pq.read_table(tmp_path / "sweep" / "runs")
    assert table.schema.field("seed").type == pa.uint64()
    rows = zip(*(table.column(c).to_pylist() for c in ("point", "replication", "seed")), strict=True)
    assert all(seed == run_seed(BIG_SEED, point, replication) for point, replication, seed in rows)
