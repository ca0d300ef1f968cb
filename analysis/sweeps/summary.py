"""A sweep's result and its summary: per point, ``n`` and each metric's mean with its 95% interval.

``summary.csv`` holds, per point, its parameters, ``n`` and each metric's mean and 95% t interval
across replications (``METRIC_mean``, ``METRIC_ci_low``, ``METRIC_ci_high``), computed in one
streaming pass so memory does not grow with the number of runs; :func:`format_report` is the
text a finished sweep prints.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.common.stats import bounded_interval, bounds_of
from analysis.sweeps.samplers import Design
from analysis.sweeps.sensitivity import format_sensitivity
from analysis.sweeps.spec import SweepSpec
from analysis.sweeps.store import RunStore
from sim.metrics import CANONICAL

__all__ = ["SUMMARY_FILE", "SweepResult", "format_report", "summarise"]


SUMMARY_FILE = "summary.csv"


# ============================================================================== running
@dataclass
class SweepResult:
    """What a sweep did and where it put its results."""

    out: Path
    spec: SweepSpec
    points: int
    total: int
    already_done: int
    ran: int
    seconds: float
    executor: str
    files: list[str] = field(default_factory=list)
    sensitivity: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every (point, replication) is stored."""
        return self.already_done + self.ran >= self.total

    @property
    def rate(self) -> float:
        """Runs per second in this session."""
        return self.ran / self.seconds if self.seconds > 0 else float("nan")

    def runs(self) -> pd.DataFrame:
        """The tidy table of every stored run."""
        return RunStore(self.out, self.spec.names).read()

    def summary(self) -> pd.DataFrame:
        """``summary.csv`` as a table."""
        return pd.read_csv(self.out / SUMMARY_FILE)


# ============================================================================== summary
def summarise(store: RunStore, design: Design, replications: int, level: float = 0.95) -> pd.DataFrame:
    """Per point: parameters, ``n`` (runs stored) and each metric's mean and t confidence interval.

    One pass over the stored runs, batch by batch, placing each value at its (point,
    replication) cell of one array per metric: 8 bytes per run and metric (under 1 MB for
    10,000 runs), none of the runs' other columns, and a result that does not depend on the
    order in which runs were stored. Non-finite values are left out, as
    :func:`analysis.common.stats.mean_ci` does; with one value the interval is NaN. A share's interval
    is :func:`analysis.common.stats.bounded_interval`'s, within [0, 1], as ``mean_ci`` gives it.
    """
    n_points = design.size
    seen = np.zeros((n_points, replications), bool)
    cells = np.full((len(CANONICAL), n_points, replications), np.nan)
    for batch in store.batches(["point", "replication", *CANONICAL]):
        p = batch.column(0).to_numpy()
        r = batch.column(1).to_numpy()
        ok = (p >= 0) & (p < n_points) & (r >= 0) & (r < replications)
        p, r = p[ok], r[ok]
        seen[p, r] = True
        for j in range(len(CANONICAL)):
            cells[j, p, r] = batch.column(2 + j).to_numpy(zero_copy_only=False)[ok]
    frame = design.frame()
    frame["n"] = seen.sum(axis=1)
    for j, m in enumerate(CANONICAL):
        x = np.where(np.isfinite(cells[j]), cells[j], np.nan)
        n = np.isfinite(x).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(x, axis=1)
            sd = np.nanstd(x, axis=1, ddof=1)
            half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
        half = np.where(n > 1, np.where(sd == 0, 0.0, half), np.nan)
        frame[f"{m}_mean"] = np.where(n > 0, mean, np.nan)
        if bounds_of(m) is not None:  # a share: the interval that stays within [0, 1]
            with np.errstate(invalid="ignore", divide="ignore"):
                low, high = bounded_interval(mean, sd / np.sqrt(n), n, level, bounds_of(m))
            frame[f"{m}_ci_low"], frame[f"{m}_ci_high"] = low, high
        else:
            frame[f"{m}_ci_low"] = frame[f"{m}_mean"] - half
            frame[f"{m}_ci_high"] = frame[f"{m}_mean"] + half
    return frame


def format_report(result: SweepResult) -> str:
    """A few lines on what the sweep did and wrote, and (sobol) its sensitivity indices."""
    spec = result.spec
    seeds = "common random numbers" if spec.seeds == "common" else "independent seeds"
    lines = [
        f"sweep of {spec.scenario.name}: {result.points:,} points x {spec.replications} replications = "
        f"{result.total:,} runs ({spec.sampler}, seed {spec.seed}, {seeds})",
        f"varied: {', '.join(f'{d.name}={d.text}' for d in spec.dims)}",
    ]
    if result.ran:
        lines.append(
            f"ran {result.ran:,} runs in {result.seconds:.1f} s ({result.rate:.1f} runs/s) on {result.executor}"
            + (f"; {result.already_done:,} were already done" if result.already_done else "")
        )
    else:
        lines.append(f"nothing to run: all {result.already_done:,} runs were already done")
    if result.sensitivity is not None and len(result.sensitivity):
        lines += ["", format_sensitivity(result.sensitivity)]
    lines += [f"note: {n}" for n in result.notes]
    lines.append(f"\nwrote {result.out}/: {', '.join(result.files)}")
    return "\n".join(lines)
