"""Global sensitivity: first-order and total Sobol' indices of each metric, from stored runs.

A ``--sampler sobol`` sweep lays its points out as Saltelli's design (see
:class:`analysis.sweeps.sweep.SobolSampler`): ``n`` points of matrix A, ``n`` of B, then ``n`` of each
AB_i. The model output at a point is the **mean over its replications** of the metric (the
replications share seeds across points by default, so the noise left in the mean is largely
common to all points and cancels in the differences the estimators use). Noise that remains
inflates the total indices slightly and adds to their spread; more replications reduce it.

The indices are ``scipy.stats.sobol_indices`` fed the stored outputs (its ``func`` dictionary
``f_A``, ``f_B``, ``f_AB``; Saltelli 2010 estimators: Jansen's total index, Saltelli's first
order). Their confidence intervals are BCa bootstrap intervals over the ``n`` base samples, the
same resampling ``SobolResult.bootstrap`` performs, but computed with ``scipy.stats.bootstrap``
and a seeded generator so that ``sensitivity.csv`` is reproducible.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.common import labels
from sim.metrics import CANONICAL

#: The Sobol' indices of a ``sobol`` sweep and their chart, in its folder.
SENSITIVITY_FILE = "sensitivity.csv"
SENSITIVITY_PLOT = "sensitivity.png"

__all__ = [
    "SENSITIVITY_FILE",
    "SENSITIVITY_PLOT",
    "SobolIndices",
    "format_sensitivity",
    "plot_sensitivity",
    "small_design_warning",
    "sobol_from_outputs",
    "sobol_table",
]

#: Mixed into the sweep seed for the bootstrap's draws.
BOOTSTRAP_TAG = 0x534F424F4C  # "SOBOL"
#: Below this many base samples the bootstrap intervals are unreliable (BCa's jackknife
#: acceleration can push an interval off its estimate); the table says so.
MIN_RELIABLE_N = 32
#: An index lives in [0, 1]: an interval wider than this says nothing about it.
MAX_CI_WIDTH = 1.0
#: The base samples commonly recommended for Saltelli's estimators (N of 500 to 1000; their
#: sampling error falls only as 1/sqrt(N)), as the power of two the sampler needs.
RECOMMENDED_N = 512
XLIM = (-0.25, 1.25)


@dataclass(frozen=True)
class SobolIndices:
    """First-order and total indices of one output, one entry per parameter, with CIs."""

    first_order: np.ndarray
    total_order: np.ndarray
    first_order_low: np.ndarray
    first_order_high: np.ndarray
    total_order_low: np.ndarray
    total_order_high: np.ndarray
    note: str = ""


def _split(y: np.ndarray, n: int, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(y, float)
    if y.shape != (n * (d + 2),):
        raise ValueError(f"expected {n * (d + 2)} outputs (n={n}, d={d}), got shape {y.shape}")
    return y[:n], y[n : 2 * n], y[2 * n :].reshape(d, n)


def _saltelli(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray) -> np.ndarray:
    """First-order and total indices, shape (2, d): scipy's ``saltelli_2010`` for one output."""
    var = np.var([f_a, f_b])
    first = np.mean(f_b * (f_ab - f_a), axis=-1) / var
    total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var
    return np.stack([first, total])


