"""One way to run: every command gives bit for bit the same results wherever its runs run.

Each library function behind a command (``replicate`` for run, ``compare`` for compare and
workshop, ``validate`` and ``sensitivity_screen``, calibration's ``fit``, ``run_sweep``) is run
three ways on a tiny job: in this process, on a plain ``concurrent.futures.ProcessPoolExecutor``
(spawned workers, as Mesa makes the default), and on a Dask ``LocalCluster`` by its scheduler
address; the tables must be equal exactly. The command line takes ``--scheduler`` for every
command, and refuses ``--workers`` with it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import run as cli
from analysis.comparisons.compare import compare
from analysis.evidence import calibration
from analysis.evidence.targets import TARGETS, Target
from analysis.evidence.validation import sensitivity_screen, validate
from analysis.runs.executors import FuturesExecutor, InProcessExecutor, make_executor
from analysis.runs.runner import Interrupted, map_ordered, replicate
from analysis.sweeps.store import read_runs
from analysis.sweeps.sweep import run_sweep
from sim.params import ParameterError
from sim.scenario import load
from tests.test_cli import assert_clean_failure

SMALL = {"org.reps": 16, "sim.weeks": 14, "sim.warmup_weeks": 2}  # 13+ weeks: every metric defined
WAYS = ("in-process", "process pool", "dask")


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    """A plain standard-library pool, nothing of coachsim's: its default start method (spawn)."""
    with ProcessPoolExecutor(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """One Dask LocalCluster for the module (starting one costs seconds)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as c:
        yield c


@pytest.fixture(params=WAYS)
def where(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The keyword arguments that put a library call's runs in this process, on the pool or on Dask."""
    if request.param == "in-process":
        return {"executor": InProcessExecutor()}
    if request.param == "process pool":
        return {"executor": request.getfixturevalue("pool")}
    return {"scheduler": request.getfixturevalue("cluster").scheduler_address}


def _exact(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_exact=True)


# ----------------------------------------------------------------------------- run, compare
@pytest.fixture(scope="module")
def scenario():
    return load("coaching_3h").with_overrides(SMALL)


@pytest.fixture(scope="module")
def replicated(scenario):
    return replicate(scenario, replications=3, seed=11, workers=1, progress=False)


def test_run_gives_the_same_replications_wherever_it_runs(scenario, replicated, where):
    got = replicate(scenario, replications=3, seed=11, progress=False, **where)
    _exact(got.metrics, replicated.metrics)
    _exact(got.timeseries(), replicated.timeseries())
    _exact(got.rep_table(), replicated.rep_table())


@pytest.fixture(scope="module")
def compared():
    return compare(["baseline", "coaching_3h"], replications=2, seed=3, overrides=SMALL, workers=1, progress=False)


def test_compare_gives_the_same_comparison_wherever_it_runs(compared, where):
    got = compare(["baseline", "coaching_3h"], replications=2, seed=3, overrides=SMALL, progress=False, **where)
    _exact(got.table, compared.table)
    for name in compared.labels:
        _exact(got.replications[name].metrics, compared.replications[name].metrics)


# ----------------------------------------------------------------------------- validate, calibrate
T6 = [t for t in TARGETS if t.id == "T6"]
SCREENED = ("rep.learning_rate", "motivation.base")


@pytest.fixture(scope="module")
def validated():
    res = validate({"sim.warmup_weeks": 2}, replications=2, seed=1, workers=1, reps=32, targets=T6, screen=False)
    screen = sensitivity_screen({"sim.warmup_weeks": 2}, T6, 1, seed=1, workers=1, reps=32, parameters=SCREENED)
    return res, screen


def test_validate_and_its_screen_give_the_same_figures_wherever_they_run(validated, where):
    res, screen = validated
    got = validate({"sim.warmup_weeks": 2}, replications=2, seed=1, reps=32, targets=T6, screen=False, **where)
    _exact(got.table, res.table)
    again = sensitivity_screen({"sim.warmup_weeks": 2}, T6, 1, seed=1, reps=32, parameters=SCREENED, **where)
    _exact(again, screen)


#: A made-up target in a short setting: a fit of a few seconds.
QUICK = [Target("X", "a quick target", "attainment", 0.6, 0.9, "test", {"sim.weeks": 13, "sim.warmup_weeks": 2})]
FIT = {"free": {"rep.learning_rate": (0.01, 0.2)}, "targets": QUICK, "seeds": (1, 2), "reps": 16, "max_evaluations": 3}


def _fitted(res: calibration.CalibrationResult) -> pd.DataFrame:
    return pd.DataFrame([{"objective": res.objective, "evaluations": res.evaluations, **res.values, **res.achieved}])


@pytest.fixture(scope="module")
def fitted():
    return _fitted(calibration.fit(**FIT, workers=1))


def test_calibrate_fits_the_same_values_wherever_it_runs(fitted, where):
    _exact(_fitted(calibration.fit(**FIT, **where)), fitted)


# ----------------------------------------------------------------------------- sweep
VARY = {"coaching.hours_per_rep_month": [0, 3], "manager.quota_share": [0, 0.5]}


def _sweep(out: Path, **where: Any) -> pd.DataFrame:
    run_sweep("baseline", VARY, overrides=SMALL, replications=2, seed=5, out=out, plots=False, progress=False, **where)
    return read_runs(out)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return _sweep(tmp_path_factory.mktemp("swept") / "s", workers=1)


def test_sweep_gives_the_same_runs_wherever_it_runs(swept, where, tmp_path):
    _exact(_sweep(tmp_path / "s", **where), swept)


# ----------------------------------------------------------------------------- the executor's interface
def test_a_dask_clients_own_concurrent_futures_executor_is_taken_as_it_is(cluster, scenario, replicated):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(cluster) as client:
        pool = client.get_executor()
        got = replicate(scenario, replications=3, seed=11, progress=False, executor=pool)
    _exact(got.metrics, replicated.metrics)


def test_a_pool_is_wrapped_sized_by_its_workers_and_left_open(pool):
    ex = make_executor(pool)
    assert isinstance(ex, FuturesExecutor) and ex.pool is pool and ex.workers == 2 and ex.max_pending == 4
    ex.close()
    assert pool.submit(abs, -3).result() == 3  # the pool is the caller's: still open


def test_a_given_executor_takes_no_workers_or_scheduler(pool):
    with pytest.raises(ParameterError, match="executor and workers do not go together"):
        make_executor(pool, workers=2)
    with pytest.raises(ParameterError, match="executor and scheduler do not go together"):
        make_executor(InProcessExecutor(), scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(TypeError, match="neither"):
        make_executor(object())  # type: ignore[arg-type]


def _stop_at_three(x: int) -> int:
    if x == 3:
        raise KeyboardInterrupt  # as Ctrl-C surfaces while a result is awaited
    return x


def test_an_interrupt_on_a_callers_pool_keeps_what_finished_and_cancels_the_rest():
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(Interrupted) as stop:
            map_ordered(_stop_at_three, list(range(10)), pool, progress=False)
        assert pool.submit(abs, -1).result() == 1  # the pool is the caller's, still open
    finished = stop.value.finished
    assert {0, 1, 2} <= set(finished) and 3 not in finished and len(finished) < 10 and stop.value.total == 10
    assert all(finished[i] == i for i in finished)


# ----------------------------------------------------------------------------- the command line
TINY = ["--replications", "2", "--seed", "4", "--set", "org.reps=16", "--set", "sim.weeks=13", "--warmup", "2"]


def test_run_on_a_dask_scheduler_from_the_command_line_matches_one_in_process(run_cli, cluster, tmp_path):
    on_dask = run_cli("run", "baseline", *TINY, "--scheduler", cluster.scheduler_address, "--out", tmp_path / "d")
    assert on_dask.returncode == 0, on_dask.stderr
    here = run_cli("run", "baseline", *TINY, "--workers", "1", "--out", tmp_path / "h")
    assert here.returncode == 0, here.stderr
    for name in ("timeseries.parquet", "reps.parquet", "managers.parquet"):
        _exact(pd.read_parquet(tmp_path / "d" / name), pd.read_parquet(tmp_path / "h" / name))
    assert (tmp_path / "d" / "summary.csv").read_bytes() == (tmp_path / "h" / "summary.csv").read_bytes()


@pytest.mark.parametrize("command", ["run", "compare", "workshop", "validate", "calibrate", "sweep"])
def test_workers_with_a_scheduler_is_refused_with_one_message(capsys, tmp_path, command):
    args = {
        "run": ["run", "baseline", *TINY],
        "compare": ["compare", "baseline", "coaching_3h", *TINY],
        "workshop": ["workshop", "--replications", "2"],
        "validate": ["validate", "--replications", "1", "--no-screen"],
        "calibrate": ["calibrate", "--targets", "T3", "--free", "rep.learning_rate", "--max-evaluations", "1"],
        "sweep": ["sweep", "baseline", "--vary", "manager.quota_share=0,1", "--set", "org.reps=16"],
    }[command]
    out = tmp_path / ("cal.toml" if command == "calibrate" else "out")
    code = cli.main([*args, "--workers", "2", "--scheduler", "tcp://127.0.0.1:1", "--out", str(out)])
    done = subprocess.CompletedProcess(args, code, *capsys.readouterr())
    assert_clean_failure(done, "--workers and --scheduler do not go together")
    assert not out.exists()
