"""A sweep folder under faults: one owner, chunks written durably, damage and lost metadata repaired.

Fault injection: two sweeps racing into one new folder (the second held up in its executor's
start); truncated, empty and garbage chunk files; a chunk of another sweep; a deleted or
damaged ``sweep.json`` and ``points.parquet``; a disk that fills while chunks or ``sweep.json``
are written. Each time the stored runs must survive and a resume must give exactly the runs of
an uninterrupted sweep. (The repairs are announced as ``analysis.sweeps.store.SweepWarning``, a
UserWarning.)
"""

from __future__ import annotations

import errno
import os
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest

import run as cli
from analysis.runs.executors import InProcessExecutor
from analysis.sweeps.store import read_runs
from analysis.sweeps.sweep import run_sweep
from sim.params import ParameterError
from tests.sweeps.test_sweep import REPS, SMALL, SMALL_CLI, VARY, small_sweep

ARGS = [
    *SMALL_CLI,
    "--seed",
    "7",
    "--replications",
    str(REPS),
    "--vary",
    "coaching.hours_per_rep_month=0,3",
    "--vary",
    "manager.quota_share=0,0.5",
    "--workers",
    "1",
    "--chunk-size",
    "1",
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The small sweep run once, uninterrupted."""
    return small_sweep(tmp_path_factory.mktemp("reference") / "sweep", chunk_size=1)


def partial(out: Path, stop_at: int = 3) -> None:
    """The small sweep interrupted after ``stop_at`` stored runs (one run a chunk)."""

    def stop(stored: int) -> None:
        if stored >= stop_at:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        small_sweep(out, chunk_size=1, on_chunk=stop)


def resume(out: Path, **options) -> None:
    small_sweep(out, chunk_size=1, resume=True, **options)


# ----------------------------------------------------------------------------- one owner
class HeldAtStart(InProcessExecutor):
    """An in-process executor whose start waits for a signal: a sweep slowed while it holds its folder."""

    def __init__(self, started: threading.Event, go: threading.Event):
        self.started, self.go = started, go

    def start(self) -> None:
        self.started.set()
        assert self.go.wait(60)


def test_two_sweeps_racing_into_one_folder_never_mix(tmp_path: Path, capsys):
    out = tmp_path / "new"
    started, go = threading.Event(), threading.Event()
    first: dict[str, object] = {}

    def slow_sweep() -> None:
        try:
            small_sweep(out, executor=HeldAtStart(started, go), chunk_size=1)
            first["ok"] = True
        except BaseException as exc:  # reported below
            first["error"] = exc

    thread = threading.Thread(target=slow_sweep)
    thread.start()
    try:
        assert started.wait(60)
        # a second sweep of another spec into the same folder, from the command line, meanwhile
        code = cli.main(_other(out))
        err = capsys.readouterr().err
    finally:
        go.set()
        thread.join(60)
    assert first.get("ok"), first
    assert code == 2 and "is writing here right now" in err and "Traceback" not in err, err
    runs = read_runs(out)
    assert len(runs) == 4 * REPS
    assert set(runs["coaching.hours_per_rep_month"]) == {0.0, 3.0}  # all the first sweep's own
    assert set(runs["manager.quota_share"]) == {0.0, 0.5}


def _other(out: Path) -> list[str]:
    """A different sweep's command line into ``out``."""
    return [
        *SMALL_CLI,
        "--vary",
        "coaching.hours_per_rep_month=1,2",
        "--replications",
        "1",
        "--workers",
        "1",
        "--out",
        str(out),
    ]


# ----------------------------------------------------------------------------- durable chunks
def test_each_chunk_and_its_folder_are_fsynced_before_and_after_the_rename(tmp_path: Path, monkeypatch):
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append(("replace", f"{src} -> {dst}"))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    small_sweep(tmp_path / "s", chunk_size=1)
    runs = str(tmp_path / "s" / "runs")
    renames = [i for i, (kind, what) in enumerate(events) if kind == "replace" and what.startswith(runs + "/.part-")]
    assert len(renames) == 4 * REPS
    for i in renames:
        tmp = events[i][1].split(" -> ")[0]
        assert ("fsync", tmp) in events[:i], "the chunk must reach the disk before it is renamed into place"
        assert events[i + 1] == ("fsync", runs), "the rename must reach the disk before the next chunk"


def test_a_disk_filling_while_chunks_are_written_keeps_the_stored_runs(reference, tmp_path: Path, monkeypatch):
    import pyarrow.parquet as pq

    out = tmp_path / "s"
    real = pq.write_table
    written = []

    def fills_up(table, where, **kw):
        if "/runs/" in str(where):  # a chunk, not points.parquet
            if len(written) >= 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            written.append(where)
        real(table, where, **kw)

    monkeypatch.setattr(pq, "write_table", fills_up)
    with pytest.raises(ParameterError, match=r"No space left on device.*3 runs stored so far are kept.*--resume"):
        small_sweep(out, chunk_size=1)
    monkeypatch.setattr(pq, "write_table", real)
    assert len(read_runs(out)) == 3
    assert not list((out / "runs").glob(".part-*"))
    resume(out)
    pd.testing.assert_frame_equal(read_runs(out), reference, check_exact=True)


def test_a_full_disk_when_sweep_json_is_written_is_one_message_and_the_runs_are_kept(reference, tmp_path, capsys):
    out = tmp_path / "s"
    partial(out)
    (out / ".sweep.json.tmp").symlink_to("/dev/full")  # its next write fails with ENOSPC
    code = cli.main([*ARGS, "--out", str(out), "--resume"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert [line for line in err.splitlines() if "error:" in line] == [err.strip().splitlines()[-1]]
    assert "sweep.json" in err and "No space left on device" in err and "--resume" in err
    assert len(read_runs(out)) == 4 * REPS  # every run was stored before the metadata failed
    assert not (out / ".sweep.json.tmp").is_symlink()  # the failed temporary is cleaned away
    assert cli.main([*ARGS, "--out", str(out), "--resume"]) == 0
    pd.testing.assert_frame_equal(read_runs(out), reference, check_exact=True)


# ----------------------------------------------------------------------------- damaged chunks
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), id="truncated"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
        pytest.param(lambda p: p.write_bytes(os.urandom(3000)), id="garbage"),
        pytest.param(lambda p: p.write_bytes(b"PAR1" + b"\0" * 100 + b"PAR1"), id="magic-only"),
    ],
)
def test_resume_sets_a_damaged_chunk_aside_and_reruns_its_runs(reference, tmp_path: Path, damage):
    out = tmp_path / "s"
    partial(out, stop_at=5)
    victim = sorted((out / "runs").glob("part-*.parquet"))[1]
    damage(victim)
    with pytest.warns(UserWarning, match=rf"{victim.name} is damaged .*set aside as {victim.name}\.damaged"):
        resume(out)
    assert (out / "runs" / f"{victim.name}.damaged").exists() and not victim.exists()
    pd.testing.assert_frame_equal(read_runs(out), reference, check_exact=True)


