"""sim.streams derives seed words exactly as numpy's SeedSequence does, many keys at once."""

from __future__ import annotations

import numpy as np
import pytest

from sim.streams import generators, seed_words


@pytest.mark.parametrize("entropy_bits", [1, 31, 32, 63, 64, 127])
def test_seed_words_equal_numpy_seedsequence(entropy_bits: int) -> None:
    rng = np.random.default_rng(entropy_bits)
    for _ in range(20):
        entropy = (
            int(rng.integers(2**62)) % (2**entropy_bits)
            if entropy_bits < 62
            else int(rng.integers(2**62)) << (entropy_bits - 62)
        )
        keys = np.concatenate([rng.integers(0, 400, (3, 3)), rng.integers(0, 2**32, (3, 3))])
        ours = seed_words(entropy, keys)
        for key, row in zip(keys, ours, strict=True):
            ref = np.random.SeedSequence(entropy, spawn_key=tuple(int(x) for x in key)).generate_state(4, np.uint64)
            np.testing.assert_array_equal(row, ref)


@pytest.mark.parametrize("key_len", [1, 2, 5])
def test_key_lengths_and_zero(key_len: int) -> None:
    keys = np.zeros((2, key_len), np.int64)
    keys[1] = np.arange(key_len) + 7
    for key, row in zip(keys, seed_words(0, keys), strict=True):
        ref = np.random.SeedSequence(0, spawn_key=tuple(int(x) for x in key)).generate_state(4, np.uint64)
        np.testing.assert_array_equal(row, ref)


def test_generators_draw_as_spawned_children() -> None:
    entropy = 987654321987654321
    ours = generators(seed_words(entropy, np.array([[1, 9, i] for i in range(3)])))
    theirs = [np.random.default_rng(c) for c in np.random.SeedSequence(entropy, spawn_key=(1, 9)).spawn(3)]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a.binomial(np.arange(50), 0.3), b.binomial(np.arange(50), 0.3))
        np.testing.assert_array_equal(a.random(5), b.random(5))


@pytest.mark.parametrize(
    ("entropy", "keys"),
    [(-1, [[0]]), (2**128, [[0]]), (1, [[-1]]), (1, [[2**32]]), (1, [0, 1]), (1, np.zeros((2, 0)))],
)
def test_bad_input_is_refused(entropy: int, keys: list) -> None:
    with pytest.raises(ValueError):
        seed_words(entropy, np.array(keys))


def test_several_entropies_at_once_equal_one_at_a_time() -> None:
    keys = np.array([[1, w, c] for w in range(4) for c in range(3)])
    entropies = [0, 5, 2**40 + 3, 2**63 - 1]
    together = seed_words(entropies, keys)
    assert together.shape == (4, keys.shape[0], 4)
    for e, words in zip(entropies, together, strict=True):
        np.testing.assert_array_equal(words, seed_words(e, keys))