def sobol_from_outputs(
    y: np.ndarray,
    n: int,
    d: int,
    *,
    confidence_level: float = 0.95,
    n_resamples: int = 999,
    rng: np.random.Generator | int | None = None,
) -> SobolIndices:
    """Sobol' indices from outputs ``y`` laid out A (n), B (n), AB_1 ... AB_d (n each).

    Non-finite outputs or outputs that do not vary give NaN indices with a ``note``.
    """
    f_a, f_b, f_ab = _split(y, n, d)
    nan = np.full(d, np.nan)
    if not np.all(np.isfinite(y)):
        return SobolIndices(nan, nan, nan, nan, nan, nan, "some points have no finite value")
    if np.var([f_a, f_b]) <= 0:
        return SobolIndices(nan, nan, nan, nan, nan, nan, "the output does not vary")
    if d == 1:
        # scipy's sobol_indices fails for one parameter (it squeezes its (1, 1) index array to a
        # scalar, then assigns into it); its estimators on outputs centred by their mean, as it
        # centres them, computed directly, give the same numbers
        mean = np.mean([f_a, f_b])
        first, total = _saltelli(f_a - mean, f_b - mean, f_ab - mean)
    else:
        res = stats.sobol_indices(func={"f_A": f_a[None], "f_B": f_b[None], "f_AB": f_ab[:, None, :]}, n=n)
        first = np.atleast_1d(np.asarray(res.first_order, float)).reshape(d)
        total = np.atleast_1d(np.asarray(res.total_order, float)).reshape(d)

    def statistic(idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx, int)
        return _saltelli(f_a[idx], f_b[idx], f_ab[:, idx])

    rng = np.random.default_rng(rng)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        boot = stats.bootstrap(
            (np.arange(n),),
            statistic,
            vectorized=False,
            n_resamples=n_resamples,
            confidence_level=confidence_level,
            method="BCa",
            rng=rng,
        )
    low = np.asarray(boot.confidence_interval.low, float).reshape(2, d)
    high = np.asarray(boot.confidence_interval.high, float).reshape(2, d)
    return SobolIndices(first, total, low[0], high[0], low[1], high[1])


def sobol_table(
    summary: pd.DataFrame,
    names: Sequence[str],
    n: int,
    *,
    metrics: Sequence[str] = CANONICAL,
    seed: int = 0,
    confidence_level: float = 0.95,
    n_resamples: int = 999,
) -> pd.DataFrame:
    """One row per (metric, parameter): S1 and ST with their bootstrap CIs.

    ``summary`` is a sweep's per-point summary (``point`` and ``METRIC_mean`` columns) of a
    ``sobol`` design with ``n`` base samples over the parameters ``names``.
    """
    d = len(names)
    ordered = summary.sort_values("point")
    rows = []
    for metric in metrics:
        y = ordered[f"{metric}_mean"].to_numpy(float)
        rng = np.random.default_rng(np.random.SeedSequence([seed, BOOTSTRAP_TAG, CANONICAL.index(metric)]))
        res = sobol_from_outputs(y, n, d, confidence_level=confidence_level, n_resamples=n_resamples, rng=rng)
        for i, name in enumerate(names):
            rows.append(
                {
                    "metric": metric,
                    "parameter": name,
                    "S1": res.first_order[i],
                    "S1_ci_low": res.first_order_low[i],
                    "S1_ci_high": res.first_order_high[i],
                    "ST": res.total_order[i],
                    "ST_ci_low": res.total_order_low[i],
                    "ST_ci_high": res.total_order_high[i],
                    "n": n,
                    "note": res.note or _row_note(n, _row_width(res, i)),
                }
            )
    return pd.DataFrame(rows)


def _row_width(res: SobolIndices, i: int) -> float:
    """The wider of parameter ``i``'s two intervals (NaN when neither is finite)."""
    widths = [res.first_order_high[i] - res.first_order_low[i], res.total_order_high[i] - res.total_order_low[i]]
    finite = [w for w in widths if np.isfinite(w)]
    return max(finite) if finite else float("nan")


def _row_note(n: int, width: float) -> str:
    notes = []
    if n < MIN_RELIABLE_N:
        notes.append(f"n={n} < {MIN_RELIABLE_N}: intervals unreliable")
    if np.isfinite(width) and width > MAX_CI_WIDTH:
        notes.append(f"interval wider than {MAX_CI_WIDTH:g}: too few samples")
    return "; ".join(notes)


def _widths(table: pd.DataFrame) -> np.ndarray:
    return np.concatenate(
        [
            (table["S1_ci_high"] - table["S1_ci_low"]).to_numpy(float),
            (table["ST_ci_high"] - table["ST_ci_low"]).to_numpy(float),
        ]
    )