def test_resume_refuses_a_chunk_of_another_sweep(tmp_path: Path):
    out, other = tmp_path / "s", tmp_path / "other"
    partial(out)
    small_sweep(other, vary={"coaching.hours_per_rep_month": [1, 2], "manager.quota_share": "0,0.5"})
    stray = sorted((other / "runs").glob("part-*.parquet"))[0]
    shutil.copy(stray, out / "runs" / stray.name)
    with pytest.raises(ParameterError, match="written by a different sweep"):
        resume(out)
    assert (out / "runs" / stray.name).read_bytes() == stray.read_bytes()  # refused, not set aside as damaged
    assert not list((out / "runs").glob("*.damaged"))


# ----------------------------------------------------------------------------- lost metadata
def test_a_lost_sweep_json_is_rebuilt_from_the_spec_on_resume(reference, tmp_path: Path, capsys):
    out = tmp_path / "s"
    partial(out)
    (out / "sweep.json").unlink()
    assert cli.main([*ARGS, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "sweep.json is missing" in err and "again with --resume" in err, err
    assert cli.main([*ARGS, "--out", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "rebuilding it from the spec" in err
    pd.testing.assert_frame_equal(read_runs(out), reference, check_exact=True)


def test_a_damaged_sweep_json_and_a_lost_points_file_are_rebuilt_on_resume(reference, tmp_path: Path):
    out = tmp_path / "s"
    partial(out)
    (out / "sweep.json").write_text('{"spec": ')
    (out / "points.parquet").unlink()
    with pytest.raises(ParameterError, match="again with --resume"):
        small_sweep(out, chunk_size=1)
    with pytest.warns(UserWarning, match="sweep.json.damaged"):
        resume(out)
    assert (out / "sweep.json.damaged").read_text() == '{"spec": '
    pd.testing.assert_frame_equal(read_runs(out), reference, check_exact=True)
    names = list(VARY)
    points = pd.read_parquet(out / "points.parquet").set_index("point")[names]
    pd.testing.assert_frame_equal(points, reference.groupby("point")[names].first(), check_exact=True)


def test_a_lost_sweep_json_is_not_rebuilt_from_another_spec(tmp_path: Path):
    out = tmp_path / "s"
    partial(out)
    (out / "sweep.json").unlink()
    with pytest.raises(ParameterError, match="written by a different sweep"), pytest.warns(UserWarning):
        run_sweep(
            "baseline",
            VARY,
            overrides=SMALL,
            replications=REPS,
            seed=8,  # not the seed the runs were made with
            out=out,
            resume=True,
            executor=InProcessExecutor(),
            plots=False,
            progress=False,
        )
    assert not (out / "sweep.json").exists()


# ----------------------------------------------------------------------------- after the runs
def test_a_sobol_sweep_of_one_parameter_writes_its_indices(tmp_path: Path):
    result = run_sweep(
        "baseline",
        {"manager.quota_share": "0..0.5"},
        sampler="sobol",
        samples=8,
        overrides=SMALL,
        replications=1,
        out=tmp_path / "sobol",
        executor=InProcessExecutor(),
        plots=False,
        progress=False,
    )
    table = pd.read_csv(tmp_path / "sobol" / "sensitivity.csv")
    assert set(table["parameter"]) == {"manager.quota_share"}
    assert result.sensitivity is not None and len(table) == len(result.sensitivity)
    assert table["S1"].notna().any()
