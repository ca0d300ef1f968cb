"""Scenario discovery on a real sweep: the driver found, the statistics recounted, the files, the refusals.

Every sweep here is a tiny org (16 reps, 8 weeks, no warm-up) run in this process, so that the
file runs in a few seconds. In it, rep admin hours drive attainment (more admin, less selling:
a Spearman correlation near -1 over the points) and a manager's personal quota barely moves it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.common.outputs import OutputError
from analysis.discovery.prim import BOX_TABLE_COLUMNS
from analysis.discovery.sweep import (
    DISCOVERY_FILES,
    MIN_POINTS,
    SweepDiscovery,
    discover_sweep,
    format_discovery,
    parameter_label,
    write_discovery,
)
from analysis.runs.executors import InProcessExecutor
from analysis.sweeps.summary import SUMMARY_FILE
from analysis.sweeps.sweep import run_sweep
from sim.params import ParameterError

SMALL = {"org.reps": 16, "sim.weeks": 8, "sim.warmup_weeks": 0}
ADMIN, QUOTA = "rep.admin_hours_per_week", "manager.quota_share"


def small_sweep(out: Path, vary, **options) -> Path:
    """A sweep of a tiny org, run in this process; returns its folder."""
    options.setdefault("sampler", "lhs")
    options.setdefault("replications", 1)
    run_sweep(
        "baseline",
        vary,
        overrides=SMALL,
        seed=3,
        out=out,
        executor=InProcessExecutor(),
        plots=False,
        progress=False,
        **options,
    )
    return out


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 LHS points over quota share and admin hours, 2 replications each."""
    out = tmp_path_factory.mktemp("discover") / "sweep"
    return small_sweep(out, [f"{QUOTA}=0..1", f"{ADMIN}=18..32"], samples=40, replications=2)


@pytest.fixture(scope="module")
def median(sweep_dir: Path) -> float:
    """The median of the points' mean attainment, from the sweep's own summary."""
    return float(pd.read_csv(sweep_dir / SUMMARY_FILE)["attainment_mean"].median())


@pytest.fixture(scope="module")
def found(sweep_dir: Path, median: float) -> SweepDiscovery:
    return discover_sweep(sweep_dir, "attainment", below=median)


def test_admin_hours_really_drive_attainment_in_this_sweep(sweep_dir):
    summary = pd.read_csv(sweep_dir / SUMMARY_FILE)
    rho_admin = stats.spearmanr(summary[ADMIN], summary["attainment_mean"]).statistic
    rho_quota = stats.spearmanr(summary[QUOTA], summary["attainment_mean"]).statistic
    assert rho_admin < -0.9 and abs(rho_quota) < 0.3  # the premise of the next test


def test_the_box_of_low_attainment_is_high_admin_hours(found, sweep_dir):
    p = found.prim
    assert found.rule.startswith("attainment below ") and found.metric == "attainment"
    assert found.parameters == (QUOTA, ADMIN) and dict(found.left_out) == {} and found.note == ""
    # admin hours come first (smallest quasi-p) and are cut from below only: "above a"
    assert next(iter(p.box)) == ADMIN and p.quasi_p[ADMIN] < 1e-3
    low, high = p.box[ADMIN]
    full_low, full_high = p.full_range[ADMIN]
    assert full_low < low and high == full_high
    assert 22 < low < 28  # about the middle of 18..32: half the points are cases
    # a restriction of quota share, if any, is one the data do not support
    assert QUOTA not in p.box or p.quasi_p[QUOTA] > 0.05
    assert p.met_threshold and p.density >= 0.8 and p.coverage >= 0.8
    assert p.total_points == 40 and p.total_cases == 20  # below the median: half the points


def test_the_points_are_the_means_summary_csv_holds_and_the_cases_follow_the_rule(found, sweep_dir, median):
    points = found.points
    assert list(points.columns) == ["point", QUOTA, ADMIN, "n", "attainment_mean", "case", "in_box"]
    summary = pd.read_csv(sweep_dir / SUMMARY_FILE).set_index("point")
    assert points["point"].tolist() == summary.index.tolist() and (points["n"] == 2).all()
    np.testing.assert_allclose(points["attainment_mean"], summary.loc[points["point"], "attainment_mean"], rtol=1e-12)
    np.testing.assert_allclose(points[ADMIN], summary.loc[points["point"], ADMIN])
    assert (points["case"] == (points["attainment_mean"] < median)).all()
    assert (points["in_box"].to_numpy() == found.prim.inside).all()


