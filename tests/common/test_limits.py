"""A job is checked whole before it starts: every roster of a ``--vary`` list, its runs against a
stated cap with an estimate of time and memory, its workers against the cores.

A job over a limit ends in one clear message before any process starts or any memory is
taken for it; a regression must fail fast, so the command runs with at most 4 GB of memory.
"""

from __future__ import annotations

import resource
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.runs.executors import InProcessExecutor, make_executor
from analysis.runs.runner import replicate
from analysis.sweeps.sweep import run_sweep
from sim.params import ParameterError
from sim.scenario import load
from tests.conftest import run_cli_limited
from tests.model.test_input_checks import HEADER
from tests.test_cli import assert_clean_failure

RunCli = Callable[..., subprocess.CompletedProcess[str]]


# ----------------------------------------------------------------------------- the size of a job
def test_a_billion_replications_are_refused_at_once_with_an_estimate():
    # at most 4 GB of memory, so that a regression fails fast instead of swapping the machine
    done = run_cli_limited("run", "baseline", "--replications", "1000000000", limit=resource.RLIMIT_AS, value=4 << 30)
    assert_clean_failure(done, "1,000,000,000 runs", "more than the 100,000", "about", "of memory")


def test_a_sweep_of_a_billion_runs_is_refused_before_anything_starts(tmp_path: Path):
    class MustNotStart(InProcessExecutor):
        def start(self) -> None:
            raise AssertionError("the sweep started")

    with pytest.raises(ParameterError, match="more than the 10,000,000"):  # analysis.common.limits.MAX_SWEEP_RUNS
        run_sweep(
            "baseline",
            {"manager.quota_share": [0, 0.5]},
            replications=500_000_000,
            out=tmp_path / "s",
            executor=MustNotStart(),
            progress=False,
        )
    assert not (tmp_path / "s").exists()


def test_too_many_workers_are_refused_before_any_process_starts(run_cli: RunCli, tmp_path: Path):
    done = run_cli("run", "baseline", "--replications", "2", "--workers", 1000, "--out", tmp_path / "out")
    assert_clean_failure(done, "--workers 1,000")
    from analysis.runs.executors import MAX_WORKERS_PER_CORE, usable_cores

    most = MAX_WORKERS_PER_CORE * usable_cores()
    assert f"at most {most} on this machine" in done.stderr
    with pytest.raises(ParameterError, match=f"at most {most}"):
        make_executor(workers=most + 1)  # a sweep's pool
    with pytest.raises(ParameterError, match=f"at most {most}"):
        replicate(load("baseline"), replications=2, workers=most + 1)


def test_a_big_job_is_announced_with_its_estimate(capsys):
    from analysis.common.limits import Job, check_job

    job = check_job(Job("sweep", runs=2_000_000, reps=64, weeks=52, workers=2, kept=False))
    err = capsys.readouterr().err
    assert err.startswith("coachsim: a big job: 2,000,000 runs of 64 reps x 52 weeks: about ")
    assert " h on 2 workers" in err and "MB of memory" in err
    assert job.seconds > 3600
    check_job(Job("run", runs=10, reps=16, weeks=8, workers=1))
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- every value of a --vary list
def test_every_roster_of_a_vary_list_is_checked_before_the_sweep_starts(run_cli: RunCli, tmp_path: Path):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "cro,executive,,0,300\nm1,manager,cro,0,100\nr1,rep,m1,1000000,10\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "cro,executive,,0,300\nm1,manager,cro,0,100\nr1,rep,m1,-5,10\n")
    out = tmp_path / "out"
    done = run_cli("sweep", "baseline", "--vary", f"org.roster={good},{bad}", "--replications", "1", "--out", out)
    assert_clean_failure(done, "bad.csv", "quota")
    assert not out.exists(), "nothing may be written for a sweep that could never complete"
