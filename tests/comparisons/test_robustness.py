"""Comparisons across an ensemble: paired effects per member, weighted statistics, flips, failure regions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.comparisons.compare import compare
from analysis.comparisons.robustness import EnsembleComparison, _weighted_quantile, compare_ensemble
from analysis.comparisons.robustness_report import (
    discover_failures,
    failure_sentence,
    floor_sentence,
    ranking_sentences,
    robustness_lines,
    robustness_sentences,
)
from analysis.evidence.ensemble import Ensemble
from analysis.runs.runner import replication_seeds
from analysis.sweeps.simulate import simulate
from sim.metrics import CANONICAL
from sim.scenario import load


def _ensemble(values: dict[str, list[float]], weights: list[float] | None = None) -> Ensemble:
    n = len(next(iter(values.values())))
    w = np.asarray(weights if weights is not None else np.ones(n), float)
    members = pd.DataFrame({"member": np.arange(n), "weight": w / w.sum(), **values})
    from sim import params as registry

    return Ensemble(members, {name: registry.by_name(name).prior for name in values})


def _synthetic(effects: np.ndarray, x: np.ndarray, weights: np.ndarray | None = None) -> EnsembleComparison:
    """An ensemble comparison with made-up results: policy s's attainment is baseline + effects[s]."""
    n_policies, n_members = effects.shape
    reps = 4
    metrics = np.zeros((n_policies + 1, n_members, reps, len(CANONICAL)))
    k = CANONICAL.index("attainment")
    noise = np.random.default_rng(1).normal(0, 1e-4, (n_members, reps))
    metrics[0, :, :, k] = 0.9 + noise
    for s in range(n_policies):
        metrics[s + 1, :, :, k] = 0.9 + noise + effects[s][:, None]
    labels = ["base", *[f"p{s}" for s in range(n_policies)]]
    ens = _ensemble(
        {"executive.coaching_scale": list(x), "rep.skill_decay": list(np.linspace(0.02, 0.05, len(x)))},
        None if weights is None else list(weights),
    )
    return EnsembleComparison(labels, {label: label.upper() for label in labels}, ens, metrics, 0, reps, 52)


def test_weighted_quantiles_follow_the_weights():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert list(_weighted_quantile(x, np.ones(4), (0.25, 0.5, 1.0))) == [1.0, 2.0, 4.0]
    assert _weighted_quantile(x, np.array([0.0, 0.0, 0.0, 1.0]), (0.05,))[0] == 4.0
    assert _weighted_quantile(x, np.array([10.0, 1.0, 1.0, 1.0]), (0.5,))[0] == 1.0


def test_robustness_is_the_weighted_share_of_models_the_policy_improves():
    x = np.linspace(0, 1, 40)
    effects = np.vstack([np.where(x > 0.75, -0.02, 0.05), np.full(40, 0.01)])
    ec = _synthetic(effects, x)
    s = ec.summary().set_index("scenario")
    assert s.loc["p0", "share_improved"] == pytest.approx(np.mean(x <= 0.75))
    assert s.loc["p1", "share_improved"] == 1.0
    assert s.loc["p0", "median"] == pytest.approx(0.05, abs=1e-3) and s.loc["p0", "q05"] == pytest.approx(
        -0.02, abs=1e-3
    )
    assert s.loc["p0", "share_improved_ci_low"] < s.loc["p0", "share_improved"] < s.loc["p0", "share_improved_ci_high"]
    weighted = _synthetic(effects, x, weights=np.where(x > 0.75, 3.0, 1.0))  # the failing models weigh three times
    w = np.where(x > 0.75, 3.0, 1.0)
    assert weighted.summary().set_index("scenario").loc["p0", "share_improved"] == pytest.approx(
        w[x <= 0.75].sum() / w.sum()
    )


