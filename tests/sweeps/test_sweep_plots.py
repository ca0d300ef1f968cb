"""A sweep's chart: lines with CI bands for one parameter, heatmaps or scatters for two, small multiples beyond."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.sweeps import plots
from analysis.sweeps.dimensions import dimension
from sim.metrics import CANONICAL

PNG = b"\x89PNG\r\n\x1a\n"


def _summary(columns: dict[str, list]) -> pd.DataFrame:
    """A per-point summary in the sweep's layout, each metric's mean a known function of the point (in [0, 1])."""
    df = pd.DataFrame(columns)
    df.insert(0, "point", range(len(df)))
    df["n"] = 3
    for k, m in enumerate(CANONICAL):
        mean = (df.index.to_numpy(float) + 1) / (len(df) + 2) * (1 - k / 100)
        df[f"{m}_mean"], df[f"{m}_ci_low"], df[f"{m}_ci_high"] = mean, mean - 0.01, mean + 0.01
    return df


def test_one_parameter_is_a_line_per_metric_through_the_means():
    name = "coaching.hours_per_rep_month"
    summary = _summary({name: [0.0, 1.0, 2.0, 3.0]})
    fig = plots._lines(summary, name)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == list(CANONICAL)
    x, y = panels[0].get_lines()[0].get_data()
    np.testing.assert_array_equal(x, [0, 1, 2, 3])
    np.testing.assert_array_equal(y, summary[f"{CANONICAL[0]}_mean"])
    assert panels[-1].get_xlabel() == name


def test_two_parameters_of_a_grid_are_heatmaps_of_the_means():
    a, b = "coaching.hours_per_rep_month", "manager.quota_share"
    pairs = list(itertools.product([0.0, 1.0, 2.0], [0.0, 0.5]))
    summary = _summary({a: [p[0] for p in pairs], b: [p[1] for p in pairs]})
    fig = plots._heatmaps(summary, [a, b])
    image = fig.axes[0].images[0].get_array()
    np.testing.assert_array_equal(np.asarray(image), summary[f"{CANONICAL[0]}_mean"].to_numpy().reshape(3, 2))
    assert fig.axes[0].get_xlabel() == b


@pytest.mark.parametrize(
    ("specs", "sampler"),
    [
        ({"coaching.hours_per_rep_month": "0,1,2"}, "grid"),
        ({"coaching.hours_per_rep_month": "0,1,2", "manager.quota_share": "0,0.5"}, "grid"),
        ({"coaching.hours_per_rep_month": "0..6", "manager.quota_share": "0..1"}, "lhs"),
        (
            {"coaching.hours_per_rep_month": "0..6", "manager.quota_share": "0..1", "coaching.kpi_inspection": "0,1"},
            "lhs",
        ),
    ],
    ids=["line", "heatmap", "scatter", "small-multiples"],
)
def test_plot_sweep_draws_the_chart_that_fits_and_writes_a_png(tmp_path, specs, sampler):
    dims = [dimension(name, spec) for name, spec in specs.items()]
    rng = np.random.default_rng(0)
    if sampler == "grid":
        grid = list(itertools.product(*(d.values for d in dims)))
        columns = {d.name: [p[i] for p in grid] for i, d in enumerate(dims)}
    else:
        columns = {d.name: list(d.from_unit(rng.random(12))) for d in dims}
    path = plots.plot_sweep(_summary(columns), dims, sampler, tmp_path / plots.PLOT_FILE)
    assert path == tmp_path / "sweep.png" and path.read_bytes()[:8] == PNG
