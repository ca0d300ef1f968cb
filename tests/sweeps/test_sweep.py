"""Sweeps: specs, seeds, identical results on every executor, resume, refusals, summary, Sobol.

Every sweep here is tiny (16 reps, 8 weeks) so that the file runs in seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import run as cli
from analysis.common.labels import labelled
from analysis.common.stats import bounds_of, mean_ci
from analysis.runs.executors import InProcessExecutor, ProcessExecutor
from analysis.runs.runner import replication_seeds, run_one
from analysis.sweeps import spec
from analysis.sweeps.dimensions import dimension
from analysis.sweeps.samplers import SobolSampler
from analysis.sweeps.sensitivity import RECOMMENDED_N, small_design_warning
from analysis.sweeps.simulate import run_seed, simulate
from analysis.sweeps.spec import make_spec
from analysis.sweeps.store import RunStore, read_runs
from analysis.sweeps.summary import summarise
from analysis.sweeps.sweep import run_sweep
from sim import params as registry
from sim.metrics import CANONICAL
from sim.params import ParameterError
from sim.scenario import Scenario

SMALL = {"org.reps": 16, "sim.weeks": 8}
#: ``SMALL`` on the command line, after ``sweep baseline``.
SMALL_CLI = ["sweep", "baseline", "--set", "org.reps=16", "--set", "sim.weeks=8"]
VARY = {"coaching.hours_per_rep_month": [0, 3], "manager.quota_share": "0,0.5"}
REPS = 2


def small_sweep(out: Path, **options) -> pd.DataFrame:
    """A 4-point, 2-replication sweep of a tiny org; returns its stored runs."""
    options.setdefault("executor", InProcessExecutor())
    options.setdefault("plots", False)
    options.setdefault("progress", False)
    run_sweep("baseline", options.pop("vary", VARY), overrides=SMALL, replications=REPS, seed=7, out=out, **options)
    return read_runs(out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The sweep run in this process, uninterrupted: what every other way must reproduce."""
    return small_sweep(tmp_path_factory.mktemp("reference") / "sweep", chunk_size=1)


# ----------------------------------------------------------------------------- specs
def test_a_range_includes_its_stop_when_the_stop_is_on_the_grid():
    assert dimension("coaching.hours_per_rep_month", "0:6:0.5").values == tuple(x / 2 for x in range(13))
    assert dimension("coaching.hours_per_rep_month", "0:1:0.3").values == (0.0, 0.3, 0.6, 0.9)
    assert dimension("coaching.kpi_inspection", "0:1:0.1").values[3] == 0.3  # not 0.30000000000000004
    assert dimension("org.span_of_control", "4:8:2").values == (4, 6, 8)


def test_lists_take_choices_and_bools_and_are_checked_by_the_registry():
    assert dimension("coaching.allocation", "equal,needs").values == ("equal", "needs")
    assert dimension("coaching.framework", "true,false").values == (True, False)
    assert dimension("coaching.hours_per_rep_month", "none,3").values == (None, 3.0)
    with pytest.raises(ParameterError, match=r"coaching.allocation.*one of 'equal'"):
        dimension("coaching.allocation", "equal,neds")


