"""Replicated runs of one scenario: seeds, parallel execution, summaries and output files.

Replication ``i`` of a run with seed ``S`` uses the ``i``-th child of
``numpy.random.SeedSequence(S)``, so replications are independent streams, a seed fixes every
result whatever the number of workers, and scenarios run with the same seed share their
random numbers replication by replication (common random numbers).

The replications run on an executor (:mod:`analysis.runs.executors`): by default local processes
that end with the command; ``executor=`` takes any other, a ``concurrent.futures`` pool included,
and ``scheduler=`` a Dask cluster. The results are the same on every one. An interrupt (Ctrl-C,
SIGTERM) stops them at once and raises :class:`Interrupted`, which holds the runs that had
finished: ``run`` writes those, marked partial in ``run.json``. Output files
are written whole into a folder claimed for the command (:mod:`analysis.common.outputs`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

import sim
from analysis.common import horizon
from analysis.common.limits import Job, check_job
from analysis.common.outputs import claim, publish
from analysis.common.stats import bounds_of, mean_ci
from analysis.runs.executors import Executor, ExecutorChoice, as_executor, executor_for, usable_cores
from sim.mesa_compat import release
from sim.metrics import CANONICAL, METRICS
from sim.model import SalesOrgModel
from sim.roster import load_roster
from sim.scenario import Scenario

__all__ = [
    "RUN_FILES",
    "Interrupted",
    "Replications",
    "RunResult",
    "format_summary",
    "map_ordered",
    "release",
    "replicate",
    "replication_seeds",
    "run_one",
]

T = TypeVar("T")
R = TypeVar("R")

#: The files ``Replications.write`` writes.
RUN_FILES = ("summary.csv", "timeseries.parquet", "reps.parquet", "managers.parquet", "hours.csv", "run.json")


class Interrupted(KeyboardInterrupt):
    """Work stopped by an interrupt; ``finished`` holds what had completed (of ``total`` items)."""

    def __init__(self, finished: Any, total: int):
        super().__init__()
        self.finished = finished
        self.total = total


def replication_seeds(seed: int, n: int) -> list[int]:
    """The model seed of each of ``n`` replications: independent SeedSequence children."""
    return [int(child.generate_state(1, np.uint64)[0]) for child in np.random.SeedSequence(seed).spawn(n)]


@dataclass
class RunResult:
    """One replication: its seed, its metrics, and the tables it produced."""

    replication: int
    seed: int
    metrics: dict[str, float]
    timeseries: pd.DataFrame
    diagnostics: dict[str, float] = field(default_factory=dict)
    reps: pd.DataFrame | None = None
    managers: pd.DataFrame | None = None
    hours: pd.DataFrame | None = None


def run_one(values: dict[str, Any], seed: int, replication: int = 0, detail: bool = True) -> RunResult:
    """Run the model once with parameter ``values`` (dotted names) and model ``seed``."""
    model = SalesOrgModel(seed=seed, params=values)
    try:
        return _results(model, seed, replication, detail)
    finally:
        release(model)


def _results(model: SalesOrgModel, seed: int, replication: int, detail: bool) -> RunResult:
    model.run_model()
    ts = model.datacollector.get_model_vars_dataframe().iloc[model.p.sim.warmup_weeks + 1 :]
    ts = ts.reset_index(drop=True)
    ts.insert(0, "week", np.arange(1, len(ts) + 1))
    ts.insert(0, "seed", _seed_column(seed, len(ts)))
    ts.insert(0, "replication", replication)
    diagnostics = {"ramp_months": model.ledger.ramp_months(), **model.ledger.cross_section()}
    result = RunResult(replication, seed, model.metrics(), ts, diagnostics)
    if detail:
        tag = {"replication": replication, "seed": np.uint64(seed)}
        result.reps = model.rep_table().assign(**tag)
        result.managers = model.manager_table().assign(**tag)
        result.hours = model.hours_by_activity().assign(**tag)
    return result


def _seed_column(seed: int, n: int) -> np.ndarray:
    """A seed column as uint64, whatever the seed's size.

    Seeds are uint64 words, about half of them above ``2**63``: a Python int column of them is
    int64 or uint64 depending on the seed, and pandas joins the two as float64, which keeps 53
    bits and changes the seed. uint64 throughout keeps every digit.
    """
    return np.full(n, seed, dtype=np.uint64)


def _exact_seeds(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its ``seed`` column as uint64 (a table written with a seed must keep it whole)."""
    if "seed" in df.columns and df["seed"].dtype != np.uint64:
        if df["seed"].dtype.kind == "f":
            raise ValueError("the seed column is float64 and has lost digits; seeds must stay uint64")
        df = df.assign(seed=df["seed"].astype(np.uint64))
    return df


