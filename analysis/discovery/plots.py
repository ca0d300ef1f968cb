"""The chart of a PRIM box: its peeling trajectory and its limits, drawn without pyplot.

:func:`prim_figure` returns a ``matplotlib.figure.Figure`` (no display, no global state, as the
charts of :mod:`analysis.comparisons.plots`), sized to stay readable on a projector at 1280
pixels wide. The colours are the Okabe-Ito palette of :mod:`analysis.comparisons.palette`.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis.comparisons.palette import BASELINE_COLOUR, NEUTRAL, SCENARIO_COLOURS
from analysis.comparisons.plots import STYLE  # as the comparison's charts: type large enough to project
from analysis.discovery.prim import PrimResult, format_value

__all__ = ["prim_figure"]

#: The chosen box's bar, and the full range behind it.
BOX_COLOUR = SCENARIO_COLOURS[0]
RANGE_COLOUR = "#e4e4e4"


def _restricted_colours(counts: np.ndarray) -> dict[int, str]:
    """One palette colour per number of restricted parameters on the trajectory (cividis beyond eight)."""
    values = sorted({int(c) for c in counts})
    if len(values) <= len(SCENARIO_COLOURS):
        return {v: SCENARIO_COLOURS[i] for i, v in enumerate(values)}
    cmap = mpl.colormaps["cividis"]
    return {v: mpl.colors.to_hex(cmap(i / (len(values) - 1))) for i, v in enumerate(values)}


def _trajectory(ax, result: PrimResult) -> None:
    t = result.trajectory
    peel, paste = t[t["phase"] == "peel"], t[t["phase"] == "paste"]
    coverage = t["coverage"].fillna(0.0).to_numpy(float)
    density = t["density"].fillna(0.0).to_numpy(float)
    ax.plot(coverage[peel.index], density[peel.index], color=BASELINE_COLOUR, lw=1, alpha=0.6, zorder=1)
    if len(paste):
        path = [result.peeled, *paste.index]
        ax.plot(coverage[path], density[path], color=BASELINE_COLOUR, lw=1, ls=":", zorder=1)
    colours = _restricted_colours(t["restricted"].to_numpy())
    for count, colour in colours.items():
        for rows, marker, size in ((peel, "o", 34), (paste, "D", 30)):
            sel = rows.index[rows["restricted"] == count]
            if len(sel):
                ax.scatter(coverage[sel], density[sel], s=size, marker=marker, color=colour, ec="white", lw=0.5)
    c, d = coverage[result.chosen], density[result.chosen]
    ax.scatter([c], [d], s=260, facecolors="none", edgecolors="black", lw=2, zorder=3)
    right, low = c < 0.5, d < 0.5  # put the label where the trajectory is not
    ax.annotate(
        f"chosen box\ncoverage {c:.0%}, density {d:.0%}" if result.total_cases else "no case of interest",
        (c, d),
        xytext=(14 if right else -14, 14 if low else -14),
        textcoords="offset points",
        ha="left" if right else "right",
        va="bottom" if low else "top",
        fontsize=10,
        bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none", "alpha": 0.85},
        zorder=4,
    )
    ax.axhline(result.threshold, color="black", lw=1.2, ls="--", zorder=0)
    ax.text(0.01, result.threshold, f" threshold {result.threshold:.0%}", va="bottom", fontsize=9, color=NEUTRAL)
    ax.axhline(result.base_density, color=BASELINE_COLOUR, lw=1, ls=":", zorder=0)
    ax.text(
        0.01,
        result.base_density,
        f" share of cases overall {result.base_density:.0%}",
        va="bottom",
        fontsize=9,
        color=NEUTRAL,
    )
    ax.set_xlim(-0.02, 1.04)
    ax.set_ylim(-0.02, 1.04)
    fmt = mpl.ticker.PercentFormatter(xmax=1.0, decimals=0)
    ax.xaxis.set_major_formatter(fmt)
    ax.yaxis.set_major_formatter(fmt)
    ax.set_xlabel("coverage: share of all cases of interest inside the box")
    ax.set_ylabel("density: share of the box's points that are cases")
    ax.set_title("Peeling trajectory")
    shown = list(colours)
    if len(shown) > len(SCENARIO_COLOURS):  # a continuous scale: a few of its values are enough
        shown = [shown[int(i)] for i in np.unique(np.linspace(0, len(shown) - 1, len(SCENARIO_COLOURS)).round())]
    handles = [Line2D([], [], marker="o", ls="", color=colours[count], ms=7, label=str(count)) for count in shown]
    if len(paste):
        handles.append(Line2D([], [], marker="D", ls="", color=NEUTRAL, ms=6, label="pasted"))
    ax.legend(handles=handles, title="restricted\nparameters", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)


def _quasi_p(value: float) -> str:
    return "quasi-p < 0.001" if value < 0.001 else f"quasi-p {value:.2g}"


def _limits(ax, result: PrimResult) -> None:
    names = list(result.box)
    if not names:
        why = f"{result.note}:\n" if result.note else ""
        ax.text(
            0.5,
            0.5,
            f"{why}no parameter is restricted,\nno region stands out",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=11,
            color=NEUTRAL,
            wrap=True,
        )
        ax.set_axis_off()
        ax.set_title("The chosen box")
        return
    positions = np.arange(len(names))[::-1]
    for y, name in zip(positions, names, strict=True):
        low, high = result.box[name]
        full_low, full_high = result.full_range[name]
        span = full_high - full_low
        a, b = (low - full_low) / span, (high - full_low) / span
        ax.barh(y, 1.0, left=0.0, height=0.55, color=RANGE_COLOUR, zorder=1)
        ax.barh(y, b - a, left=a, height=0.55, color=BOX_COLOUR, alpha=0.85, zorder=2)
        if low > full_low:
            ax.text(a, y + 0.32, format_value(low), ha="center", va="bottom", fontsize=10, fontweight="bold")
        if high < full_high:
            ax.text(b, y + 0.32, format_value(high), ha="center", va="bottom", fontsize=10, fontweight="bold")
        ax.text(0.0, y - 0.3, format_value(full_low), ha="left", va="top", fontsize=8, color=NEUTRAL)
        ax.text(1.0, y - 0.3, format_value(full_high), ha="right", va="top", fontsize=8, color=NEUTRAL)
    labels = [f"{name}\n{_quasi_p(result.quasi_p[name])}" for name in names]
    ax.set_yticks(positions, labels)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.75, len(names) - 0.15)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xticks([0, 1], ["min", "max"])
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("each parameter's full range (grey); the box's limits (blue)")
    note = "" if result.met_threshold else f"\n(densest box found: below the {result.threshold:.0%} threshold)"
    ax.set_title(f"The chosen box: mass {result.mass:.0%}{note}")


def prim_figure(result: PrimResult, title: str | None = None) -> Figure:
    """The trajectory and the chosen box of a PRIM search, side by side.

    Left: coverage against density of every box on the peeling trajectory (diamonds for pasting),
    coloured by the number of restricted parameters, the chosen box ringed, the threshold dashed
    and the share of cases overall dotted. Right: one bar per restricted parameter on its full
    range scaled to 0-1, the real limits written at the bar's ends and the quasi-p-value under
    the name.

    Args:
        result: What :func:`analysis.discovery.prim.prim` returned.
        title: A title above both panels (default: a summary of the box).

    Returns:
        The figure (the caller saves or closes it).
    """
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(13, max(4.8, 1.6 + 0.75 * len(result.box))), layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=[1, 1.15])
        _trajectory(left, result)
        _limits(right, result)
        if title is None:
            title = (
                f"PRIM: a box holding {result.coverage:.0%} of the cases of interest at density {result.density:.0%}"
                if result.box
                else "PRIM: no box found"
            )
        fig.suptitle(title, fontsize=13, fontweight="bold")
    return fig
