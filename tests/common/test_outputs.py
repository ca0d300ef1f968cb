"""Outputs: ``--out`` checked before any run starts, files replaced whole, each folder owned by one command.

Fault injection: a disk that fills while the results are written (a file-size limit,
``RLIMIT_FSIZE``, on the command), a full disk when the folder is first tested (the probe file
a symlink to ``/dev/full``), a folder that is a file, under a file, or cannot be created, and
commands pointed at each other's folders.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import cli_command, cli_env, run_cli_limited
from tests.test_cli import assert_clean_failure

RunCli = Callable[..., subprocess.CompletedProcess[str]]
PROBE = ".coachsim-probe"  # the file a command writes to test its folder (analysis.common.outputs.PROBE)
SMALL = ["--replications", "2", "--set", "org.reps=16", "--set", "sim.weeks=8", "--workers", "1"]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` (hidden ones too) and its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def previous_run(run_cli: RunCli, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A complete small run in ``tmp_path/out``, and its files."""
    out = tmp_path / "out"
    done = run_cli("run", "baseline", *SMALL, "--out", out)
    assert done.returncode == 0, done.stderr
    return out, snapshot(out)


# ----------------------------------------------------------------------------- full disk
def test_a_disk_filling_while_run_writes_leaves_the_previous_files_whole(previous_run):
    out, before = previous_run
    # a bigger run: its reps.parquet does not fit in what is left
    done = run_cli_limited(
        "run", "baseline", *SMALL, "--set", "org.reps=2000", "--out", out, limit=resource.RLIMIT_FSIZE, value=64_000
    )
    assert_clean_failure(done, str(out), "File too large", "unchanged")
    assert snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


def test_a_full_disk_is_found_before_any_run_starts(previous_run, run_cli: RunCli):
    out, before = previous_run
    (out / PROBE).symlink_to("/dev/full")  # the folder's next write fails with ENOSPC
    done = run_cli("run", "baseline", *SMALL, "--out", out)
    assert_clean_failure(done, str(out), "No space left on device")
    after = snapshot(out)
    assert after == {k: v for k, v in before.items() if k != PROBE}
    assert not (out / PROBE).is_symlink()


def test_publish_leaves_nothing_behind_when_the_writer_fails(tmp_path: Path):
    from analysis.common.outputs import OutputError, publish

    (tmp_path / "a.csv").write_text("old\n")

    def writer(folder: Path) -> None:
        (folder / "a.csv").write_text("new\n")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="No space left on device"):
        publish(tmp_path, writer)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]
    assert (tmp_path / "a.csv").read_text() == "old\n"


# ----------------------------------------------------------------------------- --out checked first
def _a_file(tmp: Path) -> Path:
    (tmp / "f").write_text("x")
    return tmp / "f"


OUTS = {
    "a-file": (_a_file, "is a file"),
    "under-a-file": (lambda tmp: _a_file(tmp) / "sub", "is a file"),
    "cannot-create": (lambda tmp: Path("/proc/coachsim-out/x"), "cannot create"),
    "a-device": (lambda tmp: Path("/dev/full"), "is a file"),
}


@pytest.mark.parametrize(
    ("command", "case"),
    [("run", case) for case in OUTS] + [("compare", "under-a-file"), ("sweep", "a-file"), ("sweep", "cannot-create")],
)
def test_an_unusable_out_is_refused_before_any_run(run_cli: RunCli, tmp_path: Path, command: str, case: str):
    make, needle = OUTS[case]
    out = make(tmp_path)
    extra = ["--vary", "manager.quota_share=0,0.5"] if command == "sweep" else []
    # the refusal comes before any run, not after them (a traceback, on the base commit)
    done = run_cli(command, "baseline", *SMALL, *extra, "--out", out)
    assert_clean_failure(done, needle)


def test_calibrate_out_a_folder_is_refused_before_the_fit(run_cli: RunCli, tmp_path: Path):
    done = run_cli("calibrate", "--targets", "T1", "--max-evaluations", "1", "--out", tmp_path)
    assert_clean_failure(done, str(tmp_path), "is a folder")


def test_a_run_into_a_file_coachsim_did_not_write_is_refused(run_cli: RunCli, tmp_path: Path):
    (tmp_path / "summary.csv").write_text("my own table\n")
    done = run_cli("run", "baseline", *SMALL, "--out", tmp_path)
    assert_clean_failure(done, "summary.csv", "coachsim did not write")
    assert (tmp_path / "summary.csv").read_text() == "my own table\n"


# ----------------------------------------------------------------------------- default folders
def run_in(folder: Path, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """``python run.py ARGS`` from ``folder``, so that a default output folder lands in it."""
    return subprocess.run(
        cli_command(*args), cwd=folder, env=cli_env(), capture_output=True, text=True, timeout=300
    )  # fmt: skip


def test_run_without_out_never_replaces_the_last_run_unasked(tmp_path: Path):
    first = run_in(tmp_path, "run", "baseline", *SMALL)
    assert first.returncode == 0, first.stderr
    out = tmp_path / "results" / "baseline"
    before = snapshot(out)
    again = run_in(tmp_path, "run", "baseline", *SMALL, "--seed", "5")
    assert_clean_failure(again, "results/baseline", "already holds the results of an earlier `run`", "--overwrite",
                         "--out DIR")  # fmt: skip
    assert snapshot(out) == before
    replaced = run_in(tmp_path, "run", "baseline", *SMALL, "--seed", "5", "--overwrite")
    assert replaced.returncode == 0, replaced.stderr
    assert json.loads((out / "run.json").read_text())["seed"] == 5


#: Earlier results in each command's default folder, as coachsim leaves them: its marker and a file.
EARLIER = {
    "compare": ("results/compare", "comparison", "comparison.csv"),
    "workshop": ("results/workshop", "comparison", "comparison.csv"),
    "validate": ("results/validation", "validation", "validation.csv"),
}


@pytest.mark.parametrize(
    ("command", "args"),
    [
        pytest.param("compare", ["baseline", "quota_share_0", *SMALL], id="compare"),
        pytest.param("workshop", ["--replications", "2", "--workers", "1"], id="workshop"),
        pytest.param("validate", ["--replications", "1", "--no-screen", "--workers", "1"], id="validate"),
    ],
)
def test_every_command_with_a_default_folder_keeps_its_earlier_results(tmp_path: Path, command: str, args):
    folder, kind, name = EARLIER[command]
    out = tmp_path / folder
    out.mkdir(parents=True)
    (out / ".coachsim.json").write_text(json.dumps({"kind": kind, "command": command}) + "\n")
    (out / name).write_text("earlier results\n")
    done = run_in(tmp_path, command, *args)
    assert_clean_failure(done, folder, f"earlier `{command}`", "--overwrite")  # before any run starts
    assert (out / name).read_text() == "earlier results\n"


def test_calibrate_without_out_keeps_the_earlier_calibration(tmp_path: Path):
    earlier = tmp_path / "results" / "calibrated.toml"
    earlier.parent.mkdir()
    earlier.write_text('description = "an earlier fit"\n')
    done = run_in(tmp_path, "calibrate", "--targets", "T1", "--max-evaluations", "1")
    assert_clean_failure(done, "results/calibrated.toml", "earlier calibration", "--overwrite")
    assert earlier.read_text() == 'description = "an earlier fit"\n'


# ----------------------------------------------------------------------------- one owner
def test_run_refuses_a_sweeps_folder_and_sweep_a_runs(run_cli: RunCli, previous_run, tmp_path: Path):
    run_out, run_files = previous_run
    sweep_out = tmp_path / "sweep"
    done = run_cli("sweep", "baseline", *SMALL, "--vary", "manager.quota_share=0,0.5", "--out", sweep_out)
    assert done.returncode == 0, done.stderr
    sweep_files = snapshot(sweep_out)
    assert_clean_failure(run_cli("run", "baseline", *SMALL, "--out", sweep_out), "holds a sweep", "another command")
    assert_clean_failure(
        run_cli("sweep", "baseline", *SMALL, "--vary", "manager.quota_share=0,0.5", "--out", run_out), "holds a run"
    )
    compare = run_cli("compare", "baseline", "quota_share_0", *SMALL, "--out", run_out)
    assert_clean_failure(compare, "holds a run")
    assert snapshot(sweep_out) == sweep_files and snapshot(run_out) == run_files


def test_a_run_of_the_same_command_replaces_the_previous_files(run_cli: RunCli, previous_run):
    out, before = previous_run
    done = run_cli("run", "baseline", *SMALL, "--seed", "5", "--out", out)
    assert done.returncode == 0, done.stderr
    assert snapshot(out)["summary.csv"] != before["summary.csv"]


def test_a_folder_is_held_by_one_command_at_a_time(tmp_path: Path):
    from analysis.common.outputs import OutputError, claim

    with claim(tmp_path / "out", "run"):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # another process tries the same folder while this one holds it
            os.close(read)
            try:
                with claim(tmp_path / "out", "run"):
                    os.write(write, b"claimed")
            except OutputError as exc:
                os.write(write, str(exc).encode())
            os._exit(0)
        os.close(write)
        os.waitpid(pid, 0)
        message = os.read(read, 4096).decode()
        os.close(read)
    assert "is writing here right now" in message and f"process {os.getpid()}" in message
    with claim(tmp_path / "out", "run"):  # free again once released
        pass
