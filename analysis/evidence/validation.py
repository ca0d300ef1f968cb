"""Validation: run each published target (T1-T7, T1x, T2x, C, D) in its stated setting and compare.

Each target is measured in steady state (one warm-up year with the policy in force, then a
counted year) over independent replications, on an org large enough that the ramp (T7) has
hires to measure and the cross-section (T1x, T2x) has teams enough in each coaching group
(its groups are made of whole teams, so a small org measures them from few managers). The
report gives the model value with a 95% confidence interval (for the dose-response's
curvature D, read off the means of four policies, a bootstrap over the replications), whether
the mean falls in the published range, and which free parameters each target is most
sensitive to (a one-at-a-time screen with common random numbers), as elasticities: the percent
change of the target's value for a one percent change of the parameter.

The validation runs and the screen's run as one job, on one executor (by default one pool of
worker processes, started once, forked on Linux) behind one progress bar: a pool per step of the
screen cost more in start-up than the step's runs gained from it. By default a job of a few
seconds runs in this process; ``executor=`` or ``scheduler=`` run it elsewhere
(:mod:`analysis.runs.executors`), with the same results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from analysis.common.stats import MeanCI, bounds_of, mean_ci
from analysis.evidence.calibration import FREE
from analysis.evidence.targets import TARGETS, Target, paired, runs_of
from analysis.runs.executors import ExecutorChoice, executor_for, usable_cores
from analysis.runs.runner import kept_job, map_ordered, replication_seeds, run_one
from sim import params as registry

__all__ = ["ELASTICITY", "VALIDATION_FILES", "VALIDATION_REPS", "ValidationResult", "sensitivity_screen", "validate"]

#: Org size of a validation run (reps): about 190 teams, so that a coaching group of a few
#: percent of the reps is still made of many managers.
VALIDATION_REPS = 1536
#: Org size of the sensitivity screen's runs (reps): the screen compares runs on common random
#: numbers, so a smaller org measures its differences well enough, at a third of the cost.
SCREEN_REPS = 512
#: Relative change of each free parameter in the sensitivity screen.
SCREEN_STEP = 0.1
#: A job estimated (:mod:`analysis.common.limits`) to take less than this on one core runs in this process
#: by default: starting worker processes (a second or more each where they are spawned, not
#: forked) would cost more than they save.
IN_PROCESS_SECONDS = 5.0
#: Resamples, and their fixed seed, of the bootstrap interval of a property of several settings (D).
BOOTSTRAP = 2000
BOOTSTRAP_SEED = 20261202

#: What the screen's figures are, in the words the table and the output files use.
ELASTICITY_TEXT = "elasticity: the % change of the target for a 1% rise of the parameter"
ELASTICITY = (
    f"{ELASTICITY_TEXT[0].upper()}{ELASTICITY_TEXT[1:]} (relative change of the target divided by "
    f"relative change of the parameter, a central difference over the parameter's value -{SCREEN_STEP:.0%} "
    f"and +{SCREEN_STEP:.0%} on common random numbers). +1: the target moves in proportion; 0: no effect; "
    "negative: the target falls as the parameter rises."
)
#: The columns of the files ``validate`` writes, as ``validation.json`` describes them.
VALIDATION_COLUMNS = {
    "target": "the target's id and the published fact it checks",
    "source": "where the published figure comes from",
    "expected_low": "lower end of the published range",
    "expected_high": "upper end of the published range",
    "value": "the model's value: mean over the replications",
    "ci_low": "lower end of the 95% confidence interval of the mean",
    "ci_high": "upper end of the 95% confidence interval of the mean",
    "passed": "true when the model's value lies in the published range",
}
SENSITIVITY_COLUMNS = {
    "target": "the target's id",
    "parameter": "the free parameter moved",
    "low": "the parameter's value below its value",
    "high": "the parameter's value above its value",
    "value_low": "the target's mean value with the parameter at low",
    "value_high": "the target's mean value with the parameter at high",
    "elasticity": ELASTICITY,
}
#: The files ``validate`` writes (sensitivity.csv only with the screen).
VALIDATION_FILES = ("validation.csv", "validation.json", "sensitivity.csv")


def _setting(base: Mapping[str, Any], setting: Mapping[str, Any], reps: int | None) -> dict[str, Any]:
    values = {**base, "sim.weeks": 52, **setting}  # warm-up: the registry's steady state unless set
    if reps is not None and not values.get("org.roster"):
        values["org.reps"] = reps
    return values


def _task(task: tuple[dict[str, Any], int, int]) -> dict[str, float]:
    """One run (in a worker): every metric and diagnostic, a few numbers to send back, not the run's tables."""
    values, seed, replication = task
    run = run_one(values, seed, replication, detail=False)
    return {**run.metrics, **run.diagnostics}