def test_the_sentence_names_the_parameter_by_its_meaning_and_unit(found, median):
    sentence = found.sentence()
    assert sentence.startswith(f"Attainment is below {median:.6g} where rep admin ({ADMIN}) is above ")
    assert "hours/week" in sentence and sentence.endswith(".")
    assert f"this box holds {found.prim.coverage:.0%} of all such cases" in sentence
    assert parameter_label(ADMIN) == f"rep admin ({ADMIN})"
    assert parameter_label(QUOTA) == f"personal quota a manager carries ({QUOTA})"  # its parenthesis dropped
    text = format_discovery(found)
    assert found.rule in text and sentence in text
    assert any(line.startswith(ADMIN) for line in text.splitlines())


def test_above_the_median_is_the_other_side_of_the_admin_hours(sweep_dir, median):
    good = discover_sweep(sweep_dir, "attainment", above=median)
    assert good.rule == f"attainment above {median:.6g}" and good.above == median and good.below is None
    assert (good.points["case"] == (good.points["attainment_mean"] > median)).all()
    low, high = good.prim.box[ADMIN]
    assert low == good.prim.full_range[ADMIN][0] and high < good.prim.full_range[ADMIN][1]  # "below b"
    assert f"rep admin ({ADMIN}) is below" in good.sentence()


