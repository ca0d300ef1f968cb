"""PRIM: planted boxes found, sequential covering, the hand-counted statistics, the sentence, bad inputs, the chart."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.discovery.plots import prim_figure
from analysis.discovery.prim import BOX_TABLE_COLUMNS, PrimResult, box_table, describe, find_boxes, prim
from sim.params import ParameterError

COLUMNS = [f"x{i}" for i in range(6)]


def _points(n: int = 3000, d: int = 6, seed: int = 1) -> tuple[pd.DataFrame, np.random.Generator]:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.random((n, d)), columns=[f"x{i}" for i in range(d)]), rng


def _swap(truth: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Flip ``share`` of the cases to False, and as many other points to True."""
    y = truth.copy()
    k = round(share * truth.sum())
    y[rng.choice(np.flatnonzero(truth), k, replace=False)] = False
    y[rng.choice(np.flatnonzero(~truth), k, replace=False)] = True
    return y


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """3000 points in [0, 1]^6; the cases are x0 > 0.6 and x3 < 0.3, with 5% of their labels swapped.

    The noise swaps labels in and out of the planted box in equal numbers (5% of the 360-odd
    cases each way). Flipping 5% of *all* 3000 labels would put about 130 stray cases outside the
    box against about 340 inside, and no box could then cover more than about 72% of the cases
    (:func:`test_a_box_planted_under_noise_on_every_label_is_found_at_the_coverage_that_noise_allows`).
    """
    x, rng = _points()
    truth = ((x["x0"] > 0.6) & (x["x3"] < 0.3)).to_numpy()
    return x, truth, _swap(truth, 0.05, rng)


@pytest.fixture(scope="module")
def found(planted) -> PrimResult:
    x, _, y = planted
    return prim(x, y)


def test_the_planted_box_is_found_on_exactly_its_two_parameters(planted, found):
    x, _, y = planted
    assert set(found.box) == {"x0", "x3"}
    assert found.met_threshold and found.note == ""
    low, high = found.box["x0"]
    assert abs(low - 0.6) < 0.05 and high == x["x0"].max()  # above 0.6: the high end is open
    low, high = found.box["x3"]
    assert abs(high - 0.3) < 0.05 and low == x["x3"].min()  # below 0.3: the low end is open
    assert found.coverage > 0.8 and found.density > 0.8
    # the irrelevant parameters keep their full range in the chosen box
    chosen = found.trajectory.loc[found.chosen]
    for name in ("x1", "x2", "x4", "x5"):
        assert (chosen[f"{name}_low"], chosen[f"{name}_high"]) == (x[name].min(), x[name].max())
    # the statistics are those of the points the box holds
    inside = (
        (x >= chosen[[f"{c}_low" for c in COLUMNS]].to_numpy())
        & (x <= chosen[[f"{c}_high" for c in COLUMNS]].to_numpy())
    ).all(axis=1)
    assert (inside.to_numpy() == found.inside).all()
    assert found.points == inside.sum() and found.cases == y[found.inside].sum()
    assert found.coverage == pytest.approx(y[found.inside].sum() / y.sum())
    assert found.density == pytest.approx(y[found.inside].mean()) and found.mass == pytest.approx(inside.mean())
    assert found.base_density == pytest.approx(y.mean()) and found.total_points == 3000
    # both restrictions matter: removing either leaves a much sparser box
    assert set(found.quasi_p) == {"x0", "x3"} and max(found.quasi_p.values()) < 1e-20


def test_the_trajectory_peels_down_to_the_minimum_mass_and_records_every_box(found):
    t = found.trajectory
    peel = t[t["phase"] == "peel"]
    assert list(t["step"]) == list(range(len(t))) and list(t.columns[:8]) == [
        "step",
        "phase",
        "coverage",
        "density",
        "mass",
        "points",
        "cases",
        "restricted",
    ]
    assert peel.iloc[0][["coverage", "density", "mass", "restricted"]].tolist() == pytest.approx(
        [1.0, found.base_density, 1.0, 0]
    )
    assert (np.diff(peel["points"]) < 0).all()  # each peel removes points
    assert peel["mass"].min() >= 0.05 and peel["mass"].iloc[-1] < 0.05 / 0.95 + 0.01  # peeled to mass_min
    # the limits only ever move inwards while peeling
    assert (np.diff(peel["x0_low"]) >= 0).all() and (np.diff(peel["x3_high"]) <= 0).all()
    # the chosen box has the highest coverage among those dense enough
    dense = t[t["density"] >= found.threshold]
    assert found.coverage == dense["coverage"].max()


def test_a_box_planted_under_noise_on_every_label_is_found_at_the_coverage_that_noise_allows():
    x, rng = _points(seed=2)
    truth = ((x["x0"] > 0.6) & (x["x3"] < 0.3)).to_numpy()
    y = truth ^ (rng.random(len(x)) < 0.05)  # 5% of all labels flipped
    r = prim(x, y)
    assert set(r.box) == {"x0", "x3"} and r.density >= 0.8
    # Every peel that drops a stray case lowers the coverage, so the box chosen is the first on the
    # trajectory to reach 80% density: a little wider than the planted one.
    assert abs(r.box["x0"][0] - 0.6) < 0.08 and abs(r.box["x3"][1] - 0.3) < 0.08
    most = (y & truth).sum() / y.sum()  # the coverage of the planted box itself: about 0.72
    assert most < 0.8 and r.coverage >= most - 0.02


def test_sequential_covering_finds_two_planted_boxes_and_stops():
    x, rng = _points(n=4000, d=5, seed=3)
    a = ((x["x0"] > 0.7) & (x["x1"] < 0.3)).to_numpy()
    b = ((x["x2"] > 0.7) & (x["x4"] > 0.6)).to_numpy()
    y = (a | b) ^ (rng.random(len(x)) < 0.01)
    boxes = find_boxes(x, y, max_boxes=4)
    assert len(boxes) == 2  # a third box is no denser than the share of cases overall
    first, second = boxes
    assert set(first.box) == {"x2", "x4"} and set(second.box) == {"x0", "x1"}
    assert first.box["x2"][0] == pytest.approx(0.7, abs=0.05) and second.box["x0"][0] == pytest.approx(0.7, abs=0.05)
    assert second.box["x1"][1] == pytest.approx(0.3, abs=0.05)
    assert not (first.inside & second.inside).any()  # the second search left out the first box's points
    assert second.excluded == first.inside.sum() and first.excluded == 0
    assert first.coverage + second.coverage > 0.9 and min(first.density, second.density) > 0.8
    assert second.coverage == pytest.approx(y[second.inside].sum() / y.sum())  # a share of all cases
    assert len(find_boxes(x, y, max_boxes=1)) == 1
    assert find_boxes(x, np.zeros(len(x), bool)) == []