def _key(setting: Mapping[str, Any]) -> tuple:
    return tuple(sorted(setting.items()))


@dataclass(frozen=True)
class _Batch:
    """The runs that measure ``targets`` on one set of values: each distinct setting, replicated
    (``counts`` times, in the order of ``keys``; the typical org more often, :func:`runs_of`)."""

    targets: tuple[Target, ...]
    keys: tuple[tuple, ...]
    counts: tuple[int, ...]
    tasks: tuple[tuple[dict[str, Any], int, int], ...]

    def runs(self, results: Sequence[Mapping[str, float]]) -> dict[str, list[Sequence[Mapping[str, float]]]]:
        """Per target, the replications' results of each of its settings, from this batch's ``results``."""
        ends = np.cumsum(self.counts)
        by_key = {k: results[end - n : end] for k, n, end in zip(self.keys, self.counts, ends, strict=True)}
        return {t.id: [by_key[_key(s)] for s in t.settings] for t in self.targets}


@dataclass(frozen=True)
class _Step:
    """One parameter of the screen: its value, the values below and above, and the runs at each."""

    parameter: str
    value: float
    low: float
    high: float
    down: _Batch
    up: _Batch


def _batch(
    base: Mapping[str, Any],
    targets: Sequence[Target],
    replications: int,
    seed: int,
    reps: int | None,
    typical_runs: bool = True,
) -> _Batch:
    """The runs of every target (settings shared by targets are run once), ``replications`` of each
    setting, of the typical org more when ``typical_runs`` (:func:`runs_of`). Replication i has the
    same seed in every setting (common random numbers)."""
    settings: dict[tuple, dict[str, Any]] = {}
    counts: dict[tuple, int] = {}
    for t in targets:
        for setting in t.settings:
            settings.setdefault(_key(setting), _setting(base, setting, reps))
            counts[_key(setting)] = runs_of(setting, replications) if typical_runs else replications
    seeds = replication_seeds(seed, max(counts.values()))
    tasks = tuple((values, s, i) for k, values in settings.items() for i, s in enumerate(seeds[: counts[k]]))
    return _Batch(tuple(targets), tuple(settings), tuple(counts.values()), tasks)


def _job_seconds(batches: Sequence[_Batch]) -> float:
    """Rough seconds the batches take on one worker (:mod:`analysis.common.limits`'s estimate)."""
    seconds = 0.0
    for b in batches:
        starts = np.cumsum((0, *b.counts[:-1]))
        for start, n in zip(starts, b.counts, strict=True):
            full = registry.resolve(b.tasks[start][0])
            seconds += kept_job("validate", n, full, 1).seconds
    return seconds


def _workers(workers: int | None, batches: Sequence[_Batch]) -> int:
    """The processes to use: ``workers`` if given; by default every core, or this process for a small job."""
    if workers is not None:
        return workers
    tasks = sum(len(b.tasks) for b in batches)
    if _job_seconds(batches) < IN_PROCESS_SECONDS:
        return 1
    return max(1, min(usable_cores(), tasks))


