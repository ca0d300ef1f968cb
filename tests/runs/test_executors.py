"""Executors: in this process, over a forked pool or any concurrent.futures pool, the same seeds give the same runs."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

from analysis.runs.executors import InProcessExecutor, ProcessExecutor, check_workers, make_executor
from analysis.runs.runner import RunResult, _run_task, replication_seeds
from sim.params import ParameterError
from sim.scenario import load

SMALL = {"org.reps": 16, "sim.weeks": 14, "sim.warmup_weeks": 2}  # 13+ weeks: every metric defined


@pytest.fixture(scope="module")
def tasks() -> list[tuple[dict, int, int, bool]]:
    values = load("coaching_3h").with_overrides(SMALL).values
    return [(values, seed, i, False) for i, seed in enumerate(replication_seeds(11, 4))]


def _by_replication(results: list[RunResult]) -> list[RunResult]:
    return sorted(results, key=lambda r: r.replication)


def _assert_same_runs(got: list[RunResult], want: list[RunResult]) -> None:
    assert [r.seed for r in got] == [r.seed for r in want]
    for a, b in zip(got, want, strict=True):
        assert a.metrics == b.metrics  # exactly, not approximately
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)


@pytest.fixture(scope="module")
def in_process(tasks) -> list[RunResult]:
    with InProcessExecutor() as ex:
        return _by_replication(list(ex.map_unordered(_run_task, tasks)))


def test_in_process_runs_every_task_once_in_order(in_process, tasks):
    assert [r.replication for r in in_process] == list(range(len(tasks)))
    assert len({r.seed for r in in_process}) == len(tasks)


def test_a_forked_pool_gives_the_runs_made_in_this_process(in_process, tasks):
    with ProcessExecutor(2, max_pending=1, start_method="fork") as ex:
        ex.start()
        got = _by_replication(list(ex.map_unordered(_run_task, tasks)))
    _assert_same_runs(got, in_process)


def test_a_plain_process_pool_with_spawn_gives_the_same_runs(in_process, tasks):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        got = _by_replication(list(pool.map(_run_task, tasks)))
    _assert_same_runs(got, in_process)


def test_make_executor_picks_by_workers_and_kind():
    assert isinstance(make_executor(workers=1), InProcessExecutor)
    ex = make_executor("process", workers=2)
    assert isinstance(ex, ProcessExecutor) and ex.workers == 2 and ex.max_pending >= 2
    with pytest.raises(ParameterError, match="not known"):
        make_executor("threads")
    with pytest.raises(ParameterError, match="do not go together"):
        make_executor(workers=2, scheduler="tcp://127.0.0.1:8786")


@pytest.mark.parametrize("bad", [0, -1, 2.5, "2", True])
def test_a_bad_number_of_workers_is_refused_naming_where_it_came_from(bad):
    with pytest.raises(ParameterError, match="workers="):
        check_workers(bad, "workers=")


def test_a_map_stopped_early_leaves_no_pool_thread_for_the_exit_handler_to_race(tasks):
    # Left running, the pool's manager thread closes its wake-up pipe while the interpreter's exit
    # handler writes to it: a traceback after "interrupted" (Python 3.12: "Bad file descriptor").
    ex = ProcessExecutor(2, max_pending=2, start_method="fork")
    ex.start()
    results = ex.map_unordered(_run_task, tasks * 4)
    next(results)
    results.close()  # as an interrupt does: the tasks not started are dropped, the workers stopped
    managers = [t for t in threading.enumerate() if type(t).__name__ == "_ExecutorManagerThread"]
    assert [t for t in managers if t.is_alive()] == []
    ex.close()