def test_members_of_markov_chains_are_resampled_a_whole_chain_at_a_time():
    """One chain's members are alike: a bootstrap over single members would understate the Monte
    Carlo uncertainty, so the resamples take whole chains."""
    x = np.linspace(0, 1, 40)
    effects = np.vstack([np.repeat([0.05, -0.02, 0.04, 0.03], 10)])  # four chains, each its own effect
    chained = _synthetic(effects, x)
    chained.ensemble.members["chain"] = np.repeat(np.arange(4), 10)
    members, _ = chained._bootstrap_draws
    for draw in members[:50]:
        counts = np.bincount(chained.ensemble.members["chain"].to_numpy()[draw], minlength=4)
        assert set(counts) <= {0, 10, 20, 30, 40}  # whole chains, with replacement
    single = _synthetic(effects, x).summary().iloc[0]
    whole = chained.summary().iloc[0]
    assert whole["share_improved"] == pytest.approx(0.75) and single["share_improved"] == pytest.approx(0.75)
    width = whole["share_improved_ci_high"] - whole["share_improved_ci_low"]
    assert width > single["share_improved_ci_high"] - single["share_improved_ci_low"]


def test_an_ensemble_worth_few_independent_models_says_its_spread_is_a_floor():
    ens = _ensemble({"rep.skill_decay": list(np.linspace(0.02, 0.05, 40))})
    assert floor_sentence(ens) == ""  # independent members: nothing to add
    ens.record["effective_size"] = 12.0  # ten chains that have not mixed
    assert "worth about 12 independent models" in floor_sentence(ens) and "a floor" in floor_sentence(ens)
    x = np.linspace(0, 1, 40)
    ec = _synthetic(np.vstack([np.full(40, 0.01)]), x)
    assert not any("a floor" in line for line in robustness_lines(ec))
    ec.ensemble.record["effective_size"] = 12.0
    assert "a floor" in robustness_lines(ec)[-1]  # said in the terminal too


def test_robust_and_fragile_policies_are_said_so():
    x = np.linspace(0, 1, 40)
    ec = _synthetic(np.vstack([np.where(x > 0.5, -0.02, 0.05), np.full(40, 0.01)]), x)
    words = dict(robustness_sentences(ec))
    assert "in 50% of the 40 plausible models" in words["p0"] and "depends on assumptions" in words["p0"]
    assert "in 100% of the 40" in words["p1"] and "robust" in words["p1"]


def test_a_ranking_that_flips_is_named_and_one_that_holds_is_not():
    x = np.linspace(0, 1, 40)
    flipping = _synthetic(np.vstack([np.where(x > 0.5, 0.01, 0.05), np.full(40, 0.03)]), x)
    text = " ".join(ranking_sentences(flipping))
    assert "Ranking flips between P0 and P1" in text and "50%" in text
    holding = _synthetic(np.vstack([np.full(40, 0.05), np.full(40, 0.01)]), x)
    assert ranking_sentences(holding)[0].startswith("No ranking flips")


def test_scenario_discovery_finds_where_a_policy_fails():
    x = np.random.default_rng(5).uniform(1.0, 4.0, 200)
    ec = _synthetic(np.vstack([np.where(x > 3.1, -0.01, 0.04)]), x)
    found = discover_failures(ec)["p0"]
    assert not isinstance(found, str)
    low, _ = found.box["executive.coaching_scale"]
    assert low == pytest.approx(3.1, abs=0.1) and found.coverage > 0.9 and found.density > 0.9
    assert "rep.skill_decay" not in found.box
    sentence = failure_sentence(ec, "p0", found)
    assert sentence.startswith("P0 does not raise attainment where") and "above 3.1" in sentence


def test_no_failures_or_too_few_get_a_plain_sentence_instead_of_a_box():
    x = np.linspace(1, 4, 30)
    ec = _synthetic(np.vstack([np.full(30, 0.03), np.where(x > 3.8, -0.01, 0.02)]), x)
    found = discover_failures(ec)
    assert "every plausible model" in found["p0"]
    assert "too few" in found["p1"]


