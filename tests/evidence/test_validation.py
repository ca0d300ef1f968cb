"""Validation and calibration: computed against the published targets, reproducible by fitting."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.evidence import calibration, validation
from analysis.evidence.calibration import CAL_REPS, CAL_SEEDS, FIT_TARGETS, FREE, POLISH_STEP
from analysis.evidence.targets import TARGETS, TYPICAL_RUNS, Target
from analysis.evidence.validation import ELASTICITY_TEXT, VALIDATION_REPS, sensitivity_screen, validate
from analysis.runs import runner
from analysis.runs.executors import usable_cores
from sim import params as registry

SMALL = {"org.reps": 96}
COLUMNS = ["target", "source", "expected_low", "expected_high", "value", "ci_low", "ci_high", "passed"]


@pytest.fixture(scope="module")
def small_validation():
    return validate(replications=2, seed=1, workers=1, reps=96, screen=False, progress=False)


def test_validation_reports_every_target_with_its_range_and_ci(small_validation):
    table = small_validation.table
    assert list(table.columns) == COLUMNS
    assert [t.split(":")[0] for t in table["target"]] == [*(f"T{i}" for i in range(1, 8)), "T1x", "T2x", "C", "D"]
    assert (table["expected_low"] < table["expected_high"]).all()
    # an interval needs two runs with a value: in a 96-rep org a run can lack one of C's groups
    finite = table[np.isfinite(table["value"]) & np.isfinite(table["ci_low"])]
    assert len(finite) >= 8
    assert ((finite["ci_low"] <= finite["value"]) & (finite["value"] <= finite["ci_high"])).all()
    assert table.loc[np.isfinite(table["value"]), "ci_high"].notna().sum() == len(finite)
    passed = (table["expected_low"] <= table["value"]) & (table["value"] <= table["expected_high"])
    assert (table["passed"] == passed).all()


def test_a_changed_parameter_moves_the_validated_value():
    busy = {"rep.admin_hours_per_week": 30.0}
    t6 = [t for t in TARGETS if t.id == "T6"]
    base = validate(replications=2, seed=1, workers=1, reps=96, targets=t6, screen=False, progress=False)
    more = validate(busy, replications=2, seed=1, workers=1, reps=96, targets=t6, screen=False, progress=False)
    # a rep's selling share is what is left after admin: 15 fewer... hours of 45 lower it by ~0.1
    assert more.table["value"][0] < base.table["value"][0] - 0.05


def test_the_sensitivity_screen_finds_the_obvious_lever():
    t6 = [t for t in TARGETS if t.id == "T6"]
    screen = sensitivity_screen(
        targets=t6,
        replications=1,
        seed=1,
        workers=1,
        reps=64,
        progress=False,
        parameters=["rep.admin_hours_per_week", "manager.training"],
    )
    admin = screen[screen["parameter"] == "rep.admin_hours_per_week"]["elasticity"].iloc[0]
    training = screen[screen["parameter"] == "manager.training"]["elasticity"]
    assert admin < -0.5  # more admin, less selling: strongly
    assert training.isna().all() or abs(training.iloc[0]) < abs(admin)


def test_validation_writes_the_csv(tmp_path, small_validation):
    small_validation.write(tmp_path)
    df = pd.read_csv(tmp_path / "validation.csv")
    assert list(df.columns) == COLUMNS
    assert df["target"].str.match(r"^(T[1-7]|T1x|T2x|C|D): ").all()


def test_the_table_prints_every_target_name_whole(small_validation):
    text = small_validation.text()
    assert max(len(t.fact) for t in TARGETS) > 44  # the names the table used to cut
    for t in TARGETS:
        assert t.fact in text.splitlines() or f"    {t.fact}" in text.splitlines(), t.id


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory):
    """A validation of T6 with the screen, on a small org, its progress bars counted."""
    bars = []
    real = runner._progress

    def counted(total, desc, show):
        bars.append((total, desc))
        return real(total, desc, False)

    t6 = [t for t in TARGETS if t.id == "T6"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "_progress", counted)
        res = validate(replications=2, seed=1, workers=1, reps=64, targets=t6, screen_replications=1, screen_reps=64)
    out = res.write(tmp_path_factory.mktemp("validation"))
    return res, bars, out


def test_validate_and_its_screen_show_one_progress_bar_for_the_whole_job(screened):
    _, bars, _ = screened
    # T6's replications (the typical org's: TYPICAL_RUNS times 2), then each free parameter down and up
    runs = TYPICAL_RUNS * 2 + 2 * len(FREE) * 1
    assert bars == [(runs, "validate")]


def test_the_screens_figures_are_labelled_and_explained_as_elasticities(screened):
    res, _, out = screened
    text = res.text()
    assert ELASTICITY_TEXT in text.splitlines()[2]  # in the table's header
    assert "most sensitive to (elasticity): " in text
    meta = json.loads((out / "validation.json").read_text())
    assert "% change of the target for a 1% rise of the parameter" in meta["elasticity"]
    assert meta["columns"]["sensitivity.csv"]["elasticity"] == meta["elasticity"]
    assert set(meta["columns"]["validation.csv"]) == set(pd.read_csv(out / "validation.csv").columns)
    assert set(meta["columns"]["sensitivity.csv"]) == set(pd.read_csv(out / "sensitivity.csv").columns)


def test_a_small_job_runs_in_this_process_and_a_big_one_on_one_pool(screened, monkeypatch):
    from analysis.runs import executors  # make_executor looks ProcessExecutor up there

    pools = []
    real = executors.ProcessExecutor

    def counted(*args, **kwargs):
        pools.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(executors, "ProcessExecutor", counted)
    t6 = [t for t in TARGETS if t.id == "T6"]
    validate(replications=2, seed=1, reps=64, targets=t6, screen=False, progress=False)
    assert pools == []  # a fraction of a second of work: no processes started by default
    serial, _, _ = screened
    parallel = validate(
        replications=2, seed=1, workers=2, reps=64, targets=t6, screen_replications=1, screen_reps=64, progress=False
    )
    assert len(pools) == 1  # the validation and every step of the screen on one pool
    pd.testing.assert_frame_equal(parallel.table, serial.table)
    pd.testing.assert_frame_equal(parallel.sensitivity, serial.sensitivity)
    # the shipped job (every target, 8 replications, the screen) is worth every core
    batches = [validation._batch({}, TARGETS, 8, 0, VALIDATION_REPS)]
    batches += [b for s in validation._screen_steps({}, TARGETS, 4, 0, 512) for b in (s.down, s.up)]
    tasks = sum(len(b.tasks) for b in batches)
    assert validation._workers(None, batches) == min(usable_cores(), tasks)


def test_validation_runs_the_typical_org_more_often_on_the_policies_seeds():
    batch = validation._batch({}, TARGETS, 4, 0, 64)
    seeds = {}
    for values, seed, replication in batch.tasks:
        key = values.get("coaching.hours_per_rep_month", 0.0)
        seeds.setdefault(key, []).append((replication, seed))
    assert sorted(seeds) == [0.0, 1.0, 2.0, 3.0]  # the typical org and the protected policies of T1, T2, D
    assert len(seeds[0.0]) == TYPICAL_RUNS * 4
    for hours in (1.0, 2.0, 3.0):
        assert seeds[hours] == seeds[0.0][:4]  # replication i has the same seed everywhere: common random numbers
    # the screen's differences are paired: it runs every setting equally often
    (step,) = validation._screen_steps({}, TARGETS, 2, 0, 64, ["rep.learning_rate"])
    assert len(step.up.tasks) == 2 * len(seeds)


def test_calibration_runs_the_typical_org_on_its_cross_section_seeds_too():
    t6, t1 = (next(t for t in TARGETS if t.id == i) for i in ("T6", "T1"))
    both = calibration.evaluate(None, [t6, t1], seeds=(5,), reps=64, typical_seeds=(6,))
    apart = [calibration.evaluate(None, [t6, t1], seeds=(s,), reps=64, typical_seeds=()) for s in (5, 6)]
    assert both["T6"] == pytest.approx((apart[0]["T6"] + apart[1]["T6"]) / 2, abs=1e-12)
    assert both["T1"] == apart[0]["T1"]  # a policy runs on the calibration seeds only


def test_calibration_recovers_a_known_parameter_from_targets_the_model_generated():
    truth = 0.15
    seeds, reps = (11, 12, 13), 256
    setting = {"coaching.hours_per_rep_month": 3.0, "coaching.kpi_inspection": 1.0}
    made = calibration.evaluate(
        {"pipeline.opportunities_per_hour": truth},
        [Target("X", "generated", "attainment", 0, 1, "test", setting)],
        seeds,
        reps,
    )["X"]
    target = Target("X", "generated", "attainment", made - 0.002, made + 0.002, "the model itself", setting)
    res = calibration.fit(
        {"pipeline.opportunities_per_hour": (0.05, 0.3)},
        [target],
        start={"pipeline.opportunities_per_hour": 0.1},
        seeds=seeds,
        reps=reps,
        max_evaluations=40,
    )
    # the stated tolerance: 5% of the true value (the model's own noise at this size is ~2%)
    assert res.values["pipeline.opportunities_per_hour"] == pytest.approx(truth, rel=0.05)


def test_the_shipped_defaults_are_a_local_minimum_of_the_calibration():
    """The defaults are the fit's output: no single free parameter moved one polish step does better.

    This reruns the last stage of `python -m analysis.evidence.calibration` (its coordinate polish) at the
    shipped values, with the same seeds and org size, so it reproduces the calibration within
    one polish step of each parameter's range (POLISH_STEP).
    """
    defaults = registry.defaults()
    points: list[dict[str, float]] = [{}]
    for name, (lo, hi) in FREE.items():
        for sign in (1, -1):
            x = round(defaults[name] + sign * POLISH_STEP * (hi - lo), 4)
            if lo <= x <= hi:
                points.append({name: x})
    achieved = calibration.evaluate_many(points, FIT_TARGETS, CAL_SEEDS, CAL_REPS)
    here, *moved = (calibration._loss(a, FIT_TARGETS) for a in achieved)
    for point, loss in zip(points[1:], moved, strict=True):
        assert loss >= here - 1e-9, f"moving {point} improves the fit ({loss:.4f} < {here:.4f})"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["calibrate", "--targets", "T9"], "unknown target 'T9'"),
        (["calibrate", "--free", "rep.admin_hours_per_wek"], "did you mean rep.admin_hours_per_week"),
        (["calibrate", "--free", "coaching.allocation"], "only numeric parameters can be fitted"),
        (["calibrate", "--free", "rep.learning_rate=0.5..0.1"], "LOW < HIGH"),
        (["validate", "--set", "rep.hours_per_week=500"], "rep.hours_per_week = 500 is not allowed"),
        (["validate", "--replications", "0"], "must be at least 1"),
    ],
)
def test_calibrate_and_validate_refuse_bad_input_with_exit_2(root, args, expected):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, str(root / "run.py"), *args], capture_output=True, text=True, cwd=root, timeout=120
    )
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