def test_bounds_map_ints_to_equally_likely_whole_numbers():
    dim = dimension("org.span_of_control", "4..10")
    values = dim.from_unit(np.linspace(0, 1, 7001))
    assert all(isinstance(v, int) for v in values)
    counts = np.bincount(values)[4:]
    assert len(counts) == 7 and counts.min() >= 999 and counts.max() <= 1001
    floats = dimension("manager.quota_share", "0..0.5").from_unit(np.array([0.0, 0.5, 0.999999]))
    assert floats[0] == 0.0 and floats[1] == 0.25 and floats[2] < 0.5


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ["--vary", "coaching.hours_per_rep_mnth=0,1"],
            ["unknown parameter", "did you mean coaching.hours_per_rep_month"],
        ),
        (["--vary", "coaching.hours_per_rep_month=0,99"], ["coaching.hours_per_rep_month = 99", "from 0 to 40"]),
        (["--vary", "coaching.hours_per_rep_month=0..6"], ["bounds are for --sampler lhs or sobol"]),
        (["--vary", "coaching.allocation=0:3:1"], ["coaching.allocation takes a list", "'equal'"]),
        (["--vary", "org.reps=8:16:0.5"], ["org.reps = 8.5", "a whole number"]),
        (["--vary", "manager.quota_share=1:0:0.1"], ["stop must not be below the start"]),
        (
            ["--vary", "manager.quota_share=0..1", "--sampler", "sobol", "--samples", "100"],
            ["power of two", "64 or 128"],
        ),
        (["--vary", "manager.quota_share"], ["expected KEY=SPEC"]),
        (["--vary", "manager.quota_share=0,1", "--vary", "manager.quota_share=0"], ["more than once"]),
        (["--vary", "manager.quota_share=0,1", "--samples", "8"], ["--samples is for --sampler lhs or sobol"]),
    ],
)
def test_bad_specs_get_exit_2_and_a_message_naming_the_key(args, needles, tmp_path, capsys):
    code = cli.main(["sweep", "baseline", *args, "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("coachsim: error: ") and "Traceback" not in err
    for needle in needles:
        assert needle in err
    assert not (tmp_path / "s").exists()  # nothing written before the spec is checked


def test_a_bad_spec_exits_2_from_the_real_command_line_without_a_traceback(run_cli, tmp_path):
    res = run_cli("sweep", "baseline", "--vary", "coaching.hours_per_rep_month=0..6", "--out", tmp_path / "s")
    assert res.returncode == 2
    assert "bounds are for --sampler lhs or sobol" in res.stderr
    assert "Traceback" not in res.stderr


# ----------------------------------------------------------------------------- seeds
def test_replication_r_uses_the_same_seed_at_every_point_and_the_seed_run_uses():
    seeds = replication_seeds(11, 4)
    for r in range(4):
        assert {run_seed(11, p, r) for p in range(5)} == {seeds[r]}
    independent = {run_seed(11, p, r, "independent") for p in range(5) for r in range(4)}
    assert len(independent) == 20


def test_simulate_is_the_run_one_run():
    values = registry.resolve({**SMALL, "coaching.hours_per_rep_month": 2.0})
    np.testing.assert_equal(simulate(values, 123), run_one(values, 123, detail=False).metrics)  # NaN == NaN


def test_a_point_reproduces_the_matching_scenario_run(reference):
    scenario = Scenario("x", overrides={**SMALL, "coaching.hours_per_rep_month": 3.0, "manager.quota_share": 0.5})
    seeds = replication_seeds(7, REPS)
    row = reference[(reference["coaching.hours_per_rep_month"] == 3) & (reference["manager.quota_share"] == 0.5)]
    for r in range(REPS):
        expected = run_one(scenario.values, seeds[r], r, detail=False).metrics
        got = row[row["replication"] == r]
        assert got["seed"].dtype == np.uint64 and int(got["seed"].iloc[0]) == seeds[r]
        np.testing.assert_equal({m: float(got[m].iloc[0]) for m in CANONICAL}, expected)


# ----------------------------------------------------------------------------- executors
def test_the_tidy_table_has_one_row_per_run_and_the_documented_columns(reference):
    assert list(reference.columns) == [
        "point",
        "replication",
        "seed",
        "coaching.hours_per_rep_month",
        "manager.quota_share",
        *CANONICAL,
    ]
    assert len(reference) == 4 * REPS
    assert reference[["point", "replication"]].drop_duplicates().shape[0] == len(reference)


@pytest.mark.parametrize("chunk_size", [1, None], ids=["one run a task", "stacked points"])
def test_two_processes_give_exactly_the_in_process_results(reference, tmp_path, chunk_size):
    # the reference runs one model per run; automatic tasks run each point's replications as
    # one stack (SalesOrgModel(seeds=...)), which must not change a single bit
    with ProcessExecutor(2) as ex:
        got = small_sweep(tmp_path / "s", executor=ex, chunk_size=chunk_size)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)


def test_stacked_points_in_process_give_exactly_the_reference(reference, tmp_path):
    pd.testing.assert_frame_equal(small_sweep(tmp_path / "s", chunk_size=4), reference, check_exact=True)


@pytest.mark.parametrize("chunk_size", [1, None], ids=["one run a task", "stacked points"])
def test_a_dask_local_cluster_gives_exactly_the_in_process_results(reference, tmp_path, chunk_size):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        got = small_sweep(tmp_path / "s", executor=None, scheduler=cluster.scheduler_address, chunk_size=chunk_size)
    pd.testing.assert_frame_equal(got, reference, check_exact=True)


def test_a_lost_dask_worker_neither_loses_nor_duplicates_runs(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    from analysis.runs.executors import DaskExecutor

    with (
        distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = client.run(os.getpid)
        killed = []

        def kill_one(stored: int) -> None:
            if not killed:  # after the first chunk is stored, kill -9 one worker mid-sweep
                os.kill(next(iter(pids.values())), signal.SIGKILL)
                killed.append(stored)

        got = small_sweep(tmp_path / "s", executor=DaskExecutor(client=client), chunk_size=1, on_chunk=kill_one)
    assert killed
    pd.testing.assert_frame_equal(got, reference, check_exact=True)


# ----------------------------------------------------------------------------- resume
def test_an_interrupted_sweep_resumed_equals_an_uninterrupted_one(reference, tmp_path):
    out = tmp_path / "s"

    def stop_after_three(stored: int) -> None:
        if stored >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        small_sweep(out, chunk_size=1, on_chunk=stop_after_three)
    assert len(read_runs(out)) == 3
    (out / "runs" / ".part-stale.tmp").write_bytes(b"half a file")  # what kill -9 mid-write leaves
    result = run_sweep(
        "baseline",
        VARY,
        overrides=SMALL,
        replications=REPS,
        seed=7,
        out=out,
        resume=True,
        executor=InProcessExecutor(),
        plots=False,
        progress=False,
    )
    assert (result.already_done, result.ran) == (3, 5)
    assert not (out / "runs" / ".part-stale.tmp").exists()
    pd.testing.assert_frame_equal(read_runs(out), reference, check_exact=True)


def test_a_sweep_killed_with_sigkill_and_resumed_equals_an_uninterrupted_one(tmp_path, run_cli):
    from tests.conftest import ROOT, cli_env

    args = [
        "sweep",
        "baseline",
        "--set",
        "org.reps=16",
        "--set",
        "sim.weeks=8",
        "--vary",
        "coaching.hours_per_rep_month=0:6:0.5",
        "--vary",
        "manager.quota_share=0,0.5",
        "--replications",
        "8",
        "--seed",
        "3",
        "--workers",
        "1",
        "--chunk-size",
        "1",
    ]
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), *args, "--out", str(out)],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((out / "runs").glob("part-*.parquet")):
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    stored = len(read_runs(out))
    assert 0 < stored < 26 * 8, "the kill should land part way"

    res = run_cli(*args, "--out", out, "--resume")
    assert res.returncode == 0, res.stderr
    assert f"{stored:,} were already done" in res.stdout
    fresh = run_cli(*args, "--out", tmp_path / "fresh")
    assert fresh.returncode == 0, fresh.stderr
    pd.testing.assert_frame_equal(read_runs(out), read_runs(tmp_path / "fresh"), check_exact=True)
    assert (out / "summary.csv").read_text() == (tmp_path / "fresh" / "summary.csv").read_text()


def test_resuming_with_a_different_spec_is_refused(reference, tmp_path, capsys):
    out = tmp_path / "s"
    small_sweep(out)
    base = [
        *SMALL_CLI,
        "--seed",
        "7",
        "--out",
        str(out),
        "--vary",
        "coaching.hours_per_rep_month=0,3",
        "--vary",
        "manager.quota_share=0,0.5",
        "--resume",
    ]
    assert cli.main([*base, "--replications", "3"]) == 2
    err = capsys.readouterr().err
    assert "different spec" in err and "replications: 2 stored, 3 now" in err and "Traceback" not in err
    assert cli.main([*base, "--replications", "2", "--set", "org.span_of_control=4"]) == 2
    assert "org.span_of_control: 8 stored, 4 now" in capsys.readouterr().err
    assert cli.main([*base[:-1], "--replications", "2"]) == 2  # no --resume: refuse to mix
    assert "add --resume" in capsys.readouterr().err
    assert cli.main([*base, "--replications", "2"]) == 0  # the same spec resumes (nothing left to run)
    assert "nothing to run" in capsys.readouterr().out
    pd.testing.assert_frame_equal(read_runs(out), reference, check_exact=True)


def test_the_store_never_keeps_a_run_twice(tmp_path, reference):
    store = RunStore(tmp_path, ["coaching.hours_per_rep_month", "manager.quota_share"])
    cols = {c: reference[c].tolist()[:3] for c in reference.columns}
    store.write(cols)
    store.write(cols)  # a task computed twice, e.g. after a lost worker
    assert len(store.files()) == 2
    pd.testing.assert_frame_equal(store.read(), reference.iloc[:3], check_exact=True)


# ----------------------------------------------------------------------------- summary, files
def test_the_summary_is_the_mean_and_interval_of_each_point_that_mean_ci_gives(tmp_path):
    out = tmp_path / "s"
    result = run_sweep(
        "baseline",
        {"coaching.hours_per_rep_month": [0, 2, 4]},
        overrides=SMALL,
        replications=5,
        seed=1,
        out=out,
        executor=InProcessExecutor(),
        chunk_size=2,
        progress=False,
    )
    runs = read_runs(out)
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 3 and (summary["n"] == 5).all()
    for point, group in runs.groupby("point"):
        row = summary[summary["point"] == point].iloc[0]
        for m in CANONICAL:
            expected = mean_ci(group[m].to_numpy(), bounds=bounds_of(m))  # t, or within [0, 1] for a share
            for key, value in (("mean", expected.mean), ("ci_low", expected.ci_low), ("ci_high", expected.ci_high)):
                assert row[f"{m}_{key}"] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True)
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["spec"]["vary"][0]["values"] == [0, 2, 4]
    assert meta["coachsim_version"] and meta["progress"]["done"] == 15
    assert {"sweep.png", "summary.csv", "points.parquet"} <= set(result.files)
    assert (out / "sweep.png").stat().st_size > 0


