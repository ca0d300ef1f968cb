"""sim.samplers: each keyed sampler fits its scipy.stats distribution (chi-square or KS, moments).

The keys are fixed, so every test is deterministic; the samples (200,000 draws) are large enough
that a wrong sampler fails by far, and a right one passes with p well above the 1e-3 threshold.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from scipy import stats

from sim.keys import Purpose, normals, run_key
from sim.samplers import binomial, gammas_each, geometric_each, poissons_each

N = 200_000
SEATS = np.arange(N)
P_MIN = 1e-3
SE = 5.0  # moments must lie within this many standard errors


def _key(entropy: int) -> np.ndarray:
    return run_key(entropy)[None, :]  # one run's key as the one row of a batch


@numba.njit
def _binomials(key, week, purpose, n_draws, n, p):
    out = np.empty(n_draws, np.int64)
    for seat in range(n_draws):
        out[seat] = binomial(key, week, purpose, seat, n, p)
    return out


def _check_moments(x: np.ndarray, dist) -> None:
    """Sample mean and variance within ``SE`` standard errors of the distribution's."""
    mean, var, _, kurt = (float(m) for m in dist.stats(moments="mvsk"))
    n = x.size
    assert abs(x.mean() - mean) < SE * np.sqrt(var / n), (x.mean(), mean)
    var_se = var * np.sqrt((kurt + 2.0 + 2.0 / (n - 1)) / n)  # exact: (mu4 - var**2 (n - 3) / (n - 1)) / n
    assert abs(x.var(ddof=1) - var) < SE * var_se, (x.var(ddof=1), var)


def _chisquare_discrete(x: np.ndarray, dist) -> float:
    """Chi-square p-value of integer draws ``x`` against ``dist`` on 0, 1, 2, ...

    Bins run from 0 to beyond both the sample's maximum and the distribution's 1 - 1e-12 point,
    the last one taking the whole upper tail; neighbours are merged until each expects >= 5.
    """
    assert np.all(x >= 0)
    top = int(max(x.max(), dist.ppf(1 - 1e-12))) + 1
    observed = np.bincount(x, minlength=top + 1)[: top + 1].astype(float)
    observed[top] = np.sum(x >= top)
    expected = dist.pmf(np.arange(top + 1)) * x.size
    expected[top] = dist.sf(top - 1) * x.size
    obs, exp, o, e = [], [], 0.0, 0.0
    for ob, ex in zip(observed, expected, strict=True):
        o, e = o + ob, e + ex
        if e >= 5.0:
            obs.append(o)
            exp.append(e)
            o, e = 0.0, 0.0
    if e > 0.0 or o > 0.0:  # what is left joins the last bin
        obs[-1] += o
        exp[-1] += e
    obs, exp = np.array(obs), np.array(exp)
    assert obs.size >= 2
    exp *= obs.sum() / exp.sum()  # the pmf's rounding
    return float(stats.chisquare(obs, exp).pvalue)


# ----------------------------------------------------------------------------- Poisson
@pytest.mark.parametrize("lam", [0.05, 0.3, 3.0, 40.0, 700.0])
def test_poisson_fits(lam: float) -> None:
    x = poissons_each(_key(101), np.zeros(N, np.int64), 12, Purpose.DEAL_FLOWS, SEATS, np.full(N, lam))
    assert x.dtype == np.int64
    dist = stats.poisson(lam)
    assert _chisquare_discrete(x, dist) > P_MIN
    _check_moments(x, dist)


def test_poisson_mixed_means_and_zero() -> None:
    lam = np.tile([0.0, 0.3, 3.0, 700.0], 1000)
    seats = np.arange(lam.size)
    x = poissons_each(_key(102), 0, 3, Purpose.DEAL_FLOWS, seats, lam)
    assert np.all(x[lam == 0.0] == 0)
    # Each draw is the same whether drawn among other means or alone with its own.
    for m in (0.3, 3.0, 700.0):
        np.testing.assert_array_equal(
            x[lam == m], poissons_each(_key(102), 0, 3, Purpose.DEAL_FLOWS, seats[lam == m], np.full(1000, m))
        )


# ----------------------------------------------------------------------------- binomial
@pytest.mark.parametrize(("n", "p"), [(5, 0.1), (30, 0.35), (20, 0.8), (2500, 0.02)])
def test_binomial_fits(n: int, p: float) -> None:
    x = _binomials(run_key(201), 7, int(Purpose.DEAL_FLOWS), N, n, p)
    assert x.min() >= 0
    assert x.max() <= n
    dist = stats.binom(n, p)
    assert _chisquare_discrete(x, dist) > P_MIN
    _check_moments(x, dist)


@pytest.mark.parametrize(("n", "p", "value"), [(10, 0.0, 0), (10, 1.0, 10), (0, 0.3, 0), (0, 1.0, 0), (1, 1.0, 1)])
def test_binomial_edges(n: int, p: float, value: int) -> None:
    x = _binomials(run_key(202), 7, int(Purpose.DEAL_FLOWS), 1000, n, p)
    assert np.all(x == value)


def test_binomial_near_half_and_one_trial() -> None:
    for n, p in ((1, 0.5), (1, 0.3), (40, 0.5)):
        x = _binomials(run_key(203), 1, int(Purpose.DEAL_VALUE), N, n, p)
        dist = stats.binom(n, p)
        assert _chisquare_discrete(x, dist) > P_MIN
        _check_moments(x, dist)


# ----------------------------------------------------------------------------- gamma
@pytest.mark.parametrize("shape", [0.3, 1.0, 4.0, 37.5])
def test_gamma_fits(shape: float) -> None:
    x = gammas_each(_key(301), np.zeros(N, np.int64), -1, Purpose.APTITUDE, SEATS, np.full(N, shape))
    assert np.all(x > 0.0)
    assert np.all(np.isfinite(x))
    dist = stats.gamma(shape)
    assert stats.kstest(x, dist.cdf).pvalue > P_MIN
    _check_moments(x, dist)


# ----------------------------------------------------------------------------- normal
def test_normals_fit() -> None:
    z = normals(_key(401), 0, 5, Purpose.SKILL_NOISE, SEATS)
    assert np.all(np.isfinite(z))
    dist = stats.norm()
    assert stats.kstest(z, dist.cdf).pvalue > P_MIN
    _check_moments(z, dist)
    assert abs(stats.skew(z)) < SE * np.sqrt(6 / N)
    assert abs(stats.kurtosis(z)) < SE * np.sqrt(24 / N)


# ----------------------------------------------------------------------------- geometric
@pytest.mark.parametrize("p", [0.01, 0.3])
def test_geometric_fits(p: float) -> None:
    x = geometric_each(_key(501), np.zeros(N, np.int64), 9, Purpose.VACANCY_WAIT, SEATS, p)
    assert x.dtype == np.int64
    dist = stats.geom(p, loc=-1)  # failures before the first success: 0, 1, 2, ...
    assert _chisquare_discrete(x, dist) > P_MIN
    _check_moments(x, dist)
