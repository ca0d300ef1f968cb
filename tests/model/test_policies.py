"""Policy answers that make sense, on the shipped defaults and scenarios, in steady state.

The shipped protected coaching policy beats the typical org with a paired interval above zero,
and protected coaching at 0, 1, 2, 3, 4 and 6 hours a rep a month raises attainment with
diminishing returns to the coaching the reps actually receive. Common random numbers pair the
policies replication by replication, so a modest number of replications gives tight intervals.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from analysis.comparisons.compare import compare
from analysis.comparisons.statistics import paired_difference

#: A mid-sized org: big enough that the policies' effects stand out of the noise at these replications.
ORG = {"org.reps": 256}
HOURS = (0, 1, 2, 3, 4, 6)


@pytest.fixture(scope="module")
def dose_response():
    return compare([f"coaching_{h}h" for h in HOURS], replications=12, seed=11, overrides=ORG, progress=False)


def test_protected_coaching_beats_the_typical_org_with_a_paired_interval_above_zero():
    comp = compare(["baseline", "coaching_3h"], replications=12, seed=5, overrides=ORG, progress=False)
    for metric in ("rep_attainment_mean", "attainment", "reps_at_quota"):
        row = comp.row("coaching_3h", metric)
        assert row["delta_ci_low"] > 0, (metric, row["delta"], row["delta_ci_low"])
    delivered = comp.delivery.set_index("scenario")
    assert delivered.loc["coaching_3h", "delivered"] >= 3.0 - 1e-9  # the floor is met
    assert delivered.loc["coaching_3h", "share_at_target"] > 0.95
    assert delivered.loc["baseline", "delivered"] < 2.0  # the typical org coaches little


@pytest.mark.parametrize("metric", ["rep_attainment_mean", "attainment"])
def test_the_protected_dose_response_is_monotone(dose_response, metric):
    labels = [f"coaching_{h}h" for h in HOURS]
    for low, high in itertools.pairwise(labels):
        diff = paired_difference(
            dose_response.metrics(high)[metric].to_numpy(), dose_response.metrics(low)[metric].to_numpy()
        )
        assert diff.ci_low > 0, (metric, low, high, diff.delta, diff.ci_low)


def test_the_protected_dose_response_has_diminishing_returns_to_the_coaching_received(dose_response):
    """Attainment per hour of coaching delivered falls as the policy rises (rep attainment)."""
    labels = [f"coaching_{h}h" for h in HOURS]
    delivered = dose_response.delivery.set_index("scenario")["delivered"].loc[labels].to_numpy()
    attainment = np.array([dose_response.metrics(lab)["rep_attainment_mean"].mean() for lab in labels])
    assert np.all(np.diff(delivered) > 0)
    slopes = np.diff(attainment) / np.diff(delivered)
    # from the first protected hour to the last: each step's return per hour is below the one before
    assert np.all(slopes > 0), slopes
    assert np.all(np.diff(slopes) < 0), slopes