def _run(
    batches: Sequence[_Batch],
    workers: int | None,
    progress: bool | None,
    desc: str,
    executor: ExecutorChoice = None,
    scheduler: str | None = None,
) -> list[list[Mapping[str, float]]]:
    """Every batch's runs as one job: one executor and one progress bar; results per batch."""
    tasks = [task for b in batches for task in b.tasks]
    if executor is None and scheduler is None:
        workers = _workers(workers, batches)
    with executor_for(executor, workers, scheduler, tasks=len(tasks)) as ex:
        results = map_ordered(_task, tasks, ex, progress, desc=desc)
    out, at = [], 0
    for b in batches:
        out.append(results[at : at + len(b.tasks)])
        at += len(b.tasks)
    return out


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
        """The table as readable text: per target its figures, then its whole name, source and elasticities."""
        lines = [f"{'target':6} {'expected':>13} {'model':>7} {'95% CI':>17}  pass"]
        if self.sensitivity is not None:
            lines += ["", f"most sensitive to: the free parameters with the largest {ELASTICITY_TEXT}"]
        for row in self.table.itertuples():
            target_id, _, fact = row.target.partition(": ")
            ci = f"[{row.ci_low:.3f}, {row.ci_high:.3f}]"
            verdict = "PASS" if row.passed else "FAIL"
            expected = f"{row.expected_low:6.2f}-{row.expected_high:<6.2f}"
            lines += ["", f"{target_id:6} {expected} {row.value:7.3f} {ci:>17}  {verdict}", f"    {fact}"]
            lines.append(f"    source: {row.source}")
            if self.sensitivity is not None:
                top = most_sensitive(self.sensitivity, target_id)
                if top:
                    lines.append(f"    most sensitive to (elasticity): {top}")
        return "\n".join(lines)

    def write(self, out: str | Path) -> Path:
        """Write validation.csv, validation.json (what each column means) and sensitivity.csv into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.table.to_csv(out / "validation.csv", index=False)
        files = {"validation.csv": VALIDATION_COLUMNS}
        if self.sensitivity is not None:
            self.sensitivity.to_csv(out / "sensitivity.csv", index=False)
            files["sensitivity.csv"] = SENSITIVITY_COLUMNS
        meta = {
            "coachsim_version": sim.__version__,
            "replications": self.replications,
            "seed": self.seed,
            "reps": self.reps,
            "elasticity": ELASTICITY,
            "columns": files,
        }
        (out / "validation.json").write_text(json.dumps(meta, indent=2) + "\n")
        return out


def most_sensitive(sensitivity: pd.DataFrame, target_id: str, top: int = 3) -> str:
    """The parameters with the largest elasticity (in size) for one target, as text: ``name (+0.52)``."""
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
    *,
    executor: ExecutorChoice = None,
    scheduler: str | None = None,
) -> ValidationResult:
    """Run every target on ``values`` (dotted names; defaults where left out) and compare with the ranges.

    ``reps`` is the org size of the validation runs and ``screen_reps`` that of the sensitivity
    screen's (both ignored for a roster org). The validation runs and the screen's run as one job:
    one pool of ``workers`` processes (default: every core, or this process when the whole job
    would take a few seconds) and one progress bar (shown when ``progress``, by default when
    stderr is a terminal). ``executor`` (an executor of :mod:`analysis.runs.executors` or any
    ``concurrent.futures`` pool, left open) or ``scheduler`` (a Dask scheduler's address) run it
    elsewhere. The results do not depend on where the runs run.
    """
    base = dict(values or {})
    batches = [_batch(base, targets, replications, seed, reps)]
    steps = []
    if screen:
        steps = _screen_steps(base, targets, screen_replications, seed, screen_reps if reps is not None else None)
        batches += [b for step in steps for b in (step.down, step.up)]
    results = _run(batches, workers, progress, "validate", executor, scheduler)
    measured = batches[0].runs(results[0])
    rows = []
    for t in targets:
        s = _summary(t, measured[t.id])
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
    sens = _screen_table(steps, results[1:], targets) if screen else None
    return ValidationResult(table, sens, replications, seed, reps)


def _summary(target: Target, runs: Sequence[Sequence[Mapping[str, float]]]) -> MeanCI:
    """A target's value with its 95% interval: over the replications of its setting, or for a
    property of several settings (the dose-response's D) a percentile bootstrap over the
    replications, resampled together across the settings (common random numbers pair them)."""
    if not target.doses:
        return mean_ci([r[target.metric] for r in runs[0]], bounds=bounds_of(target.metric))
    runs = paired(runs)
    n = len(runs[0])
    value = target.value(runs)
    if n < 2:
        return MeanCI(value, float("nan"), float("nan"), float("nan"), n)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = [target.value([[rs[i] for i in idx] for rs in runs]) for idx in rng.integers(0, n, (BOOTSTRAP, n))]
    low, high = np.quantile(draws, [0.025, 0.975])
    return MeanCI(value, float(np.std(draws, ddof=1)), float(low), float(high), n)


def sensitivity_screen(
    values: Mapping[str, Any] | None = None,
    targets: Sequence[Target] = TARGETS,
    replications: int = 4,
    seed: int = 0,
    workers: int | None = None,
    reps: int | None = VALIDATION_REPS,
    progress: bool | None = None,
    parameters: Sequence[str] = tuple(FREE),
    *,
    executor: ExecutorChoice = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """One-at-a-time screen: each parameter moved +-10%, the elasticity of each target.

    Elasticity = (relative change of the target) / (relative change of the parameter), from a
    central difference with common random numbers, so the noise largely cancels: +0.5 means the
    target rises about 0.5% for a 1% rise of the parameter. Every step's runs are one job (one
    executor, one progress bar); ``executor`` and ``scheduler`` are as for :func:`validate`.
    """
    steps = _screen_steps(values or {}, targets, replications, seed, reps, parameters)
    batches = [b for step in steps for b in (step.down, step.up)]
    results = _run(batches, workers, progress, "sensitivity screen", executor, scheduler)
    return _screen_table(steps, results, targets)


def _screen_steps(
    values: Mapping[str, Any],
    targets: Sequence[Target],
    replications: int,
    seed: int,
    reps: int | None,
    parameters: Sequence[str] = tuple(FREE),
) -> list[_Step]:
    """Per parameter: its value, its low and high values, and the batches of runs at each."""
    base = {**registry.defaults(), **values}
    steps = []
    for name in parameters:
        x = float(base[name])
        param = registry.by_name(name)
        lo, hi = x * (1 - SCREEN_STEP), x * (1 + SCREEN_STEP)
        lo = max(lo, param.low) if param.low is not None else lo
        hi = min(hi, param.high) if param.high is not None else hi
        if param.kind is int:
            lo, hi = int(np.floor(lo)), int(np.ceil(hi))
        # the screen's differences have common random numbers: the typical org needs no extra runs
        down = _batch({**base, name: lo}, targets, replications, seed, reps, typical_runs=False)
        up = _batch({**base, name: hi}, targets, replications, seed, reps, typical_runs=False)
        steps.append(_Step(name, x, lo, hi, down, up))
    return steps


def _screen_table(
    steps: Sequence[_Step],
    results: Sequence[Sequence[Mapping[str, float]]],
    targets: Sequence[Target],
) -> pd.DataFrame:
    """The screen's rows (target, parameter, low, high, value_low, value_high, elasticity) from its runs."""
    rows = []
    for k, step in enumerate(steps):
        name, x, lo, hi = step.parameter, step.value, step.low, step.high
        down, up = step.down.runs(results[2 * k]), step.up.runs(results[2 * k + 1])
        for t in targets:
            a, b = t.value(down[t.id]), t.value(up[t.id])  # NaN where no run has a value (no hires to ramp)
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
