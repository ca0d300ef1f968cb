"""Sobol' indices: Saltelli's estimators on a known analytic function, their intervals, notes and chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.sweeps.dimensions import dimension
from analysis.sweeps.samplers import SobolSampler
from analysis.sweeps.sensitivity import (
    MIN_RELIABLE_N,
    format_sensitivity,
    plot_sensitivity,
    small_design_warning,
    sobol_from_outputs,
    sobol_table,
)
from sim.metrics import CANONICAL

NAMES = ["coaching.kpi_inspection", "manager.training", "manager.ride_along_habit"]
#: The Ishigami function's indices (a = 7, b = 0.1), from its closed-form variances.
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def ishigami(x: np.ndarray) -> np.ndarray:
    """On [0, 1]^3, rescaled to [-pi, pi]^3."""
    z = (np.asarray(x) - 0.5) * 2 * np.pi
    return np.sin(z[0]) + 7 * np.sin(z[1]) ** 2 + 0.1 * z[2] ** 4 * np.sin(z[0])


def _summary(n: int, seed: int = 3) -> pd.DataFrame:
    """A sweep summary of the Ishigami function over a Sobol' design, as if every metric were it."""
    dims = [dimension(name, "0..1") for name in NAMES]
    design = SobolSampler().design(dims, n, np.random.default_rng(seed))
    x = np.array([design.columns[name] for name in NAMES])
    return pd.DataFrame({"point": np.arange(x.shape[1]), **{f"{m}_mean": ishigami(x) for m in CANONICAL}})


def test_the_indices_of_the_ishigami_function_are_its_analytic_ones():
    n = 4096
    table = sobol_table(_summary(n), NAMES, n, metrics=["attainment"], n_resamples=99)
    np.testing.assert_allclose(table["S1"], ISHIGAMI_S1, atol=0.03)
    np.testing.assert_allclose(table["ST"], ISHIGAMI_ST, atol=0.03)
    assert list(table["parameter"]) == NAMES and (table["n"] == n).all()


def test_sobol_indices_of_a_known_function_agree_with_scipy():
    names = ["coaching.kpi_inspection", "manager.training", "manager.ride_along_habit"]
    dims = [dimension(n, "0..1") for n in names]
    n = 512

    def ishigami(x: np.ndarray) -> np.ndarray:  # on [0, 1]^3, rescaled to [-pi, pi]^3
        z = (np.asarray(x) - 0.5) * 2 * np.pi
        return np.sin(z[0]) + 7 * np.sin(z[1]) ** 2 + 0.1 * z[2] ** 4 * np.sin(z[0])

    design = SobolSampler().design(dims, n, np.random.default_rng(3))
    x = np.array([design.columns[nm] for nm in names])
    summary = pd.DataFrame({"point": np.arange(x.shape[1]), **{f"{m}_mean": ishigami(x) for m in CANONICAL}})
    table = sobol_table(summary, names, n, metrics=["attainment"], n_resamples=300)
    ref = stats.sobol_indices(func=ishigami, n=n, dists=[stats.uniform()] * 3, rng=np.random.default_rng(3))
    np.testing.assert_allclose(table["S1"], ref.first_order, rtol=1e-12)
    np.testing.assert_allclose(table["ST"], ref.total_order, rtol=1e-12)
    # and near the analytic values of the Ishigami function
    np.testing.assert_allclose(table["S1"], [0.314, 0.442, 0.0], atol=0.1)
    np.testing.assert_allclose(table["ST"], [0.558, 0.442, 0.244], atol=0.1)
    assert (table["S1_ci_low"] <= table["S1_ci_high"]).all() and (table["ST_ci_low"] <= table["ST_ci_high"]).all()


def test_the_indices_and_their_intervals_do_not_depend_on_the_row_order():
    n = 64
    summary = _summary(n)
    a = sobol_table(summary, NAMES, n, metrics=["attainment"], n_resamples=99)
    b = sobol_table(summary.sample(frac=1, random_state=1), NAMES, n, metrics=["attainment"], n_resamples=99)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_an_output_that_does_not_vary_gives_nan_indices_with_a_note():
    n, d = 8, 2
    res = sobol_from_outputs(np.ones(n * (d + 2)), n, d, n_resamples=9)
    assert np.isnan(res.first_order).all() and np.isnan(res.total_order).all() and res.note


def test_a_small_design_is_warned_about_and_a_big_one_is_not():
    small = sobol_table(_summary(8), NAMES, 8, metrics=["attainment"], n_resamples=99)
    assert small_design_warning(small, 8)
    assert MIN_RELIABLE_N > 8


def test_the_table_is_printed_and_drawn(tmp_path):
    n = 64
    table = sobol_table(_summary(n), NAMES, n, metrics=["attainment", "bookings"], n_resamples=99)
    text = format_sensitivity(table)
    assert all(name in text for name in NAMES) and "attainment" in text
    path = plot_sensitivity(table, tmp_path / "sensitivity.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("n", [3, 5])
def test_outputs_that_do_not_fit_the_layout_are_refused(n):
    with pytest.raises(ValueError):
        sobol_from_outputs(np.arange(n * 5 + 1, dtype=float), n, 3, n_resamples=9)
