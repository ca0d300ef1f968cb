"""Validation: run each published target (T1-T7, T1x, T2x, C) in its stated setting and compare.

Each target is measured in steady state (one warm-up year with the policy in force, then a
counted year) over independent replications, on an org large enough that the ramp (T7) has
hires to measure and the cross-section (T1x, T2x) has teams enough in each coaching group
(its groups are made of whole teams, so a small org measures them from few managers). The
report gives the model value with a 95% confidence interval, whether
the mean falls in the published range, and which free parameters each target is most
sensitive to (a one-at-a-time screen with common random numbers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.calibration import FREE, TARGETS, Target
from analysis.runner import RunResult, map_ordered, replication_seeds, run_one
from analysis.stats import mean_ci
from sim import params as registry

__all__ = ["VALIDATION_REPS", "ValidationResult", "sensitivity_screen", "validate"]

#: Org size of a validation run (reps): about 190 teams, so that a coaching group of a few
#: percent of the reps is still made of many managers.
VALIDATION_REPS = 1536
#: Org size of the sensitivity screen's runs (reps): the screen compares runs on common random
#: numbers, so a smaller org measures its differences well enough, at a third of the cost.
SCREEN_REPS = 512
#: Relative change of each free parameter in the sensitivity screen.
SCREEN_STEP = 0.1


def _setting(base: Mapping[str, Any], target: Target, reps: int | None) -> dict[str, Any]:
    values = {**base, "sim.weeks": 52, **target.setting}  # warm-up: the registry's steady state unless set
    if reps is not None and not values.get("org.roster"):
        values["org.reps"] = reps
    return values


def _task(task: tuple[dict[str, Any], int, int]) -> RunResult:
    values, seed, replication = task
    return run_one(values, seed, replication, detail=False)


def _value(run: RunResult, metric: str) -> float:
    return run.diagnostics[metric] if metric in run.diagnostics else run.metrics[metric]


def _measure(
    base: Mapping[str, Any],
    targets: Sequence[Target],
    replications: int,
    seed: int,
    workers: int | None,
    reps: int | None,
    progress: bool | None,
    desc: str,
) -> dict[str, np.ndarray]:
    """Per target, its value in each replication (settings shared by targets are run once)."""
    settings: dict[tuple, dict[str, Any]] = {}
    for t in targets:
        settings.setdefault(tuple(sorted(t.setting.items())), _setting(base, t, reps))
    keys = list(settings)
    seeds = replication_seeds(seed, replications)
    tasks = [(settings[k], s, i) for k in keys for i, s in enumerate(seeds)]
    runs = map_ordered(_task, tasks, workers, progress, desc=desc)
    by_key = {k: runs[j * replications : (j + 1) * replications] for j, k in enumerate(keys)}
    return {t.id: np.array([_value(r, t.metric) for r in by_key[tuple(sorted(t.setting.items()))]]) for t in targets}


@dataclass
class ValidationResult:
    """The validation table, and the sensitivity screen if one was run."""

    table: pd.DataFrame
    sensitivity: pd.DataFrame | None
    replications: int
    seed: int
    reps: int | None

    @property
    def passed(self) -> bool:
        """True when every target's model value falls in its published range."""
        return bool(self.table["passed"].all())

    def text(self) -> str:
        """The table as readable text, with the most sensitive parameters per target."""
        lines = [f"{'target':44} {'expected':>13} {'model':>7} {'95% CI':>17}  pass", ""]
        for row in self.table.itertuples():
            ci = f"[{row.ci_low:.3f}, {row.ci_high:.3f}]"
            verdict = "PASS" if row.passed else "FAIL"
            expected = f"{row.expected_low:6.2f}-{row.expected_high:<6.2f}"
            lines.append(f"{row.target[:44]:44} {expected} {row.value:7.3f} {ci:>17}  {verdict}")
            lines.append(f"    source: {row.source}")
            if self.sensitivity is not None:
                top = most_sensitive(self.sensitivity, row.target.split(":")[0])
                if top:
                    lines.append(f"    most sensitive to: {top}")
        return "\n".join(lines)

    def write(self, out: str | Path) -> Path:
        """Write validation.csv (and sensitivity.csv) into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.table.to_csv(out / "validation.csv", index=False)
        if self.sensitivity is not None:
            self.sensitivity.to_csv(out / "sensitivity.csv", index=False)
        return out


def most_sensitive(sensitivity: pd.DataFrame, target_id: str, top: int = 3) -> str:
    """The parameters with the largest elasticity for one target, as text."""
    df = sensitivity[sensitivity["target"] == target_id].copy()
    df = df[np.isfinite(df["elasticity"])]
    df = df.reindex(df["elasticity"].abs().sort_values(ascending=False).index).head(top)
    return ", ".join(f"{r.parameter} ({r.elasticity:+.2f})" for r in df.itertuples())


def validate(
    values: Mapping[str, Any] | None = None,
    replications: int = 8,
    seed: int = 0,
    workers: int | None = None,
    reps: int | None = VALIDATION_REPS,
    targets: Sequence[Target] = TARGETS,
    screen: bool = True,
    screen_replications: int = 4,
    progress: bool | None = None,
    screen_reps: int | None = SCREEN_REPS,
) -> ValidationResult:
    """Run every target on ``values`` (dotted names; defaults where left out) and compare with the ranges.

    ``reps`` is the org size of the validation runs and ``screen_reps`` that of the sensitivity
    screen's (both ignored for a roster org).
    """
    base = dict(values or {})
    measured = _measure(base, targets, replications, seed, workers, reps, progress, "validate")
    rows = []
    for t in targets:
        s = mean_ci(measured[t.id])
        rows.append(
            {
                "target": f"{t.id}: {t.fact}",
                "source": t.source,
                "expected_low": t.low,
                "expected_high": t.high,
                "value": s.mean,
                "ci_low": s.ci_low,
                "ci_high": s.ci_high,
                "passed": bool(np.isfinite(s.mean) and t.low <= s.mean <= t.high),
            }
        )
    table = pd.DataFrame(rows)
    screen_size = screen_reps if reps is not None else None
    sens = (
        sensitivity_screen(base, targets, screen_replications, seed, workers, screen_size, progress) if screen else None
    )
    return ValidationResult(table, sens, replications, seed, reps)


def sensitivity_screen(
    values: Mapping[str, Any] | None = None,
    targets: Sequence[Target] = TARGETS,
    replications: int = 4,
    seed: int = 0,
    workers: int | None = None,
    reps: int | None = VALIDATION_REPS,
    progress: bool | None = None,
    parameters: Sequence[str] = tuple(FREE),
) -> pd.DataFrame:
    """One-at-a-time screen: each parameter moved +-10%, the elasticity of each target.

    Elasticity = (relative change of the target) / (relative change of the parameter), from a
    central difference with common random numbers, so the noise largely cancels.
    """
    base = {**registry.defaults(), **(values or {})}
    rows = []
    for name in parameters:
        x = float(base[name])
        param = registry.by_name(name)
        lo, hi = x * (1 - SCREEN_STEP), x * (1 + SCREEN_STEP)
        lo = max(lo, param.low) if param.low is not None else lo
        hi = min(hi, param.high) if param.high is not None else hi
        if param.kind is int:
            lo, hi = int(np.floor(lo)), int(np.ceil(hi))
        down = _measure({**base, name: lo}, targets, replications, seed, workers, reps, progress, f"screen {name}")
        up = _measure({**base, name: hi}, targets, replications, seed, workers, reps, progress, f"screen {name}")
        for t in targets:
            a, b = float(np.nanmean(down[t.id])), float(np.nanmean(up[t.id]))
            mid = (a + b) / 2
            rel_param = (hi - lo) / x if x else float("nan")
            elasticity = ((b - a) / mid) / rel_param if mid and rel_param else float("nan")
            rows.append(
                {
                    "target": t.id,
                    "parameter": name,
                    "low": lo,
                    "high": hi,
                    "value_low": a,
                    "value_high": b,
                    "elasticity": elasticity,
                }
            )
    return pd.DataFrame(rows)