def _progress(total: int, desc: str, show: bool | None):
    if show is None:
        show = sys.stderr.isatty()
    return tqdm(total=total, desc=desc, disable=not show, unit="run", leave=False)


def map_ordered(
    func: Callable[[T], R],
    items: Sequence[T],
    executor: Executor | concurrent.futures.Executor,
    progress: bool | None = None,
    desc: str = "runs",
) -> list[R]:
    """Apply ``func`` to ``items`` on ``executor``; results come back in input order.

    ``executor`` is one of :mod:`analysis.runs.executors` or any ``concurrent.futures`` pool
    (build one with :func:`~analysis.runs.executors.executor_for`); it is started here and left
    open. Raises :class:`Interrupted` on an interrupt, with the finished results by index.
    """
    ex = as_executor(executor)
    results: dict[int, R] = {}
    ex.start()  # the workers fork before the progress bar starts its thread
    with _progress(len(items), desc, progress) as bar:
        tasks = ex.map_unordered(_Indexed(func), enumerate(items))
        try:
            with contextlib.closing(tasks):  # an interrupt cancels the tasks at once, not at garbage collection
                for i, result in tasks:
                    results[i] = result
                    bar.update()
        except KeyboardInterrupt as exc:
            raise Interrupted(results, len(items)) from exc
    return [results[i] for i in range(len(items))]


@dataclass(frozen=True)
class _Indexed:
    """``func`` applied to an (index, item) pair, keeping the index (picklable for the workers)."""

    func: Callable[[Any], Any]

    def __call__(self, pair: tuple[int, Any]) -> tuple[int, Any]:
        return pair[0], self.func(pair[1])


def _run_task(task: tuple[dict[str, Any], int, int, bool]) -> RunResult:
    values, seed, replication, detail = task
    return run_one(values, seed, replication, detail)