def small_design_warning(table: pd.DataFrame, n: int) -> str | None:
    """What to say when a design of ``n`` base samples is too small for its indices, or None.

    The rule: Saltelli's estimators need many base samples, commonly 500 to 1000 (their error
    falls as 1/sqrt(N)); a design is called too small when an index's 95% interval is wider than
    :data:`MAX_CI_WIDTH` (an index lives in [0, 1], so such an interval says nothing), or when
    ``n`` is under :data:`MIN_RELIABLE_N`, where the bootstrap intervals themselves cannot be
    trusted. A design of 64 base samples with tight intervals is left alone.
    """
    widths = _widths(table)
    finite = widths[np.isfinite(widths)]
    wide = int((finite > MAX_CI_WIDTH).sum())
    if n >= MIN_RELIABLE_N and not wide:
        return None
    if wide:
        worst = int(np.nanargmax(np.where(np.isfinite(widths), widths, -np.inf)))
        row = table.iloc[worst % len(table)]
        key = "S1" if worst < len(table) else "ST"
        why = (
            f"{wide} of {widths.size} index intervals are wider than {MAX_CI_WIDTH:g} (widest: {key} of "
            f"{row['parameter']} on {row['metric']}, [{row[f'{key}_ci_low']:.3g}, {row[f'{key}_ci_high']:.3g}]), "
            "so those indices say nothing"
        )
    else:
        why = f"with fewer than {MIN_RELIABLE_N} base samples the bootstrap intervals are unreliable"
    option = labels.label("samples")
    return (
        f"{option} {n} is too few base samples for stable Sobol indices: {why}. Saltelli's estimators are "
        f"commonly run with 500 to 1000 base samples; run again with {option} {RECOMMENDED_N} or more "
        "(the runs grow in proportion)"
    )


def format_sensitivity(table: pd.DataFrame) -> str:
    """The indices as a readable table: per metric and parameter, S1 and ST with CIs."""

    def cell(v: float, lo: float, hi: float) -> str:
        if not np.isfinite(v):
            return f"{'n/a':>24}"
        return f"{v:6.2f} [{lo:6.2f}, {hi:6.2f}]"

    width = max(len(p) for p in table["parameter"]) if len(table) else 10
    lines = [f"{'metric':28} {'parameter':{width}}  {'S1 first order [95% CI]':>24}  {'ST total [95% CI]':>24}"]
    for r in table.itertuples():
        lines.append(
            f"{r.metric:28} {r.parameter:{width}}  {cell(r.S1, r.S1_ci_low, r.S1_ci_high):>24}  "
            f"{cell(r.ST, r.ST_ci_low, r.ST_ci_high):>24}"
        )
    return "\n".join(lines)


def plot_sensitivity(table: pd.DataFrame, path: str | Path) -> Path:
    """Bars of S1 and ST with their CIs, one panel per metric; saved with the Agg backend."""
    from matplotlib.figure import Figure  # deferred: a sweep without charts never loads matplotlib

    metrics = list(dict.fromkeys(table["metric"]))
    params = list(dict.fromkeys(table["parameter"]))
    cols = min(4, len(metrics))
    rows = -(-len(metrics) // cols)
    fig = Figure(figsize=(4.2 * cols, 0.5 + (1.2 + 0.35 * len(params)) * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    y = np.arange(len(params))
    h = 0.38
    for k, metric in enumerate(metrics):
        ax = axes[k // cols][k % cols]
        sub = table[table["metric"] == metric].set_index("parameter").reindex(params)
        for off, key, colour, label in (
            (-h / 2, "S1", "tab:blue", "first order"),
            (h / 2, "ST", "tab:orange", "total"),
        ):
            v = sub[key].to_numpy(float)
            lo = np.clip(v - sub[f"{key}_ci_low"].to_numpy(float), 0, None)
            hi = np.clip(sub[f"{key}_ci_high"].to_numpy(float) - v, 0, None)
            err = np.where(np.isfinite(lo) & np.isfinite(hi), np.vstack([lo, hi]), 0)
            ax.barh(y + off, np.nan_to_num(v), h, xerr=err, color=colour, label=label, capsize=2)
        ax.set_yticks(y, params if k % cols == 0 else [""] * len(params), fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color="0.5", lw=0.6)
        ax.set_xlim(*XLIM)  # indices live in [0, 1]; wider intervals run off the panel
        ax.set_title(metric, fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    for k in range(len(metrics), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    axes[0][0].legend(fontsize=7, loc="lower right")
    fig.suptitle("Sobol' sensitivity indices (95% bootstrap CI)", fontsize=11)
    path = Path(path)
    fig.savefig(path, dpi=110)
    return path
