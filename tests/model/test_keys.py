"""sim.keys: Philox4x32-10 matches Random123's answers, and its uniforms are keyed by place alone."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from scipy import stats

from sim import keys as K
from sim.keys import INIT_WEEK, Purpose, block, normals, run_key, uniforms

N = 200_000
SEATS = np.arange(N)


# ----------------------------------------------------------------------------- the generator
# Random123's kat_vectors, philox4x32_10: (counter, key) -> four output words.
KAT = [
    ("00000000 00000000 00000000 00000000", "00000000 00000000", "6627e8d5 e169c58d bc57ac4c 9b00dbd8"),
    ("ffffffff ffffffff ffffffff ffffffff", "ffffffff ffffffff", "408f276d 41c83b0e a20bc7c6 6d5451fd"),
    ("243f6a88 85a308d3 13198a2e 03707344", "a4093822 299f31d0", "d16cfe09 94fdcceb 5001e420 24126ea1"),
]


@pytest.mark.parametrize(("counter", "key", "expected"), KAT, ids=["zeros", "ones", "pi"])
def test_philox_known_answers(counter: str, key: str, expected: str) -> None:
    words = K._philox(*(np.uint32(int(w, 16)) for w in f"{counter} {key}".split()))
    assert " ".join(f"{int(w):08x}" for w in words) == expected


def test_unit_lattice_near_zero_and_one() -> None:
    """The smallest uniform is half a step (2**-53) above zero, the largest half a step below one."""
    zero, ones = np.uint32(0), np.uint32(0xFFFFFFFF)
    assert K._unit(zero, zero) == 2.0**-53
    assert K._unit(zero, np.uint32(1 << 6)) == 3 * 2.0**-53
    assert K._unit(ones, ones) == 1.0 - 2.0**-53


# ----------------------------------------------------------------------------- keys
def test_run_key_is_seedsequence_words() -> None:
    for entropy in (0, 1, 12345, 2**63 + 7, 2**100 + 3):
        key = run_key(entropy)
        assert key.dtype == np.uint32
        assert key.shape == (2,)
        np.testing.assert_array_equal(key, run_key(entropy))
        np.testing.assert_array_equal(key, np.random.SeedSequence(entropy).generate_state(2, np.uint32))


def test_run_keys_of_different_entropies_differ() -> None:
    ks = np.array([run_key(e) for e in range(2000)])
    pairs = ks[:, 0].astype(np.uint64) << np.uint64(32) | ks[:, 1].astype(np.uint64)
    assert np.unique(pairs).size == len(pairs)


# ----------------------------------------------------------------------------- uniforms by place
def _keys(*entropies: int) -> np.ndarray:
    return np.array([run_key(e) for e in entropies])


KEYS = _keys(20240601, 7, 8)


def test_uniforms_in_open_unit_interval() -> None:
    for purpose in (Purpose.APTITUDE, Purpose.DEAL_VALUE):
        u = uniforms(KEYS, 0, 3, purpose, SEATS)
        assert u.dtype == np.float64
        assert u.shape == (N,)
        assert np.all(u > 0.0)
        assert np.all(u < 1.0)


def test_same_place_same_value() -> None:
    a = uniforms(KEYS, 0, 5, Purpose.DEAL_FLOWS, SEATS, 2)
    np.testing.assert_array_equal(a, uniforms(KEYS, 0, 5, Purpose.DEAL_FLOWS, SEATS, 2))
    np.testing.assert_array_equal(a, uniforms(KEYS.copy(), 0, 5, Purpose.DEAL_FLOWS, SEATS.copy(), 2))
    z = normals(KEYS, 1, 5, Purpose.SKILL_NOISE, SEATS[:1000])
    np.testing.assert_array_equal(z, normals(KEYS, 1, 5, Purpose.SKILL_NOISE, SEATS[:1000]))


def test_seat_alone_or_in_an_array() -> None:
    whole = uniforms(KEYS, 0, 9, Purpose.REP_QUITS, SEATS)
    for seat in (0, 1, 777, N - 1):
        alone = uniforms(KEYS, 0, 9, Purpose.REP_QUITS, np.array([seat]))
        assert alone[0] == whole[seat]
        assert block(KEYS[0], 9, int(Purpose.REP_QUITS), seat, 0)[0] == whole[seat]
    order = np.random.default_rng(0).permutation(N)
    np.testing.assert_array_equal(uniforms(KEYS, 0, 9, Purpose.REP_QUITS, order), whole[order])
    np.testing.assert_array_equal(uniforms(KEYS, 0, 9, Purpose.REP_QUITS, SEATS[1000:1010]), whole[1000:1010])
    z_whole = normals(KEYS, 0, 9, Purpose.REP_QUITS, SEATS[:5000])
    np.testing.assert_array_equal(normals(KEYS, 0, 9, Purpose.REP_QUITS, SEATS[4321:4322]), z_whole[4321:4322])


def test_run_is_a_row_of_keys() -> None:
    seats = SEATS[:5000]
    mixed_copy = np.arange(seats.size) % 3
    mixed = uniforms(KEYS, mixed_copy, 4, Purpose.TENURE, seats)
    for c in range(3):
        alone = uniforms(KEYS[c : c + 1], 0, 4, Purpose.TENURE, seats)
        np.testing.assert_array_equal(uniforms(KEYS, c, 4, Purpose.TENURE, seats), alone)
        np.testing.assert_array_equal(mixed[mixed_copy == c], alone[mixed_copy == c])
        # Other runs in the batch do not matter: the same key in another batch gives the same numbers.
        batch = np.concatenate([_keys(1, 2, 3), KEYS[c : c + 1]])
        np.testing.assert_array_equal(uniforms(batch, 3, 4, Purpose.TENURE, seats), alone)


def test_negative_week_is_the_starting_state() -> None:
    seats = SEATS[:1000]
    start = uniforms(KEYS, 0, -1, Purpose.APTITUDE, seats)
    np.testing.assert_array_equal(start, uniforms(KEYS, 0, INIT_WEEK, Purpose.APTITUDE, seats))
    np.testing.assert_array_equal(start, uniforms(KEYS, 0, -7, Purpose.APTITUDE, seats))
    assert np.all(start != uniforms(KEYS, 0, 0, Purpose.APTITUDE, seats))


@pytest.mark.parametrize(
    "change",
    [
        {"week": 4},
        {"week": 1000},
        {"purpose": Purpose.MANAGER_LEAVES},
        {"seat_offset": 1},
        {"seat_offset": 1 << 20},
        {"j": 1},
        {"copy": 1},
        {"copy": 2},
    ],
    ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()),
)
def test_every_coordinate_changes_the_value(change: dict) -> None:
    base = {"copy": 0, "week": 3, "purpose": Purpose.DEAL_VALUE, "j": 0}
    seats = SEATS[:20_000]
    ref = uniforms(KEYS, base["copy"], base["week"], base["purpose"], seats, base["j"])
    new = {**base, **{k: v for k, v in change.items() if k != "seat_offset"}}
    other = uniforms(KEYS, new["copy"], new["week"], new["purpose"], seats + change.get("seat_offset", 0), new["j"])
    assert np.all(ref != other)
    assert abs(np.corrcoef(ref, other)[0, 1]) < 0.03


# ----------------------------------------------------------------------------- statistics
@numba.njit
def _both_halves(key, week, purpose, n):
    first, second = np.empty(n), np.empty(n)
    for seat in range(n):
        first[seat], second[seat] = block(key, week, purpose, seat, 0)
    return first, second


def test_uniforms_ks_uniform() -> None:
    u = uniforms(KEYS, 0, 11, Purpose.DEAL_VALUE, SEATS)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / N)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / N)
    for half in _both_halves(KEYS[1], 11, int(Purpose.DEAL_VALUE), N):
        assert stats.kstest(half, "uniform").pvalue > 1e-3
        assert np.all((half > 0.0) & (half < 1.0))


def test_block_halves_uncorrelated_and_independent() -> None:
    first, second = _both_halves(KEYS[0], 2, int(Purpose.TENURE), N)
    assert abs(np.corrcoef(first, second)[0, 1]) < 0.01
    # Serial test on a 20 x 20 grid of the pairs.
    grid = np.histogram2d(first, second, bins=20, range=[[0, 1], [0, 1]])[0].ravel()
    assert stats.chisquare(grid).pvalue > 1e-3


# Keys one apart in their first word: the same run key but for the lowest bit.
NEAR_KEYS = np.array([KEYS[0], KEYS[0] ^ np.array([1, 0], np.uint32)])


@pytest.mark.parametrize("neighbour", ["seat", "week", "purpose", "j", "entropy", "key_word"])
def test_neighbouring_places_uncorrelated(neighbour: str) -> None:
    week, purpose = 6, Purpose.VACANCY_WAIT
    if neighbour == "seat":
        u = uniforms(KEYS, 0, week, purpose, np.arange(N + 1))
        a, b = u[:-1], u[1:]
    elif neighbour == "entropy":  # run_key(7) and run_key(8)
        a, b = (uniforms(KEYS, c, week, purpose, SEATS) for c in (1, 2))
    elif neighbour == "key_word":
        a, b = (uniforms(NEAR_KEYS, c, week, purpose, SEATS) for c in (0, 1))
    else:
        a = uniforms(KEYS, 0, week, purpose, SEATS, 0)
        b = uniforms(
            KEYS,
            0,
            week + (neighbour == "week"),
            Purpose(purpose + (neighbour == "purpose")),
            SEATS,
            int(neighbour == "j"),
        )
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.01
    grid = np.histogram2d(a, b, bins=10, range=[[0, 1], [0, 1]])[0].ravel()
    assert stats.chisquare(grid).pvalue > 1e-3


# ----------------------------------------------------------------------------- the compiled cache
def test_a_changed_kernel_module_clears_the_cached_kernels(tmp_path, monkeypatch) -> None:
    """numba checks a cached kernel only against its own file; the stamp covers every kernel module."""
    from sim import compiled

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    stale = tmp_path / "deep" / "selling._deal_flows-91.py311.nbi"
    stale.parent.mkdir()
    stale.write_text("stale")
    other = tmp_path / "deep" / "elsewhere.f-1.py311.nbi"
    other.write_text("not ours")
    (tmp_path / compiled.STAMP).write_text("a stamp of other sources")
    compiled.refresh_cache()
    assert not stale.exists() and other.exists()
    assert (tmp_path / compiled.STAMP).read_text() == compiled.fingerprint()
    stale.write_text("compiled from these sources")  # the same sources: the cache is kept
    compiled.refresh_cache()
    assert stale.exists()