@dataclass
class Replications:
    """Replicated runs of one scenario, with summaries across replications."""

    scenario: Scenario
    seed: int
    runs: list[RunResult]
    command: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per replication: replication, seed and every canonical metric."""
        df = pd.DataFrame([r.metrics for r in self.runs])
        df.insert(0, "seed", np.array([r.seed for r in self.runs], dtype=np.uint64))
        df.insert(0, "replication", [r.replication for r in self.runs])
        return df

    def summary(self) -> pd.DataFrame:
        """Per canonical metric: mean, std, 95% CI and n across replications.

        The CI is Student's t, or for a share (``reps_at_quota`` and the other metrics between 0
        and 1) the Wilson-type interval of :func:`analysis.common.stats.bounded_interval`, within [0, 1].
        """
        df = self.metrics
        rows = []
        for name in CANONICAL:
            s = mean_ci(df[name].to_numpy(), bounds=bounds_of(name))
            rows.append(
                {"metric": name, "mean": s.mean, "std": s.std, "ci_low": s.ci_low, "ci_high": s.ci_high, "n": s.n}
            )
        return pd.DataFrame(rows)

    def timeseries(self) -> pd.DataFrame:
        """Tidy weekly series: replication, seed, week, one column per metric (year to date)."""
        return pd.concat([r.timeseries for r in self.runs], ignore_index=True)

    def _concat(self, attr: str) -> pd.DataFrame:
        frames = [getattr(r, attr) for r in self.runs if getattr(r, attr) is not None]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def rep_table(self) -> pd.DataFrame:
        """Every rep of every replication at the end of the run."""
        return self._concat("reps")

    def manager_table(self) -> pd.DataFrame:
        """Every manager seat of every replication at the end of the run."""
        return self._concat("managers")

    def hours(self) -> pd.DataFrame:
        """Counted hours by tier and activity: mean across replications."""
        df = self._concat("hours")
        if df.empty:
            return df
        return df.groupby(["tier", "activity"], sort=False)[["hours", "share"]].mean().reset_index()

    def write(self, out: str | os.PathLike[str]) -> Path:
        """Write summary.csv, timeseries.parquet, reps.parquet, managers.parquet, hours.csv, run.json.

        The folder is claimed for a run (it must not hold another command's output) and the files
        replace the previous ones whole: a failure leaves the folder as it was.
        """
        out = Path(out)
        with claim(out, "run", RUN_FILES):
            publish(out, self._write_files, stale=RUN_FILES)
        return out

    def _write_files(self, out: Path) -> None:
        warmup = int(self.scenario.values["sim.warmup_weeks"])
        self.summary().assign(counted_year=horizon.label(warmup)).to_csv(out / "summary.csv", index=False)
        _exact_seeds(self.timeseries()).to_parquet(out / "timeseries.parquet", index=False)
        reps = self.rep_table()
        if not reps.empty:
            _exact_seeds(reps).to_parquet(out / "reps.parquet", index=False)
            _exact_seeds(self.manager_table()).to_parquet(out / "managers.parquet", index=False)
            self.hours().to_csv(out / "hours.csv", index=False)
        meta = {
            "coachsim_version": sim.__version__,
            "scenario": self.scenario.name,
            "scenario_file": str(self.scenario.path) if self.scenario.path else None,
            "description": self.scenario.description,
            "overrides": dict(self.scenario.overrides),
            "parameters": self.scenario.values,
            "seed": self.seed,
            "replications": len(self.runs),
            "replication_seeds": [r.seed for r in self.runs],
            "command": self.command,
            "counted_year": horizon.sentence(warmup),
            "metrics": {
                m.name: {"unit": m.unit, "help": m.help, "label": m.label, "better": m.better} for m in METRICS
            },
            **self.extra,
        }
        (out / "run.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")


def replicate(
    scenario: Scenario,
    replications: int = 10,
    seed: int = 0,
    workers: int | None = None,
    progress: bool | None = None,
    detail: bool = True,
    *,
    executor: ExecutorChoice = None,
    scheduler: str | None = None,
) -> Replications:
    """Run ``replications`` independent replications of ``scenario`` in parallel.

    The replications run on ``executor`` (any of :func:`analysis.runs.executors.make_executor`'s:
    one of its executors or a ``concurrent.futures`` pool, left open), else on ``workers`` local
    processes (default: every core) or the Dask cluster at ``scheduler``; the results are the
    same on every one. The job is checked first (:func:`analysis.common.limits.check_job`),
    before any process starts. An interrupt raises :class:`Interrupted` whose ``finished`` is
    the Replications of the runs that had finished.
    """
    values = scenario.values
    with executor_for(executor, workers, scheduler, tasks=replications) as ex:  # checked, not started
        check_job(kept_job("run", replications, values, ex.workers))
        seeds = replication_seeds(seed, replications)
        tasks = [(values, s, i, detail) for i, s in enumerate(seeds)]
        try:
            runs = map_ordered(_run_task, tasks, ex, progress, desc=scenario.name)
        except Interrupted as stop:
            kept = Replications(scenario, seed, [stop.finished[i] for i in sorted(stop.finished)])
            raise Interrupted(kept, replications) from stop
    return Replications(scenario, seed, runs)


def kept_job(command: str, runs: int, values: dict[str, Any], workers: int | None) -> Job:
    """The size of a job of ``runs`` runs with ``values``, kept in memory, on ``workers`` (default: every core)."""

    roster = values.get("org.roster")
    reps = load_roster(roster).n_reps if roster else int(values["org.reps"])
    weeks = int(values["sim.weeks"]) + int(values["sim.warmup_weeks"])
    return Job(command, runs, reps, weeks, workers or usable_cores())


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as a readable table: metric, mean, 95% CI, unit."""
    units = {m.name: m.unit for m in METRICS}
    lines = [f"{'metric':30} {'mean':>12}  {'95% CI':>25}  unit"]
    for row in summary.itertuples():
        ci = f"[{_fmt(row.ci_low):>11}, {_fmt(row.ci_high):>11}]"
        lines.append(f"{row.metric:30} {_fmt(row.mean):>12}  {ci}  {units[row.metric]}")
    return "\n".join(lines)


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3f}"
