"""Charts of a sweep's per-point summary, drawn with matplotlib's Agg canvas (no display needed).

- one varied parameter: each metric's mean against it, with its 95% CI band;
- two on a grid: a heatmap of each metric's mean over the two (scatter coloured by the mean
  when the points come from ``lhs`` or ``sobol``);
- three or more: small multiples, one row per metric and one column per parameter, each panel
  the metric's mean over the points at each value of that parameter (binned for drawn values),
  with a 95% CI across those points.

Figures are built with :class:`matplotlib.figure.Figure`, never ``pyplot``, so a notebook's
backend is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.common.stats import bounds_of, mean_ci
from sim.metrics import CANONICAL

#: The chart of a sweep, in its folder.
PLOT_FILE = "sweep.png"

__all__ = ["PLOT_FILE", "plot_sweep"]

BINS = 8


def _categorical(values: Sequence[Any]) -> bool:
    return any(v is None or isinstance(v, (str, bool, np.bool_)) for v in values)


def _label(v: Any) -> str:
    if v is None:
        return "unset"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _no_values(ax: Any, y: np.ndarray) -> bool:
    """Mark a panel whose metric has no finite value (e.g. runs too short for it)."""
    if np.isfinite(np.asarray(y, float)).any():
        return False
    ax.text(0.5, 0.5, "no finite values", ha="center", va="center", transform=ax.transAxes, fontsize=8, color="0.4")
    return True


def _grid(n: int, cols: int = 4) -> tuple[int, int]:
    cols = min(cols, n)
    return -(-n // cols), cols


def plot_sweep(summary: pd.DataFrame, dims: Sequence[Any], sampler: str, path: str | Path) -> Path:
    """Draw the chart that fits the number of varied parameters and save it to ``path``."""
    names = [d.name for d in dims]
    if len(names) == 1:
        fig = _lines(summary, names[0])
    elif len(names) == 2 and sampler == "grid":
        fig = _heatmaps(summary, names)
    elif len(names) == 2:
        fig = _scatters(summary, names)
    else:
        fig = _small_multiples(summary, names, [d.discrete for d in dims])
    path = Path(path)
    fig.savefig(path, dpi=100)
    return path


def _figure(rows: int, cols: int, w: float, h: float) -> tuple[Any, Any]:
    from matplotlib.figure import Figure  # deferred: a sweep without charts never loads matplotlib

    fig = Figure(figsize=(w * cols, h * rows), layout="constrained")
    return fig, fig.subplots(rows, cols, squeeze=False)


def _hide_rest(axes: Any, used: int, cols: int) -> None:
    rows = len(axes)
    for k in range(used, rows * cols):
        axes[k // cols][k % cols].set_visible(False)


def _lines(summary: pd.DataFrame, name: str) -> Any:
    rows, cols = _grid(len(CANONICAL))
    fig, axes = _figure(rows, cols, 3.6, 2.7)
    values = summary[name].tolist()
    categorical = _categorical(values)
    keys = list(dict.fromkeys(values)) if categorical else sorted(set(values))
    # Points sharing a value (lhs or sobol repeats) are averaged.
    grouped = summary.assign(_key=[keys.index(v) for v in values]).groupby("_key").mean(numeric_only=True)
    x = np.arange(len(keys)) if categorical else np.asarray(keys, float)
    for k, m in enumerate(CANONICAL):
        ax = axes[k // cols][k % cols]
        mean = grouped[f"{m}_mean"].to_numpy(float)
        low = grouped[f"{m}_ci_low"].to_numpy(float)
        high = grouped[f"{m}_ci_high"].to_numpy(float)
        ax.set_title(m, fontsize=9)
        if _no_values(ax, mean):
            continue
        if categorical:
            err = np.vstack([mean - low, high - mean])
            ax.errorbar(x, mean, yerr=np.nan_to_num(err), fmt="o", capsize=3)
            ax.set_xticks(x, [_label(v) for v in keys], fontsize=8)
        else:
            ax.plot(x, mean, marker="o", ms=3)
            ax.fill_between(x, low, high, alpha=0.25, lw=0)
        ax.tick_params(labelsize=8)
        if k // cols == rows - 1 or k + cols >= len(CANONICAL):
            ax.set_xlabel(name, fontsize=8)
    _hide_rest(axes, len(CANONICAL), cols)
    fig.suptitle("Sweep: mean and 95% CI across replications", fontsize=11)
    return fig


def _heatmaps(summary: pd.DataFrame, names: Sequence[str]) -> Any:
    rows, cols = _grid(len(CANONICAL))
    fig, axes = _figure(rows, cols, 3.9, 3.1)
    a, b = names
    ya = list(dict.fromkeys(summary[a].tolist()))
    xb = list(dict.fromkeys(summary[b].tolist()))
    ia = {v: i for i, v in enumerate(ya)}
    ib = {v: i for i, v in enumerate(xb)}
    ra = [ia[v] for v in summary[a].tolist()]
    rb = [ib[v] for v in summary[b].tolist()]
    for k, m in enumerate(CANONICAL):
        ax = axes[k // cols][k % cols]
        grid = np.full((len(ya), len(xb)), np.nan)
        grid[ra, rb] = summary[f"{m}_mean"].to_numpy(float)
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        fig.colorbar(image, ax=ax, shrink=0.85).ax.tick_params(labelsize=7)
        ax.set_xticks(_ticks(len(xb)), [_label(xb[i]) for i in _ticks(len(xb))], fontsize=7)
        ax.set_yticks(_ticks(len(ya)), [_label(ya[i]) for i in _ticks(len(ya))], fontsize=7)
        ax.set_xlabel(b, fontsize=8)
        ax.set_ylabel(a, fontsize=8)
        ax.set_title(m, fontsize=9)
    _hide_rest(axes, len(CANONICAL), cols)
    fig.suptitle("Sweep: mean across replications", fontsize=11)
    return fig


def _ticks(n: int, most: int = 8) -> list[int]:
    step = max(1, -(-n // most))
    return list(range(0, n, step))


def _numeric(values: Sequence[Any]) -> tuple[np.ndarray, list[str] | None]:
    if _categorical(values):
        keys = list(dict.fromkeys(values))
        return np.array([keys.index(v) for v in values], float), [_label(k) for k in keys]
    return np.asarray(values, float), None


def _scatters(summary: pd.DataFrame, names: Sequence[str]) -> Any:
    rows, cols = _grid(len(CANONICAL))
    fig, axes = _figure(rows, cols, 3.9, 3.1)
    a, b = names
    ya, la = _numeric(summary[a].tolist())
    xb, lb = _numeric(summary[b].tolist())
    for k, m in enumerate(CANONICAL):
        ax = axes[k // cols][k % cols]
        points = ax.scatter(xb, ya, c=summary[f"{m}_mean"].to_numpy(float), s=14, cmap="viridis")
        fig.colorbar(points, ax=ax, shrink=0.85).ax.tick_params(labelsize=7)
        if lb:
            ax.set_xticks(range(len(lb)), lb, fontsize=7)
        if la:
            ax.set_yticks(range(len(la)), la, fontsize=7)
        ax.set_xlabel(b, fontsize=8)
        ax.set_ylabel(a, fontsize=8)
        ax.set_title(m, fontsize=9)
        ax.tick_params(labelsize=7)
    _hide_rest(axes, len(CANONICAL), cols)
    fig.suptitle("Sweep: mean across replications at each point", fontsize=11)
    return fig


def _slices(values: Sequence[Any], discrete: bool) -> tuple[np.ndarray, list[float], list[str] | None]:
    """Group points by parameter value (or value bin): group index per point, x and labels."""
    if discrete:
        keys = list(dict.fromkeys(values)) if _categorical(values) else sorted(set(values))
        group = np.array([keys.index(v) for v in values])
        if _categorical(values):
            return group, list(range(len(keys))), [_label(v) for v in keys]
        return group, [float(v) for v in keys], None
    x = np.asarray(values, float)
    edges = np.unique(np.quantile(x, np.linspace(0, 1, BINS + 1)))
    group = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    centres = [float(x[group == g].mean()) if np.any(group == g) else np.nan for g in range(len(edges) - 1)]
    return group, centres, None


def _small_multiples(summary: pd.DataFrame, names: Sequence[str], discrete: Sequence[bool]) -> Any:
    rows, cols = len(CANONICAL), len(names)
    fig, axes = _figure(rows, cols, 2.8, 1.9)
    for j, (name, disc) in enumerate(zip(names, discrete, strict=True)):
        group, x, labels = _slices(summary[name].tolist(), disc)
        for i, m in enumerate(CANONICAL):
            ax = axes[i][j]
            y = summary[f"{m}_mean"].to_numpy(float)
            if j == 0:
                ax.set_ylabel(m, fontsize=7)
            if i == rows - 1:
                ax.set_xlabel(name, fontsize=8)
            if _no_values(ax, y):
                continue
            stats = [mean_ci(y[group == g], bounds=bounds_of(m)) for g in range(len(x))]
            mean = np.array([s.mean for s in stats])
            low = np.array([s.ci_low for s in stats])
            high = np.array([s.ci_high for s in stats])
            if labels:
                ax.errorbar(x, mean, yerr=np.nan_to_num(np.vstack([mean - low, high - mean])), fmt="o", capsize=2, ms=3)
                ax.set_xticks(x, labels, fontsize=7)
            else:
                ax.plot(x, mean, marker="o", ms=2.5)
                ax.fill_between(x, low, high, alpha=0.25, lw=0)
            ax.tick_params(labelsize=7)
    fig.suptitle("Sweep: each metric's mean over the points at each value, with 95% CI across points", fontsize=10)
    return fig
