"""The sweep: its points run in chunks on an executor, each chunk stored as it finishes, then summarised.

    python run.py sweep baseline --vary coaching.hours_per_rep_month=0:6:1 \\
        --vary manager.quota_share=0,0.25,0.5 --replications 10 --out results/sweep

or, in a notebook, ``analysis.sweep("baseline", {"coaching.hours_per_rep_month": "0:6:1"})``,
which returns the tidy table of runs. :func:`run_sweep` is the loop; each concept it joins has its
own module:

- :mod:`analysis.sweeps.dimensions`: what is varied (``KEY=SPEC``: lists, ranges, bounds);
- :mod:`analysis.sweeps.samplers`: the design of points (``grid``, ``lhs``, ``sobol``);
- :mod:`analysis.sweeps.simulate`: each run's seed, and a chunk of points run as stacks;
- :mod:`analysis.sweeps.store`: ``runs/`` and ``points.parquet``, written atomically, checked;
- :mod:`analysis.sweeps.spec` and :mod:`analysis.sweeps.resume`: ``sweep.json``, and a resume
  refused unless the spec is the same;
- :mod:`analysis.sweeps.summary`: ``summary.csv`` and the printed report;
- :mod:`analysis.sweeps.plots` (``sweep.png``) and :mod:`analysis.sweeps.sensitivity` (with
  ``sobol``: ``sensitivity.csv`` and ``sensitivity.png``).

**One owner.** The folder is claimed (:func:`analysis.common.outputs.claim`) before anything in it is
read or created: a lock held to the end, so a second sweep into the same folder is refused at
once while the first runs, and a folder holding another command's output is refused.

**Limits.** A sweep takes at most :data:`analysis.common.limits.MAX_SWEEP_RUNS` runs; a big one is
announced with an estimate of its time and memory before it starts.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from analysis.common.labels import label
from analysis.common.limits import check_job
from analysis.common.outputs import OutputError, claim, publish
from analysis.runs.executors import ExecutorChoice, make_executor
from analysis.sweeps.dimensions import Dimension
from analysis.sweeps.plots import PLOT_FILE, plot_sweep
from analysis.sweeps.resume import AGAIN, new_meta, open_folder
from analysis.sweeps.samplers import Design
from analysis.sweeps.sensitivity import (
    SENSITIVITY_FILE,
    SENSITIVITY_PLOT,
    plot_sensitivity,
    small_design_warning,
    sobol_table,
)
from analysis.sweeps.simulate import Chunk, reps_per_run, run_chunk, run_seed
from analysis.sweeps.spec import SPEC_FILE, SweepSpec, make_spec, write_json
from analysis.sweeps.store import POINTS_FILE, RUNS_DIR, RunStore, read_points, warn, write_points
from analysis.sweeps.summary import SUMMARY_FILE, SweepResult, summarise
from sim.metrics import CANONICAL
from sim.params import ParameterError
from sim.scenario import Scenario, load

__all__ = ["CHUNK_REP_WEEKS", "SWEEP_FILES", "auto_chunk", "run_sweep", "sweep"]


#: Most rep-weeks (org.reps x weeks per run, summed over runs) in one task when choosing the
#: task size automatically: about a second of work (a rep-week costs about 0.3 us in a stack),
#: so an interrupt loses little.
CHUNK_REP_WEEKS = 3_000_000
#: Tasks per worker when choosing the task size automatically: enough that the workers finish
#: together, few enough that a task's runs make big stacks.
TASKS_PER_WORKER = 4


#: What a sweep writes into its folder (the folder is refused if one is there that coachsim did not write).
SWEEP_FILES = (RUNS_DIR, SPEC_FILE, POINTS_FILE, SUMMARY_FILE, PLOT_FILE, SENSITIVITY_FILE, SENSITIVITY_PLOT)


def _chunks(spec: SweepSpec, design: Design, done: np.ndarray, size: int) -> Iterator[Chunk]:
    """Tasks of about ``size`` runs, holding whole points where a point fits (so they stack)."""
    base = spec.base()
    names = tuple(spec.names)
    items: list[tuple[int, int, int, tuple[Any, ...]]] = []
    for point in range(design.size):
        values = tuple(design.columns[n][point] for n in names)
        pending = [int(r) for r in np.flatnonzero(~done[point])]
        if items and len(items) + len(pending) > size:
            yield Chunk(base, names, tuple(items))
            items = []
        for r in pending:
            items.append((point, r, run_seed(spec.seed, point, r, spec.seeds), values))
            if len(items) >= size:
                yield Chunk(base, names, tuple(items))
                items = []
    if items:
        yield Chunk(base, names, tuple(items))


def auto_chunk(pending: int, workers: int, replications: int = 1, rep_weeks: int = 1) -> int:
    """Runs per task: about :data:`TASKS_PER_WORKER` tasks per worker, a point's replications together if they fit.

    A task holds at most :data:`CHUNK_REP_WEEKS` rep-weeks (``rep_weeks`` is one run's
    org.reps x weeks), so an interrupted task loses about a second of work.
    """
    cap = max(1, CHUNK_REP_WEEKS // max(rep_weeks, 1))
    # enough tasks that the workers finish together (the last task is the one waited for)
    size = max(math.ceil(pending / (TASKS_PER_WORKER * max(workers, 1))), replications)
    return max(1, min(cap, size))


def _progress(total: int, initial: int, show: bool | None) -> Any:
    if show is None:
        show = sys.stderr.isatty()
    return tqdm(total=total, initial=initial, desc="sweep", unit="run", disable=not show, dynamic_ncols=True)


def run_sweep(
    scenario: str | os.PathLike[str] | Scenario,
    vary: Mapping[str, Any] | Sequence[str] | Sequence[Dimension],
    *,
    sampler: str = "grid",
    samples: int | None = None,
    replications: int = 10,
    seed: int = 0,
    seeds: str = "common",
    overrides: Mapping[str, Any] | None = None,
    executor: ExecutorChoice = None,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: bool | None = None,
    plots: bool = True,
    command: str = "",
    on_chunk: Any = None,
) -> SweepResult:
    """Run (or resume) a sweep, streaming runs to ``out/runs/``, then summarise it.

    Args:
        scenario: A Scenario, a scenario file, or the name of a shipped scenario.
        vary: Varied parameters: a mapping of dotted name to SPEC string or list of values,
            or ``KEY=SPEC`` strings (see the module notes).
        sampler: ``grid``, ``lhs`` or ``sobol``.
        samples: Points for ``lhs``; base points (a power of two) for ``sobol``.
        replications: Runs per point.
        seed: The sweep seed; with the spec it fixes every result.
        seeds: ``common`` (replication r uses the same seed at every point) or ``independent``.
        overrides: Fixed parameters applied to the scenario (like ``--set``).
        executor: An :class:`analysis.runs.executors.Executor` or any ``concurrent.futures``
            pool (left open), or ``"inprocess"``, ``"process"`` or ``"dask"``; default a local
            process pool, or Dask if ``scheduler`` (:func:`analysis.runs.executors.make_executor`).
        workers: Local processes (default all cores).
        scheduler: Address of a running Dask scheduler.
        out: Output folder (default: a new temporary folder).
        resume: Continue the sweep stored in ``out``, running only what is missing.
        chunk_size: Runs per task and per file (default: :func:`auto_chunk`: about 4 tasks per
            worker, a point's replications together so they run as one stack, and about a
            second of work a task).
        progress: Show a progress bar (default: when stderr is a terminal).
        plots: Draw ``sweep.png`` (and ``sensitivity.png``).
        command: The command line, recorded in ``sweep.json``.
        on_chunk: Called with the number of runs stored after each chunk is written (tests use
            it to interrupt a sweep part way).
    """

    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    spec = make_spec(scenario, vary, sampler, samples, replications, seed, seeds)
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1):
        raise ParameterError(f"{label('chunk_size')} {chunk_size!r}: expected a whole number of at least 1")
    ex = make_executor(executor, workers, scheduler)  # checked, not started
    check_job(spec.job(ex.workers))
    design = spec.design()
    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix=f"coachsim-sweep-{scenario.name}-"))
    with contextlib.ExitStack() as stack:
        # The folder is locked before anything in it is read, and stays locked to the end.
        stack.enter_context(claim(out, "sweep", SWEEP_FILES))
        meta = open_folder(out, spec, resume)
        # Start the workers before this process opens Parquet files or threads (see ProcessExecutor).
        if ex is not executor:  # built here; one given is the caller's
            stack.callback(ex.close)
        ex.start()
        store = RunStore(out, spec.names, spec.digest())
        store.clean()
        stored = read_points(out, design) if meta is not None else None
        design = stored or design
        for path, aside, why in store.check(design, spec):
            warn(f"{path} is damaged ({why}); set aside as {aside.name}, its runs will run again")
        if stored is None:
            write_points(out, design)
        if meta is None:
            meta = new_meta(scenario, spec, design, command)
            write_json(out / SPEC_FILE, meta)

        done = store.done(design.size, spec.replications)
        total = done.size
        already = int(done.sum())
        where = ex.describe()
        ran = 0
        started = time.perf_counter()
        failed = True
        try:
            pending = total - already
            base = spec.base()
            run_weeks = int(base["sim.weeks"]) + int(base["sim.warmup_weeks"])
            size = chunk_size or auto_chunk(pending, ex.workers, spec.replications, reps_per_run(base) * run_weeks)
            with _progress(total, already, progress) as bar:
                if pending:
                    # closing(): on an interrupt the executor cancels its tasks at once, not when
                    # the generator is garbage-collected.
                    results = ex.map_unordered(run_chunk, _chunks(spec, design, done, size))
                    with contextlib.closing(results):
                        for cols in results:
                            ran += _store_chunk(store, spec, design, done, cols)
                            bar.update(len(cols["point"]))
                            if on_chunk is not None:
                                on_chunk(already + ran)
            failed = False
        except OutputError as exc:
            raise OutputError(f"{exc}; the {already + ran:,} runs stored so far are kept: {AGAIN}") from None
        finally:
            seconds = time.perf_counter() - started
            meta["progress"] = {
                "runs": total,
                "done": already + ran,
                "last_session": {
                    "runs": ran,
                    "seconds": round(seconds, 3),
                    "executor": where,
                    "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                },
            }
            try:
                write_json(out / SPEC_FILE, meta)
            except OutputError as exc:
                if not failed:  # an interrupt or another error is what the caller needs to hear
                    raise OutputError(f"{exc}; the {already + ran:,} runs stored are kept: {AGAIN}") from None

        result = SweepResult(out, spec, design.size, total, already, ran, seconds, where)
        result.files = [f"{RUNS_DIR}/", POINTS_FILE, SPEC_FILE]
        try:
            _finish(result, design, plots)
        except OutputError as exc:
            raise OutputError(f"{exc}; every run is stored: {AGAIN}") from None
    return result


def _store_chunk(store: RunStore, spec: SweepSpec, design: Design, done: np.ndarray, cols: dict[str, list[Any]]) -> int:
    """Add the varied parameters to a finished chunk, drop runs already stored, write it."""
    points = np.asarray(cols["point"], np.int64)
    reps = np.asarray(cols["replication"], np.int64)
    keys = points * spec.replications + reps
    _, first = np.unique(keys, return_index=True)
    keep = np.zeros(len(points), bool)
    keep[first] = True
    keep &= ~done[points, reps]
    if not keep.any():
        return 0
    idx = np.flatnonzero(keep)
    table: dict[str, list[Any]] = {
        "point": points[idx].tolist(),
        "replication": reps[idx].tolist(),
        "seed": [cols["seed"][i] for i in idx],
    }
    for n in spec.names:
        column = design.columns[n]
        table[n] = [column[p] for p in table["point"]]
    for m in CANONICAL:
        table[m] = [cols[m][i] for i in idx]
    store.write(table)
    done[points[idx], reps[idx]] = True
    return len(idx)


def _finish(result: SweepResult, design: Design, plots: bool) -> None:
    """Write summary.csv, the plots and (sobol) the sensitivity indices, all replaced whole."""
    spec, out = result.spec, result.out
    store = RunStore(out, spec.names)
    summary = summarise(store, design, spec.replications)
    if not result.complete:
        result.notes.append(
            f"{result.total - result.already_done - result.ran} of {result.total} runs are missing; "
            "summary.csv covers the runs stored so far"
        )
    if spec.sampler == "sobol" and result.complete:
        assert spec.samples is not None
        try:
            result.sensitivity = sobol_table(summary, spec.names, spec.samples, seed=spec.seed)
        except Exception as exc:  # the indices must never cost the summary: every run is stored
            result.notes.append(f"the Sobol indices failed: {exc}")
        else:
            small = small_design_warning(result.sensitivity, spec.samples)
            if small:
                result.notes.append(small)
                warn(small)
    elif spec.sampler == "sobol":
        result.notes.append("Sobol indices need every run; resume the sweep to compute them")

    def write(folder: Path) -> None:
        summary.to_csv(folder / SUMMARY_FILE, index=False)
        if result.sensitivity is not None:
            result.sensitivity.to_csv(folder / SENSITIVITY_FILE, index=False)
        if not plots:
            return
        if len(summary):
            try:
                plot_sweep(summary, list(spec.dims), spec.sampler, folder / PLOT_FILE)
            except Exception as exc:  # a plot must never cost the results
                result.notes.append(f"the sweep plot failed: {exc}")
        if result.sensitivity is not None:
            try:
                plot_sensitivity(result.sensitivity, folder / SENSITIVITY_PLOT)
            except Exception as exc:
                result.notes.append(f"the sensitivity plot failed: {exc}")

    names = publish(out, write)
    result.files += [n for n in (SUMMARY_FILE, PLOT_FILE, SENSITIVITY_FILE, SENSITIVITY_PLOT) if n in names]


# ============================================================================== API and report
def sweep(
    scenario: str | os.PathLike[str] | Scenario = "baseline",
    vary: Mapping[str, Any] | Sequence[str] = (),
    **options: Any,
) -> pd.DataFrame:
    """Run a sweep and return its tidy table: one row per run.

    Columns: ``point``, ``replication``, ``seed``, each varied parameter (dotted name) and each
    canonical metric. The runs are also on disk (``df.attrs["sweep_dir"]``, or ``out=``), so a
    large sweep can be read back in pieces with ``pyarrow.dataset``. Keyword options are those
    of :func:`run_sweep`, for example::

        import analysis
        df = analysis.sweep("baseline", {"coaching.hours_per_rep_month": [0, 1, 2, 3],
                                         "manager.quota_share": "0..0.5"},
                            sampler="lhs", samples=32, replications=5, overrides={"org.reps": 64})
        df.groupby("point")["attainment"].mean()
    """
    options.setdefault("progress", None)
    result = run_sweep(scenario, vary, **options)
    df = result.runs()
    df.attrs["sweep_dir"] = str(result.out)
    return df