SMALL = {"org.reps": 24, "sim.weeks": 8, "sim.warmup_weeks": 4}


def test_each_member_runs_each_policy_on_the_same_seeds_as_a_run_alone():
    ens = _ensemble({"executive.coaching_scale": [1.5, 3.5], "rep.skill_decay": [0.02, 0.05]})
    ec = compare_ensemble(["baseline", "coaching_the_coaches"], ens, replications=2, seed=4, overrides=SMALL, workers=1)
    seeds = replication_seeds(4, 2)
    k = CANONICAL.index("attainment")
    for s, name in enumerate(["baseline", "coaching_the_coaches"]):
        scenario = load(name)
        for m in range(2):
            for r in range(2):
                values = scenario.with_overrides({**ens.values(m), **SMALL}).values
                assert ec.metrics[s, m, r, k] == simulate(values, seeds[r])["attainment"]
    assert ec.effects().shape == (1, 2, 2)


def test_a_policys_own_settings_win_over_the_members():
    ens = _ensemble({"manager.admin_hours_per_week": [5.0, 20.0]})
    ec = compare_ensemble(
        ["baseline", "coaching_3h"],
        ens,
        replications=2,
        overrides={**SMALL, "manager.admin_hours_per_week": 8.0},
        workers=1,
    )
    k = CANONICAL.index("attainment")
    assert ec.metrics[0, 0, :, k].tolist() == ec.metrics[0, 1, :, k].tolist()  # the --set value holds in both


def test_compare_with_an_ensemble_keeps_its_point_answer_and_adds_the_ensembles():
    ens = _ensemble({"executive.coaching_scale": [1.5, 3.5], "rep.skill_decay": [0.02, 0.05]})
    plain = compare(["baseline", "coaching_3h"], replications=2, overrides=SMALL, workers=1)
    both = compare(
        ["baseline", "coaching_3h"], replications=2, overrides=SMALL, workers=1, ensemble=ens, ensemble_replications=2
    )
    pd.testing.assert_frame_equal(plain.table, both.table)
    assert plain.ensemble is None and both.ensemble.labels == ["baseline", "coaching_3h"]


def test_the_command_line_compares_across_an_ensemble_and_writes_its_tables_and_report(run_cli, tmp_path):
    path = _ensemble({"executive.coaching_scale": [1.5, 3.5, 2.0], "rep.skill_decay": [0.02, 0.05, 0.03]}).write(
        tmp_path / "ens.parquet"
    )
    sets = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]
    out = tmp_path / "cmp"
    res = run_cli(
        "compare", "baseline", "coaching_3h", "--replications", "2", "--ensemble", path, "--ensemble-replications",
        "2", "--workers", "1", "--out", out, *sets,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "Across the 3 plausible models of the ensemble" in res.stdout
    for name in (
        "robustness.csv",
        "ensemble_effects.csv",
        "ranking.csv",
        "failure_regions.csv",
        "effect_across_models.png",
    ):
        assert (out / name).is_file(), name
    effects = pd.read_csv(out / "ensemble_effects.csv")
    assert set(effects["member"]) == {0, 1, 2} and set(effects["scenario"]) == {"coaching_3h"}
    report = (out / "report.html").read_text()
    assert "How sure: the answer in 3 plausible models" in report and "of the 3 plausible models" in report


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("workshop", "--full", "--ensemble"), "--ensemble: the full workshop"),
        (("compare", "baseline", "coaching_3h", "--ensemble", "nowhere.parquet"), "nowhere.parquet: no such file"),
        (("workshop", "--ensemble-replications", "3"), "--ensemble-replications: only with --ensemble"),
        (("calibrate", "--ensemble", "1"), "must be at least 2"),
        (("calibrate", "--ensemble", "4", "--free", "rep.learning_rate"), "drop --free"),
    ],
)
def test_bad_ensemble_options_get_one_message_and_exit_code_2(run_cli, tmp_path, args, message):
    res = run_cli(*args, "--out", tmp_path / "out")
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr
