"""Confidence intervals: Student's t for a mean, an interval within [0, 1] for a mean of shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.common.stats import SHARES, bounded_interval, bounds_of, mean_ci
from analysis.runs.runner import Replications, RunResult
from sim.metrics import CANONICAL, CROSS_SECTION, METRICS
from sim.scenario import load

#: Three replications' reps_at_quota in an org where few reps make quota: the t interval reaches
#: below zero (its lower end is about -0.11).
FEW_AT_QUOTA = [0.0, 0.0, 0.1]


def test_a_shares_interval_stays_within_0_and_1_where_the_t_interval_does_not():
    t = mean_ci(FEW_AT_QUOTA)
    assert t.ci_low < 0  # the problem
    s = mean_ci(FEW_AT_QUOTA, bounds=(0, 1))
    assert 0 <= s.ci_low <= s.mean <= s.ci_high <= 1
    assert s.mean == t.mean and s.std == t.std and s.n == t.n == 3
    high = mean_ci([0.9, 1.0, 1.0], bounds=(0, 1))
    assert 0 <= high.ci_low <= high.mean <= high.ci_high <= 1
    assert high.ci_high - high.mean < high.mean - high.ci_low  # shorter on the side of the bound


def test_a_share_well_inside_the_bounds_gets_the_t_interval():
    x = np.random.default_rng(1).uniform(0.4, 0.6, 40)
    t, s = mean_ci(x), mean_ci(x, bounds=(0, 1))
    assert s.ci_low == pytest.approx(t.ci_low, abs=2e-4) and s.ci_high == pytest.approx(t.ci_high, abs=2e-4)


@pytest.mark.parametrize(("share", "n"), [(0.05, 3), (0.05, 5), (0.3, 5), (0.02, 10)])
def test_the_shares_interval_covers_the_true_mean_95_percent_of_the_time(share: float, n: int):
    """Per-run shares drawn from a Beta distribution with a small mean: near the bound, few runs."""
    rng = np.random.default_rng(0)
    x = rng.beta(2.0, 2.0 * (1 - share) / share, size=(20_000, n))
    low, high = bounded_interval(x.mean(axis=1), x.std(axis=1, ddof=1) / np.sqrt(n), n)
    assert ((low >= 0) & (high <= 1)).all()
    covered = np.mean((low <= share) & (share <= high))
    assert 0.93 <= covered <= 0.97, covered
    q = stats.t.ppf(0.975, n - 1)
    half = q * x.std(axis=1, ddof=1) / np.sqrt(n)
    t_covered = np.mean((x.mean(axis=1) - half <= share) & (share <= x.mean(axis=1) + half))
    assert covered > t_covered  # better than the t interval it replaces, not only inside the bounds


def test_degenerate_cases_match_the_t_interval_rules():
    assert mean_ci([0.0, 0.0, 0.0], bounds=(0, 1)).ci_low == mean_ci([0.0, 0.0, 0.0], bounds=(0, 1)).ci_high == 0.0
    assert np.isnan(mean_ci([0.2], bounds=(0, 1)).ci_low)
    with pytest.raises(ValueError, match="outside the bounds"):
        mean_ci([0.5, 1.2], bounds=(0, 1))


def test_the_shares_are_metrics_and_every_share_of_something_is_one():
    names = {m.name for m in METRICS} | set(CROSS_SECTION)
    assert names >= SHARES
    assert {m.name for m in METRICS if m.help.startswith("Share of")} <= SHARES
    assert bounds_of("reps_at_quota") == (0.0, 1.0) and bounds_of("attainment") is None


def test_a_runs_summary_gives_shares_an_interval_within_0_and_1():
    runs = []
    for i, share in enumerate(FEW_AT_QUOTA):
        metrics = {m: 1.0 + i for m in CANONICAL} | {m: share for m in CANONICAL if m in SHARES}
        runs.append(RunResult(i, i, metrics, pd.DataFrame()))
    summary = Replications(load("baseline"), 0, runs).summary().set_index("metric")
    shares = summary.loc[[m for m in CANONICAL if m in SHARES]]
    assert (shares["ci_low"] >= 0).all() and (shares["ci_high"] <= 1).all()
    assert summary.loc["attainment", "ci_low"] == pytest.approx(mean_ci([1.0, 2.0, 3.0]).ci_low)