def test_lhs_points_are_stored_and_within_bounds(tmp_path):
    out = tmp_path / "s"
    run_sweep(
        "baseline",
        ["org.span_of_control=4..10", "manager.quota_share=0..0.5"],
        sampler="lhs",
        samples=6,
        overrides=SMALL,
        replications=1,
        out=out,
        executor=InProcessExecutor(),
        plots=False,
        progress=False,
    )
    points = pd.read_parquet(out / "points.parquet")
    assert len(points) == 6 and points["org.span_of_control"].between(4, 10).all()
    assert points["manager.quota_share"].between(0, 0.5).all()
    assert sorted(points["manager.quota_share"] // (0.5 / 6)) == list(range(6))  # one per stratum


# ----------------------------------------------------------------------------- sensitivity
def test_the_sobol_design_is_scipys_a_b_ab_layout():
    from scipy.stats._sensitivity_analysis import sample_A_B, sample_AB

    dims = [dimension(n, "0..1") for n in ("coaching.kpi_inspection", "manager.training", "manager.ride_along_habit")]
    n = 16
    design = SobolSampler().design(dims, n, np.random.default_rng(5))
    a, b = sample_A_B(n, [stats.uniform()] * 3, rng=np.random.default_rng(5))
    ab = sample_AB(a, b)
    expected = np.concatenate([a, b, *ab], axis=1)
    got = np.array([design.columns[d.name] for d in dims])
    np.testing.assert_array_equal(got, expected)


def test_a_sobol_sweep_writes_its_indices(tmp_path):
    out = tmp_path / "s"
    result = run_sweep(
        "baseline",
        {"coaching.hours_per_rep_month": "0..6", "coaching.framework": [True, False]},
        sampler="sobol",
        samples=4,
        overrides=SMALL,
        replications=1,
        out=out,
        executor=InProcessExecutor(),
        progress=False,
    )
    assert result.points == 4 * 4
    table = pd.read_csv(out / "sensitivity.csv")
    assert len(table) == 2 * len(CANONICAL)
    assert {"S1", "S1_ci_low", "S1_ci_high", "ST", "ST_ci_low", "ST_ci_high"} <= set(table.columns)
    assert (out / "sensitivity.png").exists()
    assert list(pd.read_parquet(out / "points.parquet")["block"].unique()) == [
        "A",
        "B",
        "AB:coaching.hours_per_rep_month",
        "AB:coaching.framework",
    ]


def test_a_sobol_design_too_small_for_its_indices_is_warned_about_and_noted(run_cli, tmp_path):
    out = tmp_path / "s"
    done = run_cli(
        *SMALL_CLI, "--vary", "coaching.hours_per_rep_month=0..6", "--vary", "manager.quota_share=0..0.5",
        "--sampler", "sobol", "--samples", "8", "--replications", "1", "--workers", "1", "--out", out,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    warning = [line for line in done.stderr.splitlines() if line.startswith("coachsim: warning: --samples 8")]
    assert len(warning) == 1, done.stderr
    assert "too few base samples for stable Sobol indices" in warning[0] and "500 to 1000" in warning[0]
    assert f"--samples {RECOMMENDED_N} or more" in warning[0]
    assert "note: --samples 8 is too few" in done.stdout  # the summary says it too
    table = pd.read_csv(out / "sensitivity.csv")
    finite = table[np.isfinite(table["S1"])]  # the others note that the metric does not vary
    assert len(finite) and finite["note"].str.contains("unreliable").all()


def _indices(width: float) -> pd.DataFrame:
    """A sensitivity table of two indices whose intervals are ``width`` wide."""
    rows = [
        {"metric": "attainment", "parameter": p, "S1": 0.3, "S1_ci_low": 0.3 - width / 2, "S1_ci_high": 0.3 + width / 2,
         "ST": 0.4, "ST_ci_low": 0.35, "ST_ci_high": 0.45}
        for p in ("a", "b")
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_small_design_rule_is_intervals_wider_than_1_or_under_32_samples():
    assert small_design_warning(_indices(0.3), 64) is None  # the default size with tight intervals: quiet
    wide = small_design_warning(_indices(823.0), 64)
    assert wide is not None and "2 of 4 index intervals are wider than 1" in wide and "S1 of a on attainment" in wide
    assert wide.startswith("samples 64 is too few")  # the library names its parameter
    with labelled({"samples": "--samples"}):  # run.py names its flag
        assert small_design_warning(_indices(823.0), 64).startswith("--samples 64 is too few")
    few = small_design_warning(_indices(0.3), 16)
    assert few is not None and "fewer than 32 base samples" in few


def test_the_python_api_returns_the_tidy_frame(tmp_path):
    import analysis

    df = analysis.sweep(
        "baseline",
        {"coaching.allocation": ["equal", "top"]},
        overrides=SMALL,
        replications=2,
        out=tmp_path / "s",
        executor="inprocess",
        plots=False,
        progress=False,
    )
    assert list(df.columns[:4]) == ["point", "replication", "seed", "coaching.allocation"]
    assert df["coaching.allocation"].tolist() == ["equal", "equal", "top", "top"]
    assert df.attrs["sweep_dir"] == str(tmp_path / "s")


def test_make_spec_checks_the_options():
    scenario = Scenario("x", overrides=SMALL)
    with pytest.raises(ParameterError, match="replications"):
        make_spec(scenario, VARY, replications=0)
    with pytest.raises(ParameterError, match=r"^sampler 'halton'"):
        make_spec(scenario, VARY, sampler="halton")
    spec = make_spec(scenario, VARY, sampler="lhs")
    assert spec.samples == 64


def test_the_summary_does_not_depend_on_how_runs_were_stored(tmp_path, reference):
    names = ["coaching.hours_per_rep_month", "manager.quota_share"]
    one_file, many_files = RunStore(tmp_path / "one", names), RunStore(tmp_path / "many", names)
    one_file.write({c: reference[c].tolist() for c in reference.columns})
    for i in np.random.default_rng(0).permutation(len(reference)):  # one file per run, shuffled
        many_files.write({c: reference[c].tolist()[i : i + 1] for c in reference.columns})
    design = make_spec(Scenario("x", overrides=SMALL), VARY, replications=REPS).design()
    pd.testing.assert_frame_equal(
        summarise(one_file, design, REPS), summarise(many_files, design, REPS), check_exact=True
    )
    expected = reference.groupby("point")["attainment"].mean().to_numpy()
    np.testing.assert_allclose(summarise(one_file, design, REPS)["attainment_mean"], expected, rtol=1e-12)


def test_ctrl_c_stops_the_sweep_cleanly_and_it_can_be_resumed(tmp_path, run_cli):
    from tests.conftest import ROOT, cli_env

    args = [
        "sweep",
        "baseline",
        "--set",
        "org.reps=16",
        "--set",
        "sim.weeks=8",
        "--vary",
        "coaching.hours_per_rep_month=0:6:0.5",
        "--replications",
        "8",
        "--workers",
        "2",
        "--chunk-size",
        "1",
        "--out",
        str(tmp_path / "s"),
    ]
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), *args],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((tmp_path / "s" / "runs").glob("part-*.parquet")):
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "add --resume to continue" in err and "Traceback" not in err
    stored = len(read_runs(tmp_path / "s"))
    assert 0 < stored < 13 * 8
    res = run_cli(*args, "--resume")
    assert res.returncode == 0, res.stderr
    assert len(read_runs(tmp_path / "s")) == 13 * 8


def test_dask_missing_gets_a_clear_message(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    code = cli.main(
        [
            "sweep",
            "baseline",
            "--vary",
            "manager.quota_share=0,1",
            "--scheduler",
            "tcp://127.0.0.1:1",
            "--out",
            str(tmp_path / "s"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "coachsim[distributed]" in err and "Traceback" not in err
    assert not (tmp_path / "s").exists()


def test_resuming_after_the_model_code_changed_is_refused(tmp_path, monkeypatch):
    out = tmp_path / "s"
    small_sweep(out)
    monkeypatch.setattr(spec, "model_fingerprint", lambda: "0" * 16)  # where make_spec looks it up
    with pytest.raises(ParameterError, match=r"the model's code \(sim/\*\.py\) has changed"):
        small_sweep(out, resume=True)
