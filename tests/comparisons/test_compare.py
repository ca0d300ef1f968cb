"""Side-by-side comparison: paired statistics, Holm, common random numbers, the CLI and the library."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.comparisons.compare import WORKSHOP_SCENARIOS, compare
from analysis.comparisons.comparison import COLUMNS
from analysis.comparisons.questions import QUESTIONS
from analysis.comparisons.statistics import holm, paired_difference
from analysis.runs.runner import replication_seeds
from run import main
from sim import params as registry
from sim.metrics import CANONICAL
from sim.scenario import load, shipped

#: A tiny, short org so that a comparison takes a fraction of a second.
TINY = {"org.reps": 16, "sim.weeks": 20}


def tiny_compare(scenarios, **kwargs):
    kwargs.setdefault("replications", 3)
    kwargs.setdefault("workers", 1)
    kwargs.setdefault("warmup", 0)
    kwargs.setdefault("progress", False)
    return compare(scenarios, overrides=TINY, **kwargs)


# ----------------------------------------------------------------------------- statistics
def test_paired_difference_agrees_with_scipy_ttest_rel():
    rng = np.random.default_rng(7)
    y = rng.normal(1.0, 0.1, 12)
    x = y + rng.normal(0.03, 0.02, 12)
    res = stats.ttest_rel(x, y)
    ci = res.confidence_interval(0.95)
    d = paired_difference(x, y)
    assert d.delta == pytest.approx(np.mean(x - y), rel=1e-12)
    assert d.ci_low == pytest.approx(ci.low, rel=1e-10)
    assert d.ci_high == pytest.approx(ci.high, rel=1e-10)
    assert d.p_value == pytest.approx(res.pvalue, rel=1e-10)
    assert d.n == 12


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=3, max_size=30))
def test_paired_difference_matches_scipy_whenever_the_differences_vary(pairs):
    x, y = (np.array(v) for v in zip(*pairs, strict=True))
    d = x - y
    if np.ptp(d) < 1e-6 * max(1.0, np.abs(d).max()):
        return  # no spread: the degenerate cases are tested on their own
    res = stats.ttest_rel(x, y)
    ci = res.confidence_interval(0.95)
    got = paired_difference(x, y)
    assert got.p_value == pytest.approx(res.pvalue, rel=1e-7, abs=1e-12)
    assert got.ci_low == pytest.approx(ci.low, rel=1e-7, abs=1e-9)
    assert got.ci_high == pytest.approx(ci.high, rel=1e-7, abs=1e-9)


def test_identical_samples_give_exactly_zero_with_a_zero_width_interval_and_p_one():
    x = np.array([1.03, 0.98, 1.11, 1.07])
    d = paired_difference(x, x.copy())
    assert (d.delta, d.ci_low, d.ci_high, d.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert not d.detectable


def test_a_constant_nonzero_shift_is_certain():
    x = np.array([1.0, 2.0, 3.0])
    d = paired_difference(x + 0.5, x)
    assert d.delta == d.ci_low == d.ci_high == 0.5
    assert d.p_value == 0.0 and d.detectable


def test_too_few_pairs_give_nan_not_an_error():
    one = paired_difference([1.0], [0.5])
    assert one.delta == 0.5 and math.isnan(one.ci_low) and math.isnan(one.p_value)
    none = paired_difference([np.nan, 1.0], [0.2, np.nan])
    assert none.n == 0 and math.isnan(none.delta)


def test_pairs_with_a_missing_value_are_dropped_together():
    x = np.array([1.0, np.nan, 1.2, 1.1, 1.3])
    y = np.array([0.9, 0.8, np.nan, 1.0, 1.1])
    d = paired_difference(x, y)
    assert d.n == 3
    assert d.delta == pytest.approx(np.mean([0.1, 0.1, 0.2]))


def test_holm_against_a_hand_computation():
    # sorted: 0.005 x4 = 0.02; 0.01 x3 = 0.03; 0.03 x2 = 0.06; 0.04 x1 = 0.04 -> kept at 0.06
    p = [0.01, 0.04, 0.03, 0.005]
    assert holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_leaves_nan_out_of_the_family():
    adjusted = holm([0.4, np.nan, 0.3])
    assert adjusted[0] == pytest.approx(0.6) and adjusted[2] == pytest.approx(0.6)
    assert math.isnan(adjusted[1])
    assert holm([0.9, 0.8]) == pytest.approx([1.0, 1.0])
    assert holm([]).size == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_holm_equals_the_step_down_definition(p):
    p = np.array(p)
    m = p.size
    order = np.argsort(p, kind="stable")
    expected = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        expected[i] = running
    got = holm(p)
    assert got == pytest.approx(expected)
    assert np.all(got >= p - 1e-15) and np.all(got <= 1.0)


# ----------------------------------------------------------------------------- comparisons
@pytest.fixture(scope="module")
def self_comparison():
    """The baseline against itself and against one policy, on a tiny org."""
    return tiny_compare(["baseline", "coaching_3h", "baseline"])


def test_a_scenario_compared_with_itself_shows_a_delta_of_exactly_zero(self_comparison):
    comp = self_comparison
    assert comp.labels == ["baseline", "coaching_3h", "baseline (2)"]
    same = comp.table[comp.table["scenario"] == "baseline (2)"]
    assert len(same) == len(CANONICAL)
    for row in same.itertuples():
        assert row.delta == 0.0, row.metric
        assert row.delta_ci_low == 0.0 and row.delta_ci_high == 0.0
        assert row.p_value == 1.0
        assert row.verdict == "no detectable difference"
    base = comp.table[comp.table["scenario"] == "baseline"]
    assert (base["delta"] == 0).all() and (base["verdict"] == "baseline").all()


def test_p_values_are_holm_adjusted_over_the_scenarios_per_metric(self_comparison):
    t = self_comparison.table
    for metric in CANONICAL:
        rows = t[(t["metric"] == metric) & (t["scenario"] != "baseline")]
        assert rows["p_value"].to_numpy() == pytest.approx(holm(rows["p_unadjusted"].to_numpy()), nan_ok=True)


def test_replication_i_of_every_scenario_uses_the_same_seed(self_comparison):
    seeds = replication_seeds(0, 3)
    for reps in self_comparison.replications.values():
        assert [r.seed for r in reps.runs] == seeds
        assert [r.replication for r in reps.runs] == [0, 1, 2]


def test_the_same_seed_gives_identical_results_whatever_the_workers(self_comparison):
    again = tiny_compare(["baseline", "coaching_3h", "baseline"], workers=2)
    pd.testing.assert_frame_equal(again.table, self_comparison.table)
    other_seed = tiny_compare(["baseline"], seed=1)
    assert not np.allclose(other_seed.metrics("baseline")["bookings"], self_comparison.metrics("baseline")["bookings"])


def test_a_baseline_not_listed_is_put_first():
    comp = tiny_compare(["coaching_3h"], baseline="baseline", replications=2)
    assert comp.labels == ["baseline", "coaching_3h"] and comp.baseline == "baseline"
    assert comp.command == ""  # made from Python: no command line; run.py passes the one it parsed


def test_the_table_says_holm_and_reads_per_metric(self_comparison):
    text = self_comparison.format_table()
    assert "Holm" in text
    for metric in CANONICAL:
        assert f"\n{metric} (" in text
    assert "no detectable difference" in text


# ----------------------------------------------------------------------------- the command
def test_compare_writes_comparison_csv_with_exactly_the_columns(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(
        [
            "compare",
            "baseline",
            "quota_share_0",
            "--replications",
            "2",
            "--workers",
            "1",
            "--warmup",
            "0",
            "--set",
            "org.reps=16",
            "--set",
            "sim.weeks=16",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    df = pd.read_csv(out / "comparison.csv")
    assert tuple(df.columns) == (*COLUMNS, "counted_year")
    assert set(df["counted_year"]) == {"first year after the change"}  # --warmup 0, said in the file
    assert len(df) == 2 * len(CANONICAL)
    assert set(df["scenario"]) == {"baseline", "quota_share_0"}
    printed = capsys.readouterr().out
    assert "Holm" in printed and "quota_share_0" in printed


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["compare", "baseline", "coaching_3hh"], "did you mean coaching_3h"),
        (["compare", "baseline", "--baseline", "nope"], "no scenario file or shipped scenario named 'nope'"),
        (["compare", "baseline", "--set", "coaching.hours=3"], "unknown parameter 'coaching.hours'"),
        (["compare", "baseline", "--set", "manager.quota_share=2"], "manager.quota_share = 2 is not allowed"),
    ],
)
def test_bad_scenarios_and_options_exit_2_with_one_clear_message(args, expected, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert err.startswith("coachsim: error:") and "Traceback" not in err


def test_a_malformed_scenario_file_exits_2_without_a_traceback(run_cli, write_toml):
    bad = write_toml("broken", 'description = "x"\n[coaching\nhours_per_rep_month = 3\n')
    done = run_cli("compare", "baseline", bad, "--replications", "2")
    assert done.returncode == 2
    assert "broken.toml: not valid TOML" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_missing_parent_exits_2_naming_the_file(run_cli, write_toml):
    orphan = write_toml("orphan", 'description = "x"\nextends = "no_such_parent"\n')
    done = run_cli("compare", "baseline", orphan, "--replications", "2")
    assert done.returncode == 2
    assert "orphan.toml" in done.stderr and "no_such_parent" in done.stderr
    assert "Traceback" not in done.stderr


def test_scenarios_counting_different_weeks_are_refused(write_toml):
    longer = write_toml("longer", 'extends = "baseline"\n[sim]\nweeks = 30\n')
    with pytest.raises(registry.ParameterError, match=r"sim\.weeks"):
        compare(["baseline", str(longer)], replications=2, progress=False)


# ----------------------------------------------------------------------------- the library
#: Each question's scenarios, and the shipped twins of the typical org named for their sweep.
TWINS = {2: ["quota_share_25"], 4: ["meetings_monthly"], 6: ["promote_top_rep"]}
LIBRARY = {q.number: [*q.compared, *TWINS.get(q.number, [])] for q in QUESTIONS}


@pytest.mark.parametrize("question", sorted(LIBRARY))
def test_every_question_of_the_model_has_shipped_scenarios(question):
    names = shipped()
    for name in LIBRARY[question]:
        assert name in names, name
        assert load(name).description and load(name).title


def test_every_policy_file_has_a_description_and_changes_only_levers_of_its_parent():
    levers = {p.name for p in registry.REGISTRY if p.lever}
    files = shipped()
    policies = {n for names in LIBRARY.values() for n in names} - {"baseline"}
    for name in [*sorted(policies), "best_practice"]:
        doc = tomllib.loads(files[name].read_text())
        assert isinstance(doc.get("description"), str) and len(doc["description"]) > 20, name
        assert doc.get("extends") == ("coaching_3h" if name.startswith("allocation_") else "baseline"), name
        own = {f"{s}.{k}" for s, table in doc.items() if isinstance(table, dict) for k in table}
        assert own and own <= levers, (name, own - levers)


def test_the_allocation_rules_share_a_protected_target_so_allocation_matters():
    for rule in ("equal", "needs", "core", "top", "new_hires"):
        values = load(f"allocation_{rule}").values
        assert values["coaching.allocation"] == rule
        assert values["coaching.hours_per_rep_month"] == 3 and values["coaching.kpi_inspection"] == 1


def test_the_workshop_scenarios_are_shipped():
    assert WORKSHOP_SCENARIOS[0] == "baseline"
    assert set(WORKSHOP_SCENARIOS) <= set(shipped())


def test_the_notebook_api_is_analysis_compare():
    import analysis

    assert analysis.compare is compare
    assert callable(analysis.workshop)
