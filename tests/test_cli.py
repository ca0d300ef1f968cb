"""The command line, run as a user runs it: `python run.py ...` in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from analysis.common import horizon
from sim.metrics import CANONICAL
from sim.params import REGISTRY
from sim.scenario import load
from tests.conftest import cli_command, cli_env

RunCli = Callable[..., subprocess.CompletedProcess[str]]
CliRun = tuple[subprocess.CompletedProcess[str], Path]

REPLICATIONS = 2
WEEKS = 20
WARMUP = 3
SHARES = ("reps_at_quota", "manager_coaching_share", "manager_selling_share", "rep_selling_share")


@pytest.fixture(scope="module")
def baseline_run(run_cli: RunCli, tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """One small run of the shipped baseline through the CLI, shared by the output checks."""
    out = tmp_path_factory.mktemp("cli") / "out"
    done = run_cli(
        "run", "baseline",
        "--replications", REPLICATIONS,
        "--set", "org.reps=16",
        "--set", f"sim.weeks={WEEKS}",
        "--set", f"sim.warmup_weeks={WARMUP}",
        "--seed", 7,
        "--workers", 1,
        "--out", out,
    )  # fmt: skip
    return done, out


def assert_clean_failure(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit code 2, one error line on stderr naming what is wrong, nothing run, no traceback."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, done.stderr
    for needle in needles:
        assert needle in errors[0], f"{needle!r} not in {errors[0]!r}"


# ----------------------------------------------------------------------------- a good run
def test_run_succeeds_and_prints_the_metric_table(baseline_run: CliRun):
    done, out = baseline_run
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{REPLICATIONS} replications, seed 7" in done.stdout
    table = [line.split()[0] for line in done.stdout.splitlines() if line.split()]
    for name in CANONICAL:
        assert name in table
    assert str(out) in done.stdout


def test_summary_csv_has_one_row_per_canonical_metric_in_fractions(baseline_run: CliRun):
    _, out = baseline_run
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["metric", "mean", "std", "ci_low", "ci_high", "n", "counted_year"]
    assert set(summary["counted_year"]) == {horizon.label(WARMUP)}  # every output says which year it counts
    assert list(summary["metric"]) == list(CANONICAL)
    assert (summary["n"] == REPLICATIONS).all()
    s = summary.set_index("metric")
    assert 0.2 < s.loc["attainment", "mean"] < 3  # a fraction: 1.07 is 107%
    assert 0.2 < s.loc["rep_attainment_mean", "mean"] < 3
    for name in SHARES:
        assert 0 <= s.loc[name, "mean"] <= 1, name
    assert ((s["ci_low"] <= s["mean"]) & (s["mean"] <= s["ci_high"])).all()
    assert (s["std"] >= 0).all()


def test_timeseries_is_tidy_by_replication_and_week(baseline_run: CliRun):
    _, out = baseline_run
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert {"replication", "week", *CANONICAL} <= set(ts.columns)
    assert set(ts.columns) - {"replication", "week", *CANONICAL} <= {"seed"}
    assert len(ts) == REPLICATIONS * WEEKS  # the warm-up weeks are not counted
    assert not ts.duplicated(["replication", "week"]).any()
    for _, one in ts.groupby("replication"):
        assert list(one["week"]) == list(range(1, WEEKS + 1))
    assert sorted(ts["replication"].unique()) == list(range(REPLICATIONS))
    # the last week of each replication is that replication's result, which the summary averages
    last = ts[ts["week"] == WEEKS]
    summary = pd.read_csv(out / "summary.csv").set_index("metric")
    assert last["attainment"].mean() == pytest.approx(summary.loc["attainment", "mean"])


def test_rep_and_manager_tables_are_written_per_replication(baseline_run: CliRun):
    _, out = baseline_run
    reps = pd.read_parquet(out / "reps.parquet")
    managers = pd.read_parquet(out / "managers.parquet")
    assert set(reps["replication"]) == set(managers["replication"]) == set(range(REPLICATIONS))
    in_seat = reps[reps["status"] == "in_seat"]
    assert (in_seat.groupby("replication").size() <= 16).all()
    assert (managers.groupby("replication").size() == 2).all()  # 16 reps, span of control 8
    assert {"seat", "skill", "motivation", "attainment"} <= set(reps.columns)
    assert {"manager", "coaching_skill", "coaching_hours_per_rep_month"} <= set(managers.columns)


# ----------------------------------------------------------------------------- listings
def test_params_lists_every_registry_name(run_cli: RunCli):
    done = run_cli("params")
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.splitlines() if line.strip()}
    assert {p.name for p in REGISTRY} <= listed


def test_scenarios_lists_baseline_with_its_description(run_cli: RunCli):
    done = run_cli("scenarios")
    assert done.returncode == 0, done.stderr
    lines = {line.split(None, 1)[0]: line.split(None, 1)[1] for line in done.stdout.splitlines() if line.strip()}
    assert lines["baseline"] == load("baseline").description


# ----------------------------------------------------------------------------- a closed pipe
TINY_RUN = ["run", "baseline", "--replications", "1", "--set", "org.reps=16", "--set", "sim.weeks=4", "--workers", "1"]


@pytest.mark.parametrize(
    ("args", "buffered"),
    [
        pytest.param(["params"], True, id="params"),
        pytest.param(["params"], False, id="params-unbuffered"),
        pytest.param(["scenarios"], True, id="scenarios"),
        pytest.param(TINY_RUN, True, id="run"),  # its few lines wait in the buffer until the exit
    ],
)
def test_a_reader_that_closes_stdout_early_gets_a_quiet_exit_141(tmp_path: Path, args: list[str], buffered: bool):
    """``coachsim params | head``: no traceback, no "Exception ignored", the exit code of a SIGPIPE."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written: every write meets a closed pipe
    env = {k: v for k, v in cli_env().items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    out = ["--out", str(tmp_path / "out")] if args[0] == "run" else []
    try:
        done = subprocess.run(
            cli_command(*args, *out), cwd=tmp_path, env=env, stdout=write, stderr=subprocess.PIPE, text=True,
            timeout=120,
        )  # fmt: skip
    finally:
        os.close(write)
    assert done.stderr == ""
    assert done.returncode == 128 + signal.SIGPIPE


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("args", "needles"),
    [
        pytest.param(["--set", "org.rep=16"], ["org.rep", "did you mean org.reps?"], id="unknown-key"),
        pytest.param(["--set", "org.reps=abc"], ["org.reps", "'abc'", "whole number"], id="bad-value"),
        pytest.param(["--set", "org.reps"], ["--set", "key=value"], id="set-without-equals"),
        pytest.param(["--replications", "0"], ["--replications", "at least 1"], id="zero-replications"),
        pytest.param(["--replications", "abc"], ["--replications", "'abc'", "whole number"], id="replications-abc"),
    ],
)
def test_bad_options_exit_2_with_one_clear_message(
    run_cli: RunCli, tmp_path: Path, args: list[str], needles: list[str]
):
    done = run_cli("run", "baseline", "--set", "sim.weeks=2", *args, "--out", tmp_path / "out")
    assert_clean_failure(done, *needles)
    assert not (tmp_path / "out").exists()


def test_a_bad_scenario_file_exits_2_naming_file_and_key(run_cli: RunCli, write_toml: Callable[[str, str], Path]):
    path = write_toml("typo", "[coaching]\nhours_per_rep_mnth = 3\n")
    done = run_cli("run", path, "--out", path.parent / "out")
    assert_clean_failure(done, "typo.toml", "coaching.hours_per_rep_mnth", "did you mean coaching.hours_per_rep_month?")
    assert not (path.parent / "out").exists()


def test_an_unknown_scenario_name_exits_2_listing_the_shipped_ones(run_cli: RunCli):
    assert_clean_failure(run_cli("run", "no_such_scenario"), "'no_such_scenario'", "baseline")