def test_the_files_are_written_whole_and_their_numbers_recount(found, tmp_path):
    out = write_discovery(found, tmp_path / "disc")
    assert out == tmp_path / "disc"
    assert set(DISCOVERY_FILES) <= {p.name for p in out.iterdir()}
    assert (out / "discovery.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "discovery.svg").read_bytes()[:2000]

    points = pd.read_csv(out / "points.csv")
    case, inside = points["case"].to_numpy(bool), points["in_box"].to_numpy(bool)
    coverage, density, mass = (case & inside).sum() / case.sum(), case[inside].mean(), inside.mean()
    record = json.loads((out / "discovery.json").read_text())
    assert (record["coverage"], record["density"], record["mass"]) == pytest.approx((coverage, density, mass))
    assert (found.prim.coverage, found.prim.density, found.prim.mass) == pytest.approx((coverage, density, mass))

    box = pd.read_csv(out / "discovery.csv")
    assert list(box.columns) == list(BOX_TABLE_COLUMNS) and box["parameter"].iloc[0] == ADMIN
    assert np.allclose(box["coverage"], coverage) and np.allclose(box["density"], density)
    # the box's limits, applied to points.csv, hold exactly the points flagged in_box
    within = np.ones(len(points), bool)
    for row in box.itertuples():
        within &= points[row.parameter].between(row.low, row.high).to_numpy()
    assert (within == inside).all()

    trajectory = pd.read_csv(out / "trajectory.csv")
    chosen = trajectory.iloc[found.prim.chosen]
    assert chosen["points"] == inside.sum() and chosen["cases"] == (case & inside).sum()
    assert trajectory.loc[0, "mass"] == 1 and trajectory.loc[0, "density"] == pytest.approx(case.mean())

    assert record["rule"] == found.rule and record["metric"] == "attainment" and record["metric_better"] == "higher"
    assert record["sweep"] == str(found.folder) and record["threshold"] == 0.8
    assert record["sentence"] == found.sentence() and "Friedman and Fisher 1999" in record["method"]
    assert set(record["columns"]["points.csv"]) == {"point", "<parameter>", "n", "attainment_mean", "case", "in_box"}
    assert record["box"][ADMIN]["low"] == found.prim.box[ADMIN][0]

    # written again: replaced whole; and never into the sweep's own folder
    write_discovery(found, out)
    assert json.loads((out / "discovery.json").read_text()) == record
    with pytest.raises(OutputError, match=r"holds a sweep's output"):
        write_discovery(found, found.folder)
    with pytest.raises(OutputError, match=r"already holds the results of an earlier `discover`"):
        write_discovery(found, out, replace=False)


def test_an_interrupted_sweep_leaves_out_its_points_without_runs(tmp_path):
    def stop(stored: int) -> None:
        if stored >= 20:
            raise KeyboardInterrupt

    out = tmp_path / "half"
    with pytest.raises(KeyboardInterrupt):
        small_sweep(out, [f"{ADMIN}=18..32"], samples=30, chunk_size=1, on_chunk=stop)
    d = discover_sweep(out, "attainment", below=1.0)
    assert len(d.points) == 20 and d.points_in_sweep == 30 and d.prim.total_points == 20
    assert "10 of the 30 points have no value of attainment and are left out" in d.note


def test_text_choices_are_left_out_and_true_false_is_searched_as_one_and_zero(tmp_path):
    out = small_sweep(
        tmp_path / "mixed",
        ["coaching.allocation=equal,needs,core", "coaching.framework=true,false", f"{ADMIN}=18..32"],
        samples=12,
    )
    d = discover_sweep(out, "attainment", below=1.0)
    assert d.parameters == ("coaching.framework", ADMIN) and list(d.left_out) == ["coaching.allocation"]
    assert "coaching.allocation is not searched: its values are text" in d.note
    assert set(d.points["coaching.allocation"]) <= {"equal", "needs", "core"}  # kept in the table
    assert set(d.prim.full_range["coaching.framework"]) <= {0.0, 1.0}


def test_bad_requests_raise_one_parameter_error_naming_the_problem(sweep_dir, tmp_path):
    with pytest.raises(
        ParameterError, match=r"metric 'attainmnet': not a canonical metric \(did you mean attainment\?\)"
    ):
        discover_sweep(sweep_dir, "attainmnet", below=1.0)
    with pytest.raises(ParameterError, match=r"exactly one of below or above \(both were given\)"):
        discover_sweep(sweep_dir, "attainment", below=1.0, above=0.5)
    with pytest.raises(ParameterError, match=r"exactly one of below or above \(neither was given\)"):
        discover_sweep(sweep_dir, "attainment")
    with pytest.raises(ParameterError, match=r"below nan: expected a finite number"):
        discover_sweep(sweep_dir, "attainment", below=float("nan"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(
        ParameterError, match=rf"^{re.escape(str(empty))}: not a sweep folder \(sweep.json is missing\)"
    ):
        discover_sweep(empty, "attainment", below=1.0)
    with pytest.raises(ParameterError, match=rf"^{re.escape(str(tmp_path / 'nowhere'))}: no such folder"):
        discover_sweep(tmp_path / "nowhere", "attainment", below=1.0)
    # mean rep attainment needs 13 counted weeks in seat: an 8-week sweep has no value of it
    with pytest.raises(
        ParameterError, match=rf"0 of the sweep's 40 points have a value of rep_attainment_mean.*{MIN_POINTS}"
    ):
        discover_sweep(sweep_dir, "rep_attainment_mean", below=1.0)
    with pytest.raises(ParameterError, match=r"^threshold 1.5: expected a number strictly between 0 and 1"):
        discover_sweep(sweep_dir, "attainment", below=1.0, threshold=1.5)


def test_too_few_points_or_no_numeric_parameter_are_refused(tmp_path):
    few = small_sweep(tmp_path / "few", [f"{ADMIN}=18,25,32"], sampler="grid")
    with pytest.raises(
        ParameterError, match=rf"^{re.escape(str(few))}: 3 of the sweep's 3 points .* at least {MIN_POINTS}"
    ):
        discover_sweep(few, "attainment", below=1.0)
    text = small_sweep(tmp_path / "text", ["coaching.allocation=equal,needs"], sampler="grid")
    with pytest.raises(ParameterError, match=r"varies no numeric parameter .*coaching.allocation: its values are text"):
        discover_sweep(text, "attainment", below=1.0)


def test_the_command_line_discovers_on_a_sweep_and_refuses_bad_input_with_exit_code_2(run_cli, sweep_dir, median):
    res = run_cli("discover", sweep_dir, "--below", str(median))
    assert res.returncode == 0, res.stderr
    assert "rep.admin_hours_per_week" in res.stdout and (sweep_dir / "discover-attainment" / "discovery.csv").is_file()
    again = run_cli("discover", sweep_dir, "--below", str(median))  # the default folder holds a discovery already
    assert again.returncode == 2 and "--overwrite" in again.stderr
    for args, message in (
        (("--metric", "atainment", "--below", "1"), "did you mean"),
        (("--below", "1", "--above", "2"), "not allowed with argument"),
        ((), "one of the arguments --below --above is required"),
    ):
        res = run_cli("discover", sweep_dir, *args)
        assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr, res.stderr
