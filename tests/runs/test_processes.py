"""Processes end with their command: no worker outlives a killed command, and a signal stops the work.

Fault injection on real commands (``python run.py ...`` in a subprocess of its own session):
``kill -9`` of the command while its workers compute, then no process of it may be left; SIGTERM
or SIGINT to the command's main process alone (an IDE's stop button, ``kill PID``), then it must
stop within seconds, keeping what had finished. Linux only: the tests read ``/proc``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from analysis.sweeps.store import read_runs
from tests.conftest import popen_cli

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")

#: A run long enough that it is still computing when the test strikes (minutes, with two workers).
LONG_RUN = ["--replications", "400", "--set", "org.reps=2000", "--set", "sim.weeks=52", "--workers", "2"]
LONG_RUN += ["--warmup", "0"]  # replications of a few tenths of a second, as the timings below assume
LONG_SWEEP = [
    "--vary",
    "coaching.hours_per_rep_month=0:6:0.5",
    "--replications",
    "40",
    "--set",
    "org.reps=400",
    "--set",
    "sim.weeks=26",
    "--workers",
    "2",
    "--chunk-size",
    "2",
]


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            ppid = _ppid(int(entry.name))
            if ppid is not None:
                parents[int(entry.name)] = ppid
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for_workers(proc: subprocess.Popen[str], n: int, timeout: float = 120) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = descendants(proc.pid)
        if len(workers) >= n:
            return workers
        if proc.poll() is not None:
            pytest.fail(f"the command ended before its workers started: {proc.communicate()}")
        time.sleep(0.05)
    pytest.fail(f"no {n} workers within {timeout} s")


def left_alive(pids: set[int], grace: float = 10) -> set[int]:
    """The processes of ``pids`` still alive after up to ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        living = {p for p in pids if alive(p)}
        if not living:
            return set()
        time.sleep(0.05)
    return {p for p in pids if alive(p)}


@contextlib.contextmanager
def running(*args: str, workers: int = 2) -> Iterator[tuple[subprocess.Popen[str], set[int]]]:
    """``python run.py ARGS`` with its ``workers`` started; whatever happens, nothing of it is left after."""
    proc = popen_cli(*args)
    pids: set[int] = set()
    try:
        pids = wait_for_workers(proc, workers)
        yield proc, pids
    finally:
        for pid in pids | {proc.pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["run", "baseline", *LONG_RUN], id="run"),
        pytest.param(["sweep", "baseline", *LONG_SWEEP], id="sweep"),
    ],
)
def test_kill_9_of_the_command_leaves_no_worker_running(tmp_path: Path, args: list[str]):
    with running(*args, "--out", str(tmp_path / "out")) as (proc, workers):
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert left_alive(workers) == set(), "workers outlived the command killed with kill -9"


def test_sigterm_to_a_sweeps_main_process_stops_it_and_keeps_its_runs(tmp_path: Path):
    out = tmp_path / "s"
    with running("sweep", "baseline", *LONG_SWEEP, "--out", str(out)) as (proc, workers):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list((out / "runs").glob("part-*.parquet")):
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGTERM)  # the main process alone, not its process group
        _, err = proc.communicate(timeout=30)  # seconds, not the minutes the sweep would take
        assert proc.returncode == 128 + signal.SIGTERM, err
        assert "add --resume to continue" in err and "Traceback" not in err
        assert left_alive(workers) == set()
        stored = len(read_runs(out))
        assert 0 < stored < 13 * 40
        meta = json.loads((out / "sweep.json").read_text())
        # the progress note is written on the way out; the signal may land between a chunk's rename
        # and its count (one chunk, two runs): the resume reads the store itself
        assert stored - 2 <= meta["progress"]["done"] <= stored
        assert not list((out / "runs").glob(".part-*.tmp"))


def test_sigint_to_runs_main_process_stops_it_within_seconds_and_keeps_the_finished_replications(tmp_path: Path):
    out = tmp_path / "r"
    with running("run", "baseline", *LONG_RUN, "--out", str(out)) as (proc, workers):
        time.sleep(3)  # let some replications finish (a few tenths of a second each)
        os.kill(proc.pid, signal.SIGINT)  # the main process alone, as an IDE's stop button does
        _, err = proc.communicate(timeout=30)  # not the minutes the 400 replications take
        assert proc.returncode == 128 + signal.SIGINT, err
        assert "Traceback" not in err
        assert left_alive(workers) == set()
    if "none of the 400 replications had finished" in err:
        assert not out.exists()
        return
    assert "kept the" in err and "of 400 replications" in err, err
    meta = json.loads((out / "run.json").read_text())
    assert meta["complete"] is False and meta["replications_requested"] == 400
    kept = meta["replications"]
    assert 0 < kept < 400 and f"kept the {kept} of 400" in err
    summary = pd.read_csv(out / "summary.csv")
    assert (summary["n"] == kept).all()
    # each kept replication is the one a complete run makes: its seed is replication_seeds(0, 400)[i]
    from analysis.runs.runner import replication_seeds

    seeds = replication_seeds(0, 400)
    replications = sorted(pd.read_parquet(out / "timeseries.parquet")["replication"].unique())
    assert len(replications) == kept
    assert meta["replication_seeds"] == [seeds[r] for r in replications]
