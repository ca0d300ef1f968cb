"""How big a job may be, and what it will take, checked before it starts.

A job is counted in runs (one model run of one replication), not in points or scenarios:

- ``run``, ``compare``, ``workshop`` and ``validate`` keep every run in memory with its weekly
  table and its rep and manager tables, so they take at most :data:`MAX_KEPT_RUNS` runs;
- a sweep streams its runs to disk, and its summary holds 8 bytes a run and metric, so it takes
  at most :data:`MAX_SWEEP_RUNS` runs.

A job over its cap, or one whose memory estimate exceeds this machine's memory, is refused with
the estimate; a job estimated to take more than :data:`ANNOUNCE_SECONDS` or
:data:`ANNOUNCE_BYTES` is announced on stderr with its estimate before it starts. The estimates
are rough, from the figures in ``benchmarks/README.md`` (one core: about 0.6 ms a model week plus
1 us a rep seat and week; about 1 kB of model arrays a rep seat; a kept run about 10 kB plus
250 bytes a rep seat), and say "about".
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass

from analysis.common.labels import label
from sim.metrics import CANONICAL
from sim.params import ParameterError

__all__ = ["MAX_KEPT_RUNS", "MAX_SWEEP_RUNS", "Job", "check_job"]

MAX_KEPT_RUNS = 100_000
MAX_SWEEP_RUNS = 10_000_000
SECONDS_PER_WEEK = 6e-4
SECONDS_PER_REP_WEEK = 1e-6
MODEL_BYTES_PER_REP = 1_000
MODEL_BYTES = 200_000
KEPT_BYTES_PER_RUN = 10_000
KEPT_BYTES_PER_REP = 250
#: A sweep's bookkeeping per run: the done mask and one float per metric in the summary.
SWEEP_BYTES_PER_RUN = 1 + 8 * len(CANONICAL)
ANNOUNCE_SECONDS = 60.0
ANNOUNCE_BYTES = 1 << 30


@dataclass(frozen=True)
class Job:
    """A job's size: runs, rep seats and weeks of one run, workers, and whether runs are kept in memory."""

    command: str
    runs: int
    reps: int
    weeks: int
    workers: int
    kept: bool = True

    @property
    def seconds(self) -> float:
        """Rough wall-clock seconds."""
        one = self.weeks * (SECONDS_PER_WEEK + self.reps * SECONDS_PER_REP_WEEK)
        return self.runs * one / max(1, min(self.workers, self.runs))

    @property
    def memory(self) -> int:
        """Rough peak bytes: the workers' models plus what the job keeps."""
        models = min(self.workers, max(self.runs, 1)) * (MODEL_BYTES + MODEL_BYTES_PER_REP * self.reps)
        per_run = KEPT_BYTES_PER_RUN + KEPT_BYTES_PER_REP * self.reps if self.kept else SWEEP_BYTES_PER_RUN
        return models + self.runs * per_run

    @property
    def cap(self) -> int:
        """The most runs this kind of job takes."""
        return MAX_KEPT_RUNS if self.kept else MAX_SWEEP_RUNS

    def describe(self) -> str:
        """The estimate in words."""
        workers = f"{self.workers} worker{'s' if self.workers != 1 else ''}"
        return (
            f"{self.runs:,} runs of {self.reps:,} reps x {self.weeks:,} weeks: about {duration(self.seconds)} "
            f"on {workers} and {size(self.memory)} of memory"
        )


def duration(seconds: float) -> str:
    """Seconds in the largest sensible unit: ``3 s``, ``12 min``, ``4.5 h``, ``3 days``, ``2.1 years``."""
    for unit, span in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= span * (2 if unit in ("years", "days") else 1):
            value = seconds / span
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{max(seconds, 1):.0f} s"


def size(nbytes: float) -> str:
    """Bytes in the largest sensible unit."""
    for unit, span in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if nbytes >= span:
            value = nbytes / span
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{math.ceil(nbytes / 1e3):.0f} kB"


def physical_memory() -> int | None:
    """This machine's memory in bytes, where the OS says."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_job(job: Job, origin: str | None = None) -> Job:
    """Refuse a job over its cap or over this machine's memory; announce a big one on stderr.

    Messages name ``origin`` (default: ``replications``, as :mod:`analysis.common.labels` labels it).
    """
    origin = origin or label("replications")
    fix = "use fewer replications or points" if not job.kept else "use fewer replications, or a sweep for many runs"
    if job.runs > job.cap:
        kind = "a sweep stores" if not job.kept else f"`{job.command}` keeps in memory"
        raise ParameterError(
            f"{origin}: the job has {job.runs:,} runs, more than the {job.cap:,} {kind} ({job.describe()}); {fix}"
        )
    memory = physical_memory()
    if memory is not None and job.memory > memory:
        raise ParameterError(
            f"{origin}: the job needs more memory than this machine has ({size(memory)}): {job.describe()}; {fix}"
        )
    if job.seconds > ANNOUNCE_SECONDS or job.memory > ANNOUNCE_BYTES:
        print(f"coachsim: a big job: {job.describe()}", file=sys.stderr, flush=True)
    return job