def test_coverage_density_and_quasi_p_on_a_hand_counted_example():
    # x = 1..10; the cases are 2, 7, 8 and 9; c is constant
    x = pd.DataFrame({"x": np.arange(1.0, 11.0), "c": 5.0})
    y = x["x"].isin([2, 7, 8, 9]).to_numpy()
    r = prim(x, y, peel_alpha=0.1, paste_alpha=0.1, mass_min=0.2)
    t = r.trajectory
    # each step peels one point: 1 (a tie with 10: the low end first), 10, 2, 3, 4, 5, 6, then 7
    assert t["x_low"].tolist() == [1, 2, 2, 3, 4, 5, 6, 7, 8]
    assert t["x_high"].tolist() == [10, 10, 9, 9, 9, 9, 9, 9, 9]
    assert t["density"].tolist() == pytest.approx([4 / 10, 4 / 9, 4 / 8, 3 / 7, 3 / 6, 3 / 5, 3 / 4, 1, 1])
    assert t["coverage"].tolist() == pytest.approx([1, 1, 1, 3 / 4, 3 / 4, 3 / 4, 3 / 4, 3 / 4, 2 / 4])
    assert t["mass"].tolist() == pytest.approx([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    assert (t["c_low"] == 5).all() and (t["c_high"] == 5).all() and t["restricted"].max() == 1
    # chosen: the first pure box, [7, 9]; pasting 6 or 10 would lower its density
    assert r.chosen == 7 and dict(r.box) == {"x": (7.0, 9.0)} and r.met_threshold
    assert (r.coverage, r.density, r.mass, r.points, r.cases) == (0.75, 1.0, 0.3, 3, 3)
    # without the restriction the density is 4/10: P(3 of 3 | p = 0.4) = 0.064
    assert r.quasi_p["x"] == pytest.approx(0.4**3)
    assert describe(r, subject="It fails") == (
        "It fails where x is between 7 and 9 (this box holds 75% of all such cases; "
        "100% of the points in it are such cases)."
    )


def test_pasting_widens_the_chosen_box_while_that_raises_its_density():
    # x = 1..20; the cases are 1, 2, 11..17 and 20. Peeling a quarter of the box at a time:
    # [6, 20] 8/15, [9, 20] 8/12, [12, 20] 7/9 (a tie with [9, 17]: the low end first),
    # [12, 18] 6/7, [12, 17], [13, 17], [14, 17] (mass 0.2). The widest box with density >= 0.7 is
    # [12, 20] (coverage 7/10); pasting 11 (a case) raises its density to 8/10, pasting 10 would not.
    x = pd.DataFrame({"x": np.arange(1.0, 21.0)})
    y = x["x"].isin([1, 2, *range(11, 18), 20]).to_numpy()
    r = prim(x, y, peel_alpha=0.25, paste_alpha=0.05, mass_min=0.2, threshold=0.7)
    t = r.trajectory
    assert t["phase"].tolist() == ["peel"] * 8 + ["paste"]
    assert t["x_low"].tolist() == [1, 6, 9, 12, 12, 12, 13, 14, 11]
    assert t["x_high"].tolist() == [20, 20, 20, 20, 18, 17, 17, 17, 20]
    assert r.peeled == 3 and r.chosen == 8 and r.met_threshold
    assert t.loc[3, ["coverage", "density"]].tolist() == pytest.approx([7 / 10, 7 / 9])
    assert dict(r.box) == {"x": (11.0, 20.0)} and (r.coverage, r.density, r.mass) == pytest.approx((0.8, 0.8, 0.5))
    assert describe(r, subject="It fails").startswith("It fails where x is above 11 (this box holds 80%")


def test_columns_with_few_values_are_peeled_a_whole_value_at_a_time():
    x, rng = _points(n=3000, d=3, seed=5)
    x["level"] = rng.integers(0, 4, len(x)).astype(float)  # 0, 1, 2 or 3: a quarter of the points each
    x["flag"] = (rng.random(len(x)) < 0.5).astype(float)
    x["rare"] = (np.arange(len(x)) == 7).astype(float)  # a single 1
    y = _swap(((x["level"] == 3) & (x["x1"] < 0.5)).to_numpy(), 0.05, rng)
    r = prim(x, y)
    t = r.trajectory
    assert (np.diff(t.loc[t["phase"] == "peel", "points"]) < 0).all()  # every peel removed a point
    # a limit is always one of the values, so no tie is split: all points of a level are in or out
    assert set(t["level_low"]) <= {0, 1, 2, 3} and set(t["level_high"]) <= {0, 1, 2, 3}
    assert set(t["flag_low"]) <= {0, 1} and set(t["flag_high"]) <= {0, 1}
    assert r.box["level"] == (3, 3) and r.box["x1"][1] == pytest.approx(0.5, abs=0.05)
    assert set(r.box) == {"level", "x1"} and r.density > 0.8
    assert re.search(r"level is 3\b", describe(r, subject="It fails"))


def test_a_monotone_transform_of_a_column_leaves_the_same_points_in_the_box(planted, found):
    x, _, y = planted
    moved = x.assign(x0=np.exp(3 * x["x0"]), x3=-1 / (1 + x["x3"]))  # both increasing
    r = prim(moved, y)
    assert (r.inside == found.inside).all() and set(r.box) == set(found.box)
    np.testing.assert_array_equal(r.trajectory["density"], found.trajectory["density"])
    np.testing.assert_array_equal(r.trajectory["coverage"], found.trajectory["coverage"])
    assert r.box["x0"][0] == pytest.approx(np.exp(3 * found.box["x0"][0]))
    assert r.quasi_p == pytest.approx(dict(found.quasi_p))


def test_no_cases_every_case_and_a_constant_column(planted):
    x, _, y = planted
    none = prim(x, np.zeros(len(x), bool))
    assert dict(none.box) == {} and not none.met_threshold and np.isnan(none.coverage) and none.density == 0
    assert len(none.trajectory) == 1 and "no cases" in none.note and none.inside.all() and none.mass == 1
    assert describe(none, subject="Coaching the coaches does not pay") == (
        "There is no point, of 3,000, where coaching the coaches does not pay: there is no region to describe."
    )
    every = prim(x, np.ones(len(x), bool))
    assert dict(every.box) == {} and every.met_threshold and (every.coverage, every.density, every.mass) == (1, 1, 1)
    assert describe(every, subject="It pays") == "It pays everywhere: in all 3,000 points, so no region stands out."
    constant = prim(x.assign(k=0.5), y)
    assert "k" not in constant.box and (constant.trajectory["k_low"] == 0.5).all()
    assert (constant.inside == prim(x, y).inside).all()


def test_when_no_box_is_dense_enough_the_densest_is_chosen_and_flagged():
    x, rng = _points(n=2000, seed=4)
    y = rng.random(len(x)) < 0.3  # no structure at all
    r = prim(x, y, threshold=0.9)
    assert not r.met_threshold and "no box reaches" in r.note
    assert r.density == r.trajectory["density"].max() < 0.9
    sentence = describe(r, subject="It fails")
    assert "short of the 90% asked for" in sentence and "densest box found" in sentence
    assert box_table(r).attrs["met_threshold"] is False


def test_describe_writes_above_and_below_with_rounded_limits_and_the_shares(found):
    sentence = describe(found, subject="Coaching the coaches does not pay")
    assert sentence.startswith("Coaching the coaches does not pay where ") and sentence.endswith(".")
    above = re.search(r"x0 is above ([\d.]+)", sentence)
    below = re.search(r"x3 is below ([\d.]+)", sentence)
    assert above and below
    assert (
        float(above.group(1)) == pytest.approx(found.box["x0"][0], rel=5e-3) and abs(float(above.group(1)) - 0.6) < 0.05
    )
    assert (
        float(below.group(1)) == pytest.approx(found.box["x3"][1], rel=5e-3) and abs(float(below.group(1)) - 0.3) < 0.05
    )
    assert len(above.group(1).replace("0.", "", 1).lstrip("0")) <= 3  # 3 significant digits
    assert f"this box holds {found.coverage:.0%} of all such cases" in sentence
    assert f"{found.density:.0%} of the points in it are such cases" in sentence
    named = describe(found, subject="It does not pay", labels={"x0": "the managers' coaching skill"}, units={"x3": "h"})
    assert re.search(r"the managers' coaching skill is above [\d.]+ ", named) and re.search(
        r"x3 is below [\d.]+ h", named
    )
    assert "between" not in sentence


def test_box_table_has_one_row_per_restriction_with_the_full_range(planted, found):
    x, _, _ = planted
    table = box_table(found)
    assert list(table.columns) == list(BOX_TABLE_COLUMNS)
    assert list(table["parameter"]) == list(found.box) and set(table["parameter"]) == {"x0", "x3"}
    row = table.set_index("parameter").loc["x0"]
    assert (row["low"], row["high"]) == found.box["x0"] and (row["min"], row["max"]) == (x["x0"].min(), x["x0"].max())
    assert row["quasi_p"] == found.quasi_p["x0"] and (table["coverage"] == found.coverage).all()
    assert table["quasi_p"].is_monotonic_increasing
    assert table.attrs["points"] == found.points and table.attrs["density"] == found.density
    assert box_table(prim(x, np.zeros(len(x), bool))).empty


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda x, y: (x.iloc[:0], y[:0]), r"x is empty"),
        (lambda x, y: (x.to_numpy(), y), r"x: expected a pandas DataFrame"),
        (lambda x, y: (x, y[:-1]), r"y has 29 values but x has 30 rows"),
        (lambda x, y: (x.assign(x1=["a"] * 30), y), r"not numeric \(\w+\): 'x1'"),
        (lambda x, y: (x.assign(x2=np.where(np.arange(30) == 3, np.nan, 0.5)), y), r"1 missing or infinite .*'x2'"),
        (lambda x, y: (x, np.where(y, 2, 0)), r"y: expected True/False .*\[2\.0\]"),
        (lambda x, y: (x, np.where(y, 1.0, np.nan)), r"y: .*missing values"),
    ],
    ids=["empty", "not-a-frame", "length", "text-column", "nan", "not-boolean", "nan-flag"],
)
def test_bad_data_raise_a_parameter_error_that_names_the_problem(change, message):
    x, rng = _points(n=30, d=3)
    y = rng.random(30) < 0.5
    bad_x, bad_y = change(x, y)
    with pytest.raises(ParameterError, match=message):
        prim(bad_x, bad_y)


