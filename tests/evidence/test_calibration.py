"""Calibration's objective: zero at each range's middle, an edge penalty beyond COMFORT, bounds kept."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.evidence import calibration
from analysis.evidence.calibration import COMFORT, EDGE_PENALTY, FIT_TARGETS, FREE, _loss, _residuals
from analysis.evidence.targets import TARGETS, Target
from sim.params import ParameterError

T = Target("X", "a test figure", "attainment", 0.8, 1.2, "none")
B = Target("Y", "a test range", "attainment", 0.0, 1.0, "none", bound=True)


def _at(target: Target, z: float) -> dict[str, float]:
    """The achieved value ``z`` half-widths from the target's middle."""
    return {target.id: target.middle + z * (target.high - target.low) / 2}


def test_the_residuals_are_zero_at_the_middle_of_every_range():
    achieved = {t.id: t.middle for t in TARGETS}
    np.testing.assert_array_equal(_residuals(achieved, TARGETS), np.zeros(2 * len(TARGETS)))
    assert _loss(achieved, TARGETS) == 0


@pytest.mark.parametrize("z", [-COMFORT, -0.5, 0.3, COMFORT])
def test_inside_comfort_a_target_costs_its_distance_and_no_penalty(z):
    r = _residuals(_at(T, z), [T])
    assert r[0] == pytest.approx(z) and r[1] == 0


@pytest.mark.parametrize("z", [-1.5, 0.9, 1.0, 2.0])
def test_beyond_comfort_the_edge_penalty_applies(z):
    r = _residuals(_at(T, z), [T])
    assert r[0] == pytest.approx(z)
    assert r[1] == pytest.approx(np.sqrt(EDGE_PENALTY) * (abs(z) - COMFORT))
    assert _loss(_at(T, z), [T]) == pytest.approx(z**2 + EDGE_PENALTY * (abs(z) - COMFORT) ** 2)


def test_a_bounded_target_costs_nothing_inside_comfort_and_the_penalty_beyond():
    assert _loss(_at(B, 0.7), [B]) == 0
    assert _residuals(_at(B, 1.4), [B])[1] == pytest.approx(np.sqrt(EDGE_PENALTY) * (1.4 - COMFORT))


def test_a_value_the_model_could_not_produce_counts_as_far_off():
    r = _residuals({T.id: float("nan")}, [T])
    assert r[0] == pytest.approx(5.0) and r[1] > 0


def test_the_fit_targets_are_the_published_ones_and_every_free_parameter_has_bounds():
    assert FIT_TARGETS == TARGETS and [t.id for t in TARGETS][:7] == [f"T{i}" for i in range(1, 8)]
    for lo, hi in FREE.values():
        assert lo < hi


def test_parse_targets_and_free_read_the_command_line_values():
    assert [t.id for t in calibration.parse_targets("t1, T3")] == ["T1", "T3"]
    with pytest.raises(ParameterError, match="unknown target"):
        calibration.parse_targets("T9")
    name = next(iter(FREE))
    assert calibration.parse_free([name]) == {name: FREE[name]}


def test_the_polish_neighbours_stay_in_the_unit_box():
    lo, hi = np.zeros(2), np.ones(2)
    for z in calibration.neighbours(np.array([0.0, 0.5]), lo, hi):
        assert ((z >= 0) & (z <= 1)).all()


def test_the_polish_stops_at_a_local_minimum_without_evaluating_every_neighbour_each_move():
    lo, hi = np.zeros(8), np.ones(8)
    minimum = np.array([0.3, 0.7, 0.36, 0.64, 0.1, 0.9, 0.5, 0.5])  # on the grid of steps from 0.5
    evaluated = []

    def objectives(zs):
        evaluated.extend(zs)
        return [float(np.sum((z - minimum) ** 2)) for z in zs]

    lines = []
    z = calibration._polish(objectives, np.full(8, 0.5), lo, hi, list("abcdefgh"), lines.append, rounds=100)
    np.testing.assert_allclose(z, minimum, atol=1e-9)
    moves = 10 + 10 + 7 + 7 + 20 + 20
    assert lines[-1].endswith(f"a local minimum after {moves} moves")
    # the last point's every neighbour was evaluated: it is a local minimum
    assert all(any(np.allclose(n, e) for e in evaluated[-16:]) for n in calibration.neighbours(z, lo, hi))
    # every neighbour at every point would be 16 evaluations a move
    assert len(evaluated) < 16 * moves / 2


def test_a_property_of_several_settings_reads_only_the_runs_they_all_have():
    d = next(t for t in TARGETS if t.id == "D")
    delivered, attained = [1.0, 1.5, 2.2, 3.0], [0.90, 0.95, 0.99, 1.02]
    runs = [[{"coaching_hours_per_rep_month": h, d.metric: a}] for h, a in zip(delivered, attained, strict=True)]
    value = d.value(runs)
    assert 0 < value < 1  # slopes 0.100, 0.057, 0.038: diminishing
    # the typical org's extra runs (it has TYPICAL_RUNS times as many) have no partner: left out
    runs[0] = runs[0] + [{"coaching_hours_per_rep_month": 0.1, d.metric: 0.2}] * 2
    assert d.value(runs) == value
