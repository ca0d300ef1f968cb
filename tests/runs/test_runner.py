"""The runner: replication seeds, replications run in input order whatever the workers, and the run folder."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from analysis.runs.executors import ProcessExecutor
from analysis.runs.runner import RUN_FILES, Replications, map_ordered, replicate, replication_seeds, run_one
from sim.metrics import CANONICAL
from sim.scenario import load

SMALL = {"org.reps": 16, "sim.weeks": 14, "sim.warmup_weeks": 2}  # 13+ weeks: every metric defined


@pytest.fixture(scope="module")
def scenario():
    return load("baseline").with_overrides(SMALL)


@pytest.fixture(scope="module")
def reps(scenario) -> Replications:
    return replicate(scenario, replications=3, seed=7, workers=1, progress=False)


def test_replication_seeds_are_seedsequence_children_and_extend_as_a_prefix():
    seeds = replication_seeds(7, 5)
    children = np.random.SeedSequence(7).spawn(5)
    assert seeds == [int(c.generate_state(1, np.uint64)[0]) for c in children]
    assert replication_seeds(7, 3) == seeds[:3]  # more replications keep the first ones
    assert len(set(seeds)) == 5 and replication_seeds(8, 5) != seeds


def test_each_replication_is_the_single_run_with_its_seed(reps, scenario):
    assert [r.replication for r in reps.runs] == [0, 1, 2]
    assert [r.seed for r in reps.runs] == replication_seeds(7, 3)
    for r in reps.runs:
        assert r.metrics == run_one(scenario.values, r.seed, r.replication, detail=False).metrics


def test_two_workers_give_the_same_replications(reps, scenario):
    again = replicate(scenario, replications=3, seed=7, workers=2, progress=False)
    pd.testing.assert_frame_equal(again.metrics, reps.metrics, check_exact=True)


def test_map_ordered_returns_results_in_input_order_over_processes():
    items = list(range(12))
    with ProcessExecutor(2) as ex:
        assert map_ordered(abs, [-i for i in items], ex, progress=False) == items
        assert map_ordered(abs, items, ex, progress=False) == items  # the executor is the caller's: still open


def test_map_ordered_takes_a_plain_concurrent_futures_pool_and_leaves_it_open():
    items = list(range(6))
    with ThreadPoolExecutor(2) as pool:
        assert map_ordered(abs, [-i for i in items], pool, progress=False) == items
        assert pool.submit(abs, -1).result() == 1


def test_the_summary_has_every_metric_with_its_interval(reps):
    summary = reps.summary()
    assert set(CANONICAL) <= set(summary["metric"])
    row = summary.set_index("metric").loc["attainment"]
    values = reps.metrics["attainment"]
    assert row["mean"] == pytest.approx(values.mean())
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]


def test_the_run_folder_holds_every_file_and_the_command_it_was_given(reps, tmp_path):
    reps.command = "python run.py run baseline --replications 3 --seed 7"
    out = reps.write(tmp_path / "run")
    assert all((out / name).is_file() for name in RUN_FILES)
    meta = json.loads((out / "run.json").read_text())
    assert meta["command"] == reps.command
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert ts["seed"].dtype == np.uint64 and sorted(ts["replication"].unique()) == [0, 1, 2]