@pytest.mark.parametrize(
    "option",
    [
        {"peel_alpha": 0},
        {"peel_alpha": 1.5},
        {"paste_alpha": -0.1},
        {"mass_min": 1},
        {"threshold": 1.0},
        {"threshold": True},
    ],
)
def test_shares_outside_zero_to_one_raise_a_parameter_error_naming_the_option(option):
    x, rng = _points(n=30, d=3)
    ((name, value),) = option.items()
    with pytest.raises(ParameterError, match=rf"^{name} {value!r}: expected a number strictly between 0 and 1"):
        prim(x, rng.random(30) < 0.5, **option)
    with pytest.raises(ParameterError, match=rf"^{name} "):
        find_boxes(x, rng.random(30) < 0.5, **option)


def test_find_boxes_checks_its_own_options():
    x, rng = _points(n=30, d=3)
    y = rng.random(30) < 0.5
    with pytest.raises(ParameterError, match=r"max_boxes 0: expected a whole number"):
        find_boxes(x, y, max_boxes=0)
    with pytest.raises(ParameterError, match=r"unknown option\(s\) 'alpha'"):
        find_boxes(x, y, alpha=0.1)


def test_the_same_data_give_the_same_box(planted, found):
    x, _, y = planted
    again = prim(x, y)
    pd.testing.assert_frame_equal(again.trajectory, found.trajectory)
    assert dict(again.box) == dict(found.box) and again.quasi_p == found.quasi_p


def test_prim_figure_draws_two_panels_naming_the_restricted_parameters(found, planted):
    fig = prim_figure(found, title="Where coaching the coaches does not pay")
    try:
        assert isinstance(fig, Figure) and len(fig.axes) == 2
        left, right = fig.axes
        assert left.get_xlabel().startswith("coverage") and left.get_ylabel().startswith("density")
        ticks = [t.get_text() for t in right.get_yticklabels()]
        assert len(ticks) == 2 and {t.split("\n")[0] for t in ticks} == {"x0", "x3"}
        assert all("quasi-p" in t for t in ticks)
        assert any(line.get_linestyle() == "--" and line.get_ydata()[0] == 0.8 for line in left.get_lines())
        assert fig._suptitle.get_text() == "Where coaching the coaches does not pay"
    finally:
        fig.clear()
    x, _, _ = planted
    empty = prim_figure(prim(x, np.zeros(len(x), bool)))
    assert len(empty.axes) == 2 and "no cases of interest" in " ".join(t.get_text() for t in empty.axes[1].texts)
    empty.clear()
