"""The chart of an ensemble comparison: each policy's effect in every plausible model.

One row per policy: a dot per member of the ensemble (its effect, the mean over its
replications; the dot's area is the member's weight), the weighted 90% range across the
ensemble as a bar and its median as a tick, and a line at zero. Colours follow the policies as
in every other chart (:mod:`analysis.comparisons.palette`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from analysis.comparisons.palette import scenario_colours
from analysis.comparisons.robustness import EnsembleComparison

__all__ = ["effect_across_models"]


def effect_across_models(ec: EnsembleComparison, metric: str = "attainment") -> Figure:
    """Each policy's effect on ``metric`` (percentage points) in every plausible model."""
    policies = ec.policies
    fig = Figure(figsize=(10, 1.8 + 0.9 * max(len(policies), 1)), layout="constrained")
    ax = fig.subplots()
    colours = scenario_colours(ec.labels, ec.baseline)
    summary = ec.summary(metric).set_index("scenario")
    effects = ec.effects(metric).mean(axis=2) * 100
    w = ec.ensemble.weights
    size = 12 + 160 * w / w.max()
    jitter = np.random.default_rng(0).uniform(-0.22, 0.22, effects.shape[1])  # fixed: the same chart each time
    ax.axvline(0, color="black", lw=1)
    for y, label in enumerate(policies):
        c = colours[label]
        ax.scatter(effects[y], y + jitter, s=size, color=c, alpha=0.45, lw=0)
        r = summary.loc[label]
        ax.plot([r["q05"] * 100, r["q95"] * 100], [y + 0.36, y + 0.36], color=c, lw=5, solid_capstyle="butt")
        ax.plot([r["median"] * 100] * 2, [y + 0.26, y + 0.46], color="black", lw=2)
        ax.text(
            r["q95"] * 100,
            y + 0.36,
            f"  {r['share_improved']:.0%} of models",
            va="center",
            ha="left",
            fontsize=10,
            color="#333333",
        )
    ax.set_yticks(range(len(policies)), [ec.titles[p] for p in policies])
    ax.set_ylim(len(policies) - 0.4, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"effect on {metric.replace('_', ' ')} against {ec.titles[ec.baseline].lower()}, percentage points")
    ax.set_title(
        f"Each policy's effect in {effects.shape[1]} plausible models\n"
        "dot: one model (area: its weight) · bar: the middle 90% of the models · tick: median",
        fontsize=11,
        loc="left",
    )
    lo, hi = min(effects.min(), 0), max(effects.max(), 0)
    ax.set_xlim(lo - 0.05 * (hi - lo), hi + 0.22 * (hi - lo))  # room for the share on the right
    return fig
