"""Keyed random numbers: every number the model draws is a pure function of where it is drawn.

A run's randomness is a counter-based generator, Philox4x32-10 (Salmon, Moraes, Dror and Shaw
2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11; the generator of Random123, JAX and
cuRAND). It maps a 64-bit *key* and a 128-bit *counter* to four 32-bit words with no state to
carry. The key is the run's: two words of ``numpy.random.SeedSequence(entropy)``, the entropy
being the first draw of the run's ``model.rng`` (so ``seed=`` and ``rng=`` keep their Mesa
meaning). The counter says where the number is used:

    (week, purpose, seat, block)

``week`` is the model week the draw belongs to (``INIT_WEEK`` for the starting state),
``purpose`` one of the named purposes below, ``seat`` the seat (rep seat, manager seat, seller
row or executive) within its run, and ``block`` counts the blocks one seat draws for that
purpose in that week (a rejection sampler may take several). Each block gives two uniforms.

So a run's numbers never depend on how runs are batched, on the executor or the number of
workers, or on which other runs share a batch; and a seat's draws are the same under every
policy: two policies run on one seed meet the same luck seat by seat and week by week
(common random numbers). ``SeedSequence`` still derives the runs' seeds (``analysis.runs``).
"""

from __future__ import annotations

import enum

import numpy as np

from sim.compiled import kernel

__all__ = ["INIT_WEEK", "Purpose", "block", "box_muller", "check_seed", "normals", "run_key", "uniforms", "where"]

_U64 = np.uint64
_M0, _M1 = _U64(0xD2511F53), _U64(0xCD9E8D57)  # Philox4x32's multipliers
_W0, _W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)  # its Weyl key increments
_LOW = _U64(0xFFFFFFFF)
_SHIFT = _U64(32)
_ROUNDS = 10
_TWO_POW_26, _TWO_POW_52 = 67108864.0, 4503599627370496.0
INIT_WEEK = 0xFFFFFFFF  # the counter's week word for the starting state, before week 0


class Purpose(enum.IntEnum):
    """What a draw is for: the counter's second word. Append new purposes; never renumber."""

    APTITUDE = 0
    TENURE = 1
    SKILL_NOISE = 2
    MOTIVATION_NOISE = 3
    VACANT = 4
    VACANCY_WAIT = 5
    ROSTER_ORDER = 6
    PIPELINE_ACTIVE = 7
    PIPELINE_STALLED = 8
    TEAM_WEIGHT = 9
    MANAGER_COACHING_SKILL = 10
    MANAGER_SELLING_SKILL = 11
    MANAGER_COACHES = 12
    MANAGER_HABIT = 13
    MANAGER_RESPONSE = 14
    DEAL_FLOWS = 15  # a seller's week: new, resolved, won, stalled, revived and lost deals (sim.selling)
    # 16-20 were the flows' own purposes before they shared one: not drawn
    DEAL_VALUE = 21
    REP_QUITS = 22
    MANAGER_LEAVES = 23


def check_seed(value: object, name: str = "seed") -> int:
    """A run's seed checked: a whole number, 0 or more (any size), as SeedSequence takes it.

    Raises TypeError for anything but an integer (``1.0``, ``"abc"``, ``True``) and ValueError
    for a negative one, each naming the argument, before numpy is handed it.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}={value!r}: a seed is a whole number (an int), 0 or more, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name}={value!r}: a seed is a whole number, 0 or more")
    return int(value)


def run_key(entropy: int) -> np.ndarray:
    """A run's Philox key: two 32-bit words of ``SeedSequence(entropy)``."""
    return np.random.SeedSequence(entropy).generate_state(2, np.uint32)


@kernel(inline="always")
def _philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1): four uint32 words."""
    for r in range(_ROUNDS):
        if r:
            k0 = np.uint32(k0 + _W0)
            k1 = np.uint32(k1 + _W1)
        p0 = _M0 * _U64(c0)
        p1 = _M1 * _U64(c2)
        hi0, lo0 = np.uint32(p0 >> _SHIFT), np.uint32(p0 & _LOW)
        hi1, lo1 = np.uint32(p1 >> _SHIFT), np.uint32(p1 & _LOW)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


@kernel(inline="always")
def _unit(a, b):
    """A double in the open interval (0, 1) from two words: 52 random bits, offset by half a step.

    (x + 0.5) / 2**52 is exact for every 52-bit x, so the value is never 0 nor 1.
    """
    return ((a >> np.uint32(6)) * _TWO_POW_26 + (b >> np.uint32(6)) + 0.5) / _TWO_POW_52


@kernel(inline="always")
def block(key, week, purpose, seat, j):
    """Two uniforms in (0, 1) of block ``j`` of ``seat``'s draws for ``purpose`` in ``week``."""
    w0, w1, w2, w3 = _philox(
        np.uint32(week), np.uint32(purpose), np.uint32(seat), np.uint32(j), np.uint32(key[0]), np.uint32(key[1])
    )
    return _unit(w0, w1), _unit(w2, w3)


@kernel
def _uniforms(keys, copy, week, purpose, seat, j):
    out = np.empty(seat.size)
    for i in range(seat.size):
        out[i] = block(keys[copy[i]], week, purpose, seat[i], j)[0]
    return out


@kernel(inline="always")
def box_muller(u, v):
    """A standard normal from two uniforms in (0, 1) (Box and Muller 1958)."""
    return np.sqrt(-2.0 * np.log(u)) * np.cos(2.0 * np.pi * v)


@kernel
def _normals(keys, copy, week, purpose, seat, j):
    out = np.empty(seat.size)
    for i in range(seat.size):
        u, v = block(keys[copy[i]], week, purpose, seat[i], j)
        out[i] = box_muller(u, v)
    return out


def where(copy: np.ndarray | int, seat: np.ndarray, week: int) -> tuple[np.ndarray, np.ndarray, int]:
    """A draw's place as the kernels take it: each seat's run, the seats, the counter's week word."""
    seat = np.asarray(seat, np.int64)
    copy = np.broadcast_to(np.asarray(copy, np.int64), seat.shape)
    return np.ascontiguousarray(copy), seat, INIT_WEEK if week < 0 else int(week)


def uniforms(
    keys: np.ndarray, copy: np.ndarray | int, week: int, purpose: Purpose, seat: np.ndarray, j: int = 0
) -> np.ndarray:
    """One uniform in (0, 1) for each ``seat`` (of run ``copy``: a row of ``keys``) in ``week``.

    ``j`` picks the block: a seat's ``j``-th draw for one purpose in one week. A negative week
    is the starting state's.
    """
    copy, seat, week = where(copy, seat, week)
    return _uniforms(keys, copy, week, int(purpose), seat, j)


def normals(keys: np.ndarray, copy: np.ndarray | int, week: int, purpose: Purpose, seat: np.ndarray) -> np.ndarray:
    """One standard normal for each ``seat`` of run ``copy`` in ``week`` (Box-Muller, exact)."""
    copy, seat, week = where(copy, seat, week)
    return _normals(keys, copy, week, int(purpose), seat, 0)
