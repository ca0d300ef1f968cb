"""Many random streams at once, each exactly what ``numpy.random.SeedSequence`` would give.

The model draws every process of every week from its own stream, keyed by a spawn key
``(process, week, child)`` under the run's entropy (see ``SalesOrgModel._streams``), so that two
policies run on one seed keep their draws aligned week after week. Deriving those streams one
``SeedSequence`` at a time costs about 10 microseconds a stream, a quarter of a small org's
week. This module computes the same seed words for a whole table of keys with array
arithmetic: SeedSequence's hash (M. E. O'Neill's ``seed_seq_fe``, as numpy documents and
implements it) has no data-dependent control flow, so every key goes through the same
operations with the same hash constants and the work vectorises over keys.

The result is bit for bit what numpy gives (``tests/model/test_streams.py`` checks it against
``numpy.random.SeedSequence`` for random entropies and keys), so a run's draws do not change.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.random.bit_generator import ISeedSequence

__all__ = ["SeedWords", "check_seed", "generators", "seed_words"]

_U32 = np.uint32
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4
_MASK = 0xFFFFFFFF


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


def _words_of(value: int) -> list[int]:
    """A non-negative integer as 32-bit words, lowest first ([0] for 0), as SeedSequence reads it."""
    if value < 0:
        raise ValueError("entropy must be non-negative")
    out = [value & _MASK]
    value >>= 32
    while value:
        out.append(value & _MASK)
        value >>= 32
    return out


def seed_words(entropy: int | Sequence[int], keys: np.ndarray) -> np.ndarray:
    """Seed words of ``SeedSequence(entropy, spawn_key=key).generate_state(4, np.uint64)`` per key.

    Args:
        entropy: The run's entropy, a non-negative integer below 2**128, or a sequence of them
            (one per copy of a stacked model) to derive every key under each at once.
        keys: Spawn keys, one per row: an integer array of shape ``(n, L)`` with ``L >= 1`` and
            every element below 2**32.

    Returns:
        A ``(n, 4)`` uint64 array, what a ``PCG64`` seeded from each key's SeedSequence reads;
        for a sequence of ``E`` entropies, ``(E, n, 4)``.
    """
    keys = np.asarray(keys)
    if keys.ndim != 2 or keys.shape[1] < 1:
        raise ValueError("keys must be a 2-D array with one spawn key of at least one word per row")
    if keys.size and (keys.min() < 0 or keys.max() > _MASK):
        raise ValueError("spawn key words must be in [0, 2**32)")
    several = not isinstance(entropy, (int, np.integer))
    entropies = [int(e) for e in entropy] if several else [int(entropy)]
    runs = []
    for e in entropies:
        run = _words_of(e)
        if len(run) > _POOL:
            raise ValueError("entropy must be below 2**128")
        runs.append(run + [0] * (_POOL - len(run)))  # with a spawn key, padded to the pool size
    n, E = keys.shape[0], len(entropies)
    run_words = np.array(runs, dtype=np.uint64).astype(_U32)  # (E, 4)
    entropy_words = [np.repeat(run_words[:, w], n) for w in range(_POOL)]
    entropy_words += [np.tile(keys[:, j].astype(_U32), E) for j in range(keys.shape[1])]
    out = _hash(entropy_words)
    return out.reshape(E, n, 4) if several else out


def _hash(entropy_words: list[np.ndarray]) -> np.ndarray:
    """SeedSequence's pool mixing and ``generate_state(4, uint64)``, over columns of words."""
    n = entropy_words[0].size
    hash_const = _INIT_A

    def hashmix(value: np.ndarray) -> np.ndarray:
        nonlocal hash_const
        value = value ^ _U32(hash_const)
        hash_const = (hash_const * _MULT_A) & _MASK
        value = value * _U32(hash_const)
        return value ^ (value >> _U32(16))

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        result = _U32(_MIX_L) * x - _U32(_MIX_R) * y
        return result ^ (result >> _U32(16))

    pool = [hashmix(entropy_words[i]) for i in range(_POOL)]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL, len(entropy_words)):
        for dst in range(_POOL):
            pool[dst] = mix(pool[dst], hashmix(entropy_words[src]))

    # generate_state(4, uint64): 8 words cycling over the pool, paired little-endian
    out32 = np.empty((n, 8), _U32)
    hash_const = _INIT_B
    for i in range(8):
        value = pool[i % _POOL] ^ _U32(hash_const)
        hash_const = (hash_const * _MULT_B) & _MASK
        value = value * _U32(hash_const)
        out32[:, i] = value ^ (value >> _U32(16))
    low = out32[:, 0::2].astype(np.uint64)
    high = out32[:, 1::2].astype(np.uint64)
    return low | (high << np.uint64(32))


class SeedWords(ISeedSequence):
    """Precomputed seed words posing as a seed sequence, so ``PCG64`` can be built from them."""

    __slots__ = ("words",)

    def __init__(self, words: np.ndarray) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        if n_words != self.words.size or np.dtype(dtype) != np.uint64:
            raise ValueError(f"precomputed for {self.words.size} uint64 words, asked for {n_words} {dtype}")
        return self.words.copy()


def generators(words: np.ndarray) -> list[np.random.Generator]:
    """A ``Generator`` on ``PCG64`` for each row of :func:`seed_words`' output."""
    return [np.random.Generator(np.random.PCG64(SeedWords(w))) for w in words]
