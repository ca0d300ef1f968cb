"""Exact samplers driven by keyed uniforms (``sim.keys``): one seat's draw for one purpose.

Each sampler takes the draw's place, ``(key, week, purpose, seat)``, and uses that seat's blocks
``0, 1, 2, ...`` in turn, so its value depends on nothing else. They are exact in distribution,
to the rounding of double arithmetic:

- Poisson and binomial by inversion (a sequential search of the cumulative distribution,
  Devroye 1986, *Non-Uniform Random Variate Generation*, X.3.3 and X.4.3), which is cheap for
  the small means drawn here; a large mean is split into a sum of independent draws (a sum of
  Poissons is Poisson, of binomials with one probability binomial), so no probability
  underflows;
- gamma by Marsaglia and Tsang's (2000) squeeze-and-reject method, with shape below one
  boosted as ``Gamma(a + 1) * U ** (1 / a)``, the standard normals by Box and Muller (1958);
- geometric by inversion.

``tests/model/test_samplers.py`` checks each against ``scipy.stats`` with goodness-of-fit tests.
The ``*_each`` functions draw one value per seat of an array, for the rare draws made from
Python (the starting state, a hire).
"""

from __future__ import annotations

import numpy as np

from sim.compiled import kernel
from sim.keys import Purpose, block, box_muller, where

__all__ = [
    "binomial",
    "binomial_from",
    "gamma",
    "gammas_each",
    "geometric_each",
    "poisson",
    "poisson_from",
    "poissons_each",
]

POISSON_CHUNK = 500.0  # largest mean drawn by one inversion: exp(-500) is far from underflow
BINOMIAL_CHUNK = 1000  # largest number of trials drawn by one inversion: 0.5 ** 1000 is too


@kernel(inline="always")
def _poisson_inversion(u, lam):
    k, pk = 0, np.exp(-lam)
    cdf = pk
    while u > cdf:
        k += 1
        pk *= lam / k
        if pk == 0.0:  # the cdf's rounding left u above it in the far tail
            break
        cdf += pk
    return k


@kernel(inline="always")
def poisson_from(u, key, week, purpose, seat, lam, j, stride):
    """A Poisson draw of mean ``lam`` whose first part is drawn with the uniform ``u``.

    A mean above ``POISSON_CHUNK`` is drawn in parts; part ``c`` (from 1) takes the first
    uniform of block ``j + (c - 1) * stride`` of the seat's draws for ``purpose``.
    """
    total = 0
    while lam > 0.0:
        part = min(lam, POISSON_CHUNK)
        total += _poisson_inversion(u, part)
        lam -= part
        if lam > 0.0:
            u = block(key, week, purpose, seat, j)[0]
            j += stride
    return total


@kernel
def poisson(key, week, purpose, seat, lam):
    """A Poisson draw of mean ``lam`` (0 for a mean of 0), from the seat's blocks 0, 1, 2, ..."""
    return poisson_from(block(key, week, purpose, seat, 0)[0], key, week, purpose, seat, lam, 1, 1)


@kernel(inline="always")
def _binomial_inversion(u, n, p):
    q = 1.0 - p
    ratio = p / q
    pk = q**n
    cdf, k = pk, 0
    while u > cdf and k < n:
        k += 1
        pk *= ratio * (n - k + 1) / k
        cdf += pk
    return k


@kernel(inline="always")
def binomial_from(u, key, week, purpose, seat, n, p, j, stride):
    """A binomial draw of ``n`` trials with success probability ``p``, the first part with ``u``.

    More than ``BINOMIAL_CHUNK`` trials are drawn in parts; part ``c`` (from 1) takes the first
    uniform of block ``j + (c - 1) * stride`` of the seat's draws for ``purpose``.
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    if flip:
        p = 1.0 - p
    total, left = 0, n
    while left > 0:
        part = min(left, BINOMIAL_CHUNK)
        total += _binomial_inversion(u, part, p)
        left -= part
        if left > 0:
            u = block(key, week, purpose, seat, j)[0]
            j += stride
    return n - total if flip else total


@kernel
def binomial(key, week, purpose, seat, n, p):
    """A binomial draw of ``n`` trials with success probability ``p``, from the seat's blocks 0, 1, ..."""
    if n <= 0 or p <= 0.0:
        return 0
    return binomial_from(block(key, week, purpose, seat, 0)[0], key, week, purpose, seat, n, p, 1, 1)


@kernel
def gamma(key, week, purpose, seat, shape):
    """A gamma draw of unit scale and ``shape`` > 0 (Marsaglia and Tsang 2000)."""
    j = 0
    boost = 1.0
    if shape < 1.0:
        boost = block(key, week, purpose, seat, j)[0] ** (1.0 / shape)
        shape += 1.0
        j += 1
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    while True:
        u1, u2 = block(key, week, purpose, seat, j)
        x = box_muller(u1, u2)
        v = 1.0 + c * x
        accept = block(key, week, purpose, seat, j + 1)[0]
        j += 2
        if v <= 0.0:
            continue
        v = v * v * v
        if np.log(accept) < 0.5 * x * x + d - d * v + d * np.log(v):
            return d * v * boost


@kernel
def _poissons(keys, copy, week, purpose, seat, lam):
    out = np.empty(seat.size, np.int64)
    for i in range(seat.size):
        out[i] = poisson(keys[copy[i]], week, purpose, seat[i], lam[i])
    return out


@kernel
def _gammas(keys, copy, week, purpose, seat, shape):
    out = np.empty(seat.size)
    for i in range(seat.size):
        out[i] = gamma(keys[copy[i]], week, purpose, seat[i], shape[i])
    return out


@kernel
def _geometrics(keys, copy, week, purpose, seat, p):
    out = np.empty(seat.size, np.int64)
    for i in range(seat.size):
        tail = np.log1p(-p[i])
        out[i] = np.int64(np.floor(np.log(block(keys[copy[i]], week, purpose, seat[i], 0)[0]) / tail))
    return out


def poissons_each(
    keys: np.ndarray, copy: np.ndarray, week: int, purpose: Purpose, seat: np.ndarray, lam: np.ndarray
) -> np.ndarray:
    """A Poisson draw of mean ``lam[i]`` for each ``seat[i]`` of run ``copy[i]``."""
    copy, seat, week = where(copy, seat, week)
    return _poissons(keys, copy, week, int(purpose), seat, np.ascontiguousarray(lam, np.float64))


def gammas_each(
    keys: np.ndarray, copy: np.ndarray, week: int, purpose: Purpose, seat: np.ndarray, shape: np.ndarray
) -> np.ndarray:
    """A unit-scale gamma draw of ``shape[i]`` for each ``seat[i]`` of run ``copy[i]``."""
    copy, seat, week = where(copy, seat, week)
    return _gammas(keys, copy, week, int(purpose), seat, np.ascontiguousarray(shape, np.float64))


def geometric_each(
    keys: np.ndarray, copy: np.ndarray, week: int, purpose: Purpose, seat: np.ndarray, p: float | np.ndarray
) -> np.ndarray:
    """Failures before the first success, success probability ``p`` (or ``p[i]``), for each seat (0, 1, 2, ...)."""
    copy, seat, week = where(copy, seat, week)
    p = np.ascontiguousarray(np.broadcast_to(np.asarray(p, np.float64), seat.shape))
    return _geometrics(keys, copy, week, int(purpose), seat, p)
