"""Parameter sweeps: a design of points, replicated runs, results streamed to disk, resumable.

    python run.py sweep baseline --vary coaching.hours_per_rep_month=0:6:1 \\
        --vary manager.quota_share=0,0.25,0.5 --replications 10 --out results/sweep

or, in a notebook, ``analysis.sweep("baseline", {"coaching.hours_per_rep_month": "0:6:1"})``,
which returns the tidy table of runs.

**Specs.** ``--vary KEY=SPEC`` names a registry parameter (dotted) and its values:

- a list ``0,1,2,3`` (choice and true/false parameters take lists only; ``none`` unsets a
  parameter that may be unset);
- a range ``start:stop:step`` (``start:stop`` steps by 1). The stop is *included* when it falls
  on the grid (``0:6:0.5`` ends at 6, ``0:1:0.3`` ends at 0.9), like a list written out by
  hand, not like Python's ``range``. Values are rounded to 12 significant digits so that
  ``0:1:0.1`` gives 0.3, not 0.30000000000000004;
- bounds ``low..high``, for the ``lhs`` and ``sobol`` samplers only: a float is drawn uniformly
  between them; a whole-number parameter is rounded, each integer from low to high being
  equally likely (the unit interval is cut into ``high - low + 1`` equal bins).

With ``lhs`` or ``sobol`` a list or a range is a discrete dimension, each value equally likely.
Every value is checked by the registry before anything runs.

**Samplers** (:data:`SAMPLERS`): ``grid`` is every combination of the lists (the last
``--vary`` varies fastest); ``lhs`` is ``samples`` points of a scrambled Latin hypercube;
``sobol`` is Saltelli's design for Sobol' indices with ``samples`` (a power of two) base points:
a scrambled Sobol' sequence in 2d dimensions split into matrices A and B, then, for each
parameter i, A with column i taken from B -- ``samples * (d + 2)`` points, laid out A, B, AB_1
... AB_d exactly as ``scipy.stats.sobol_indices`` builds them. The design's random draws come
from ``SeedSequence([seed, DESIGN_TAG])``, separate from the runs' seeds.

**Seeds.** The run of replication ``r`` at point ``p`` uses the first 64-bit word of
``SeedSequence(entropy=seed, spawn_key=KEY)``. By default (``seeds="common"``) ``KEY = (r,)``:
replication r of every point uses the same seed -- common random numbers, so that differences
between points are differences between policies, not between draws -- and that seed is the one
``python run.py run --seed S`` uses for its replication r, so a point of a sweep reproduces the
matching scenario run exactly. With ``seeds="independent"`` ``KEY = (p, r)``. Either way a
run's seed depends only on (seed, point, replication): results are identical whatever the
order, the chunking, the number of workers or the executor.

**Stacks.** A task runs the replications of each of its points as one stack,
``SalesOrgModel(seeds=[...])``: the copies of the organisation sit side by side in the same
arrays and step together, each drawing from its own streams, so each copy is bit for bit the
run made alone (``tests/test_stack.py``) while numpy's per-call overhead is paid once a week for
the stack. For a 100-rep org that makes a run about three times cheaper (``benchmarks/``).

**Output** (``DIR``):

- ``runs/``: a Parquet dataset, one row per run: ``point``, ``replication``, ``seed``, each
  varied parameter (dotted name) and each canonical metric. Each finished task is written as
  its own file, first under a hidden temporary name, fsync'd, then renamed (an atomic step) and
  the folder fsync'd, so a kill or a power cut leaves only whole files and loses at most the
  tasks in flight. Every chunk carries page checksums and the digest of the sweep's spec in its
  metadata. Rows are keyed by (point, replication); a key already stored is never written
  again, and readers drop duplicates.
- ``points.parquet``: the design, one row per point (for ``sobol`` also its ``block``).
- ``sweep.json``: the scenario, the sweep spec (everything that determines the results), the
  coachsim version, the seed rule and the progress.
- ``summary.csv``: per point, its parameters, ``n`` and each metric's mean and 95% t interval
  across replications (``METRIC_mean``, ``METRIC_ci_low``, ``METRIC_ci_high``), computed in one
  streaming pass so memory does not grow with the number of runs.
- ``sweep.png``: a line with its CI band for one varied parameter, heatmaps for two, small
  multiples beyond (see :mod:`analysis.sweeps.plots`).
- with ``sobol``: ``sensitivity.csv`` and ``sensitivity.png`` (see :mod:`analysis.sweeps.sensitivity`).

**One owner.** The folder is claimed (:func:`analysis.common.outputs.claim`) before anything in it is
read or created: a lock held to the end, so a second sweep into the same folder is refused at
once while the first runs, and a folder holding another command's output is refused.

**Resume.** ``resume=True`` (``--resume``) reads which (point, replication) pairs are stored and
runs only the others. The stored spec must equal the new one, or the resume is refused: the
scenario's full parameter set, the varied values, sampler, samples, replications, seeds, the
coachsim version and a digest of the model's source files (``sim/*.py``), so that one sweep
never mixes runs of two versions of the model. Every chunk is checked first
(:meth:`RunStore.check`): one that cannot be read whole, or holds a seed or a value its point
could not have, is set aside as ``*.parquet.damaged`` with a warning and its runs run again; one
stamped with another spec's digest refuses the resume. A lost or damaged ``sweep.json`` (set
aside) is rebuilt from the spec given again with ``--resume``, once every chunk carries that
spec's digest (without ``--resume`` the message says so); a lost or damaged ``points.parquet``
is rebuilt from the spec.

**Limits.** A sweep takes at most :data:`analysis.common.limits.MAX_SWEEP_RUNS` runs; a big one is
announced with an estimate of its time and memory before it starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import shlex
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from analysis.common import horizon
from analysis.common.limits import Job, check_job
from analysis.common.outputs import OutputError, claim, fsync_dir, publish, replace_file
from analysis.common.stats import bounded_interval, bounds_of
from sim import params as registry
from sim.metrics import CANONICAL
from sim.params import Param, ParameterError
from sim.scenario import Scenario

__all__ = [
    "SAMPLERS",
    "Design",
    "Dimension",
    "SweepResult",
    "SweepSpec",
    "make_sampler",
    "parse_vary",
    "read_runs",
    "run_seed",
    "run_sweep",
    "simulate",
    "simulate_stack",
    "sweep",
]

SAMPLERS = ("grid", "lhs", "sobol")
SEED_RULES = ("common", "independent")
#: Mixed into the sweep seed for the design's draws, keeping them apart from the runs' seeds.
DESIGN_TAG = 0x5357454550  # "SWEEP"
#: Most points a range may expand to, and a sweep may have (a guard against typos like 0:1e6:1).
MAX_RANGE_VALUES = 10_000
MAX_POINTS = 10_000_000
#: Most rep-weeks (org.reps x weeks per run, summed over runs) in one task when choosing the
#: task size automatically: about a second of work, so an interrupt loses little.
CHUNK_REP_WEEKS = 1_000_000
#: Most rep seats in one stack of replications (``SalesOrgModel(seeds=...)``); beyond a few
#: thousand seats numpy's per-call overhead is paid off and a bigger stack only costs memory.
STACK_SEATS = 20_000
DEFAULT_SAMPLES = 64
RUNS_DIR = "runs"
SPEC_FILE = "sweep.json"
POINTS_FILE = "points.parquet"
SUMMARY_FILE = "summary.csv"
PLOT_FILE = "sweep.png"
SENSITIVITY_FILE = "sensitivity.csv"
SENSITIVITY_PLOT = "sensitivity.png"
#: What a sweep writes into its folder (the folder is refused if one is there that coachsim did not write).
SWEEP_FILES = (RUNS_DIR, SPEC_FILE, POINTS_FILE, SUMMARY_FILE, PLOT_FILE, SENSITIVITY_FILE, SENSITIVITY_PLOT)
#: The key of a chunk file's Parquet metadata that holds the sweep spec's digest.
DIGEST_KEY = "coachsim.sweep_spec"
#: Added to the name of a damaged file set aside.
DAMAGED = ".damaged"


# ============================================================================== specs
@dataclass(frozen=True)
class Dimension:
    """One varied parameter: its name and either its values (list, range) or bounds."""

    name: str
    kind: str  # "list", "range" or "bounds"
    text: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None

    @property
    def param(self) -> Param:
        """The registry entry of the varied parameter."""
        return registry.by_name(self.name)

    @property
    def discrete(self) -> bool:
        """True for a list or a range: the values are given, not drawn from bounds."""
        return self.kind != "bounds"

    def to_json(self) -> dict[str, Any]:
        """The dimension as stored in ``sweep.json`` (and compared on resume)."""
        if self.discrete:
            return {"name": self.name, "spec": self.text, "values": list(self.values)}
        return {"name": self.name, "spec": self.text, "low": self.low, "high": self.high}

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map draws ``u`` in [0, 1) to values: equal-width bins for lists, ints and bounds."""
        u = np.clip(np.asarray(u, float), 0.0, np.nextafter(1.0, 0.0))
        if self.discrete:
            idx = np.floor(u * len(self.values)).astype(int)
            return [self.values[i] for i in idx]
        assert self.low is not None and self.high is not None
        p = self.param
        if p.kind is int:
            lo, hi = int(self.low), int(self.high)
            return [int(v) for v in np.minimum(np.floor(lo + u * (hi - lo + 1)), hi)]
        return [float(v) for v in self.low + u * (self.high - self.low)]


def _lookup(name: str, origin: str) -> Param:
    try:
        return registry.by_name(name)
    except KeyError:
        raise registry.unknown(name, origin) from None


def _number(text: str, param: Param, origin: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"{origin}: {param.name}={spec}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ParameterError(f"{origin}: {param.name}={spec}: {text.strip()!r} is not a finite number")
    return value


def _tidy(x: float) -> float:
    """Round away binary noise: 12 significant digits (0.30000000000000004 -> 0.3)."""
    return float(f"{x:.12g}")


def dimension(name: str, spec: Any, origin: str = "--vary") -> Dimension:
    """Build a checked :class:`Dimension` from a SPEC string or a sequence of values."""
    param = _lookup(name.strip(), origin)
    name = param.name
    if not isinstance(spec, str):
        if isinstance(spec, (bytes, Mapping)) or not isinstance(spec, Iterable):
            spec = [spec]
        values = tuple(param.check(_plain(v), origin) for v in spec)
        return _list_dimension(param, values, ",".join(_text(v) for v in values), origin)
    text = spec.strip()
    if not text:
        raise ParameterError(f"{origin}: {name}= needs values: a list 0,1,2, a range 0:6:1 or bounds 0..6")
    discrete_only = param.choices is not None or param.kind in (bool, str)
    if discrete_only and (".." in text or ":" in text):
        examples = param.choices or ((True, False) if param.kind is bool else ("A", "B"))
        raise ParameterError(
            f"{origin}: {name}={text}: {name} takes a list of its values ({param.allowed()}), e.g. "
            f"{name}={','.join(_text(c) for c in examples[:3])}"
        )
    if ".." in text:
        parts = text.split("..")
        if len(parts) != 2:
            raise ParameterError(f"{origin}: {name}={text}: bounds are written low..high, e.g. 0..6")
        low, high = (_number(s, param, origin, text) for s in parts)
        if not low < high:
            raise ParameterError(f"{origin}: {name}={text}: the low bound must be below the high bound")
        low, high = param.check(low, origin), param.check(high, origin)
        return Dimension(name, "bounds", text, low=low, high=high)
    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise ParameterError(f"{origin}: {name}={text}: a range is written start:stop:step, e.g. 0:6:0.5")
        start, stop = (_number(s, param, origin, text) for s in parts[:2])
        step = _number(parts[2], param, origin, text) if len(parts) == 3 else 1.0
        if step <= 0:
            raise ParameterError(f"{origin}: {name}={text}: the step must be above 0")
        if stop < start:
            raise ParameterError(f"{origin}: {name}={text}: the stop must not be below the start")
        count = math.floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1
        if count > MAX_RANGE_VALUES:
            raise ParameterError(
                f"{origin}: {name}={text} gives {count:,} values (at most {MAX_RANGE_VALUES:,}); use a larger step"
            )
        values = tuple(param.check(_tidy(start + i * step), origin) for i in range(count))
        return _list_dimension(param, values, text, origin, kind="range")
    items = [s.strip() for s in text.split(",")]
    if any(not s for s in items):
        raise ParameterError(f"{origin}: {name}={text}: an empty item in the list")
    values = tuple(param.parse(s, origin) for s in items)
    return _list_dimension(param, values, text, origin)


def _list_dimension(param: Param, values: tuple[Any, ...], text: str, origin: str, kind: str = "list") -> Dimension:
    if not values:
        raise ParameterError(f"{origin}: {param.name}: no values to vary over")
    seen: list[Any] = []
    for v in values:
        if any(type(v) is type(s) and v == s for s in seen):
            raise ParameterError(f"{origin}: {param.name}={text}: {_text(v)} is listed twice")
        seen.append(v)
    return Dimension(param.name, kind, text, values=values)


def _plain(v: Any) -> Any:
    """numpy scalars to Python values, so that the registry's checks apply."""
    return v.item() if isinstance(v, np.generic) else v


def _text(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def parse_vary(item: str) -> Dimension:
    """Parse one ``--vary KEY=SPEC`` option."""
    if "=" not in item:
        raise ParameterError(
            f"--vary {item!r}: expected KEY=SPEC, e.g. coaching.hours_per_rep_month=0,1,2,3 (a list), "
            "=0:6:0.5 (a range) or =0..6 (bounds, for --sampler lhs or sobol)"
        )
    key, spec = item.split("=", 1)
    return dimension(key.strip(), spec)


def dimensions(vary: Mapping[str, Any] | Sequence[str] | Sequence[Dimension]) -> list[Dimension]:
    """Dimensions from a mapping (name -> spec or values) or ``KEY=SPEC`` strings; names unique."""
    if isinstance(vary, Mapping):
        dims = [dimension(k, v) for k, v in vary.items()]
    elif isinstance(vary, str):
        dims = [parse_vary(vary)]
    else:
        dims = [v if isinstance(v, Dimension) else parse_vary(v) for v in vary]
    if not dims:
        raise ParameterError("a sweep needs at least one --vary KEY=SPEC")
    names = [d.name for d in dims]
    for name in names:
        if names.count(name) > 1:
            raise ParameterError(f"--vary {name} is given more than once")
    return dims


# ============================================================================== samplers
@dataclass
class Design:
    """The points of a sweep: one list of values per varied parameter, all of one length."""

    names: list[str]
    columns: dict[str, list[Any]]
    info: dict[str, Any] = field(default_factory=dict)
    block: list[str] | None = None

    @property
    def size(self) -> int:
        """The number of points."""
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def frame(self) -> pd.DataFrame:
        """The design as a table: ``point`` and one column per varied parameter."""
        df = pd.DataFrame({"point": np.arange(self.size), **self.columns})
        if self.block is not None:
            df.insert(1, "block", self.block)
        return df

    def values_at(self, point: int) -> dict[str, Any]:
        """The varied parameters' values at ``point``."""
        return {n: self.columns[n][point] for n in self.names}


class Sampler:
    """Turns dimensions into a :class:`Design`; subclasses define the layout."""

    name = "sampler"

    def check(self, dims: Sequence[Dimension], samples: int | None) -> int | None:
        """Validate the options for this sampler and return the samples to use."""
        return samples

    def size(self, dims: Sequence[Dimension], samples: int | None) -> int:
        """The number of points, known before the design is built."""
        raise NotImplementedError

    def design(self, dims: Sequence[Dimension], samples: int | None, rng: np.random.Generator) -> Design:
        """The points of the sweep."""
        raise NotImplementedError


class GridSampler(Sampler):
    """Every combination of the listed values; the last dimension varies fastest."""

    name = "grid"

    def check(self, dims: Sequence[Dimension], samples: int | None) -> int | None:
        """A grid needs lists or ranges, and its size is theirs."""
        for d in dims:
            if not d.discrete:
                raise ParameterError(
                    f"--vary {d.name}={d.text}: bounds are for --sampler lhs or sobol; a grid needs a list "
                    f"(e.g. {d.name}=0,1,2) or a range (e.g. {d.name}=0:6:1)"
                )
        if samples is not None:
            raise ParameterError("--samples is for --sampler lhs or sobol; a grid's size is the product of its lists")
        return None

    def size(self, dims: Sequence[Dimension], samples: int | None) -> int:
        """The product of the lists' lengths."""
        return math.prod(len(d.values) for d in dims)

    def design(self, dims: Sequence[Dimension], samples: int | None, rng: np.random.Generator) -> Design:
        """The Cartesian product of the dimensions' values."""
        size = self.size(dims, samples)
        _check_size(size)
        combos = list(itertools.product(*(d.values for d in dims)))
        columns = {d.name: [c[i] for c in combos] for i, d in enumerate(dims)}
        return Design([d.name for d in dims], columns, {"points": size})


class LHSSampler(Sampler):
    """``samples`` points of a scrambled Latin hypercube (``scipy.stats.qmc.LatinHypercube``)."""

    name = "lhs"

    def check(self, dims: Sequence[Dimension], samples: int | None) -> int | None:
        """Default ``DEFAULT_SAMPLES`` points."""
        return DEFAULT_SAMPLES if samples is None else samples

    def size(self, dims: Sequence[Dimension], samples: int | None) -> int:
        """``samples`` points."""
        assert samples is not None
        return samples

    def design(self, dims: Sequence[Dimension], samples: int | None, rng: np.random.Generator) -> Design:
        """Latin hypercube draws mapped to each dimension's values."""
        from scipy.stats import qmc

        assert samples is not None
        _check_size(samples)
        u = qmc.LatinHypercube(d=len(dims), rng=rng).random(samples)
        columns = {d.name: d.from_unit(u[:, i]) for i, d in enumerate(dims)}
        return Design([d.name for d in dims], columns, {"points": samples})


class SobolSampler(Sampler):
    """Saltelli's A, B, AB design for Sobol' indices, as ``scipy.stats.sobol_indices`` builds it."""

    name = "sobol"

    def check(self, dims: Sequence[Dimension], samples: int | None) -> int | None:
        """``samples`` base points, a power of two (default ``DEFAULT_SAMPLES``)."""
        n = DEFAULT_SAMPLES if samples is None else samples
        if n < 2 or n & (n - 1):
            lower = 1 << max(1, n.bit_length() - 1)
            raise ParameterError(
                f"--samples {n}: the sobol sampler needs a power of two (its balance properties), e.g. "
                f"{lower} or {lower * 2}; it runs samples x (parameters + 2) points"
            )
        return n

    def size(self, dims: Sequence[Dimension], samples: int | None) -> int:
        """``samples * (parameters + 2)`` points."""
        assert samples is not None
        return samples * (len(dims) + 2)

    def design(self, dims: Sequence[Dimension], samples: int | None, rng: np.random.Generator) -> Design:
        """Points 0..n-1 are A, n..2n-1 are B, then AB_i (A with column i from B) for each i."""
        from scipy.stats import qmc

        assert samples is not None
        n, d = samples, len(dims)
        _check_size(n * (d + 2))
        a_b = qmc.Sobol(d=2 * d, rng=rng, bits=64).random(n).T.reshape(2, d, n)
        a, b = a_b[0], a_b[1]
        blocks = [a, b]
        labels = ["A"] * n + ["B"] * n
        for i in range(d):
            ab = a.copy()
            ab[i] = b[i]
            blocks.append(ab)
            labels += [f"AB:{dims[i].name}"] * n
        u = np.concatenate(blocks, axis=1)  # (d, n * (d + 2))
        columns = {dim.name: dim.from_unit(u[i]) for i, dim in enumerate(dims)}
        info = {"points": n * (d + 2), "sobol_n": n, "layout": "A, B, then AB_i for each varied parameter i"}
        return Design([dim.name for dim in dims], columns, info, block=labels)


_SAMPLERS: dict[str, type[Sampler]] = {"grid": GridSampler, "lhs": LHSSampler, "sobol": SobolSampler}


def make_sampler(name: str) -> Sampler:
    """The sampler called ``name`` (one of :data:`SAMPLERS`)."""
    try:
        return _SAMPLERS[name]()
    except KeyError:
        raise ParameterError(f"--sampler {name!r} is not known; expected one of {', '.join(SAMPLERS)}") from None


def _check_size(points: int) -> None:
    if points > MAX_POINTS:
        raise ParameterError(f"the sweep has {points:,} points, more than {MAX_POINTS:,}; use fewer values")


# ============================================================================== seeds and runs
def run_seed(seed: int, point: int, replication: int, rule: str = "common") -> int:
    """The model seed of one run: ``SeedSequence(seed, spawn_key=...)``, see the module notes."""
    key = (replication,) if rule == "common" else (point, replication)
    return int(np.random.SeedSequence(entropy=seed, spawn_key=key).generate_state(1, np.uint64)[0])


def simulate_stack(values: Mapping[str, Any], seeds: Sequence[int]) -> list[dict[str, float]]:
    """Run the model once per seed, all in one stack (``SalesOrgModel(seeds=...)``).

    Item ``k`` is bit for bit ``simulate(values, seeds[k])`` (a test checks it): a stack only
    shares numpy's per-call overhead between the runs, which makes small orgs several times
    cheaper to run.
    """
    from analysis.runs.runner import release
    from sim.model import SalesOrgModel

    model = SalesOrgModel(seeds=seeds, **{registry.kwarg_name(k): v for k, v in values.items()})
    try:
        model.run_model()
        return model.stack_metrics()
    finally:
        release(model)


def simulate(values: Mapping[str, Any], seed: int) -> dict[str, float]:
    """Run the model once with full parameter ``values`` (dotted names); its canonical metrics.

    The same run as ``analysis.runs.runner.run_one(values, seed, detail=False)`` (a test checks it)
    without building the weekly table a sweep does not keep: a stack of one.
    """
    return simulate_stack(values, [seed])[0]


@dataclass(frozen=True)
class Chunk:
    """A task: runs sharing base parameters; each item is (point, replication, seed, values)."""

    base: Mapping[str, Any]
    names: tuple[str, ...]
    items: tuple[tuple[int, int, int, tuple[Any, ...]], ...]


def run_chunk(chunk: Chunk) -> dict[str, list[Any]]:
    """Run every item of a chunk (in a worker); columns point, replication, seed and the metrics.

    The replications of a point run as one stack (at most :data:`STACK_SEATS` rep seats each);
    each run's result is the same as running it alone.
    """
    out: dict[str, list[Any]] = {"point": [], "replication": [], "seed": [], **{m: [] for m in CANONICAL}}
    for group in _stacks(chunk):
        values = {**chunk.base, **dict(zip(chunk.names, group[0][3], strict=True))}
        for (point, replication, seed, _), metrics in zip(
            group, simulate_stack(values, [item[2] for item in group]), strict=True
        ):
            out["point"].append(point)
            out["replication"].append(replication)
            out["seed"].append(seed)
            for m in CANONICAL:
                out[m].append(float(metrics[m]))
    return out


def _stacks(chunk: Chunk) -> Iterator[list[tuple[int, int, int, tuple[Any, ...]]]]:
    """Consecutive items of one point, in groups of at most :data:`STACK_SEATS` rep seats."""
    reps = _reps_per_run({**chunk.base, **dict(zip(chunk.names, chunk.items[0][3], strict=True))})
    most = max(1, STACK_SEATS // max(reps, 1))
    group: list[tuple[int, int, int, tuple[Any, ...]]] = []
    for item in chunk.items:
        if group and (item[0] != group[0][0] or len(group) >= most):
            yield group
            group = []
        group.append(item)
    if group:
        yield group


def _reps_per_run(values: Mapping[str, Any]) -> int:
    """Rep seats of one run with ``values`` (a roster's size is read when it is the org)."""
    roster = values.get("org.roster")
    if roster:
        from sim.roster import load_roster

        return load_roster(roster).n_reps
    return int(values.get("org.reps") or registry.by_name("org.reps").default)


# ============================================================================== storage
def _arrow_type(param: Param) -> Any:
    import pyarrow as pa

    if param.kind is bool:
        return pa.bool_()
    if param.kind is str:
        return pa.string()
    if param.kind is int:
        return pa.int64()
    return pa.float64()


class RunStore:
    """The ``runs/`` Parquet dataset of a sweep: chunk files written whole, checked, deduplicated.

    ``digest`` (the spec's, :meth:`SweepSpec.digest`) is stamped on every chunk written, and a
    resume checks it on every chunk read (:meth:`check`).
    """

    def __init__(self, out: Path, names: Sequence[str], digest: str | None = None):
        import pyarrow as pa

        self.dir = out / RUNS_DIR
        self.names = list(names)
        self.digest = digest
        self.schema = pa.schema(
            [("point", pa.int64()), ("replication", pa.int64()), ("seed", pa.uint64())]
            + [(n, _arrow_type(registry.by_name(n))) for n in self.names]
            + [(m, pa.float64()) for m in CANONICAL],
            metadata={DIGEST_KEY: digest} if digest else None,
        )

    def files(self) -> list[Path]:
        """The finished chunk files."""
        return sorted(self.dir.glob("part-*.parquet")) if self.dir.is_dir() else []

    def clean(self) -> int:
        """Remove temporary files a killed writer left behind; return how many."""
        stale = list(self.dir.glob(".part-*.tmp")) if self.dir.is_dir() else []
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def dataset(self) -> Any:
        """The stored runs as a ``pyarrow.dataset`` (hidden temporary files are ignored)."""
        import pyarrow.dataset as ds

        return ds.dataset([str(p) for p in self.files()], schema=self.schema, format="parquet")

    def batches(self, columns: list[str]) -> Iterator[Any]:
        """The stored runs batch by batch; a chunk that cannot be read is a ParameterError saying what to do."""
        import pyarrow as pa

        try:
            yield from self.dataset().to_batches(columns=columns)
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise ParameterError(
                f"{self.dir}: a chunk file cannot be read ({_first_line(exc)}); resume the sweep (--resume) to set "
                "damaged chunks aside and run their runs again"
            ) from None

    def done(self, n_points: int, n_reps: int) -> np.ndarray:
        """A (points, replications) mask of the runs already stored."""
        mask = np.zeros((n_points, n_reps), bool)
        for batch in self.batches(["point", "replication"]):
            p = batch.column(0).to_numpy()
            r = batch.column(1).to_numpy()
            ok = (p >= 0) & (p < n_points) & (r >= 0) & (r < n_reps)
            mask[p[ok], r[ok]] = True
        return mask

    def write(self, columns: Mapping[str, list[Any]]) -> Path:
        """Write one chunk whole (:func:`analysis.common.outputs.replace_file`): temporary, fsync, rename, fsync."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.dir.is_dir():
            self.dir.mkdir(parents=True, exist_ok=True)
            fsync_dir(self.dir.parent)
        table = pa.Table.from_pydict(dict(columns), schema=self.schema)
        final = self.dir / f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        replace_file(final, lambda tmp: pq.write_table(table, tmp, write_page_checksum=True))
        return final

    def read(self) -> pd.DataFrame:
        """Every stored run, one row per (point, replication), sorted."""
        import pyarrow as pa

        df = pa.Table.from_batches(list(self.batches(self.schema.names)), schema=self.schema).to_pandas()
        df = df.drop_duplicates(["point", "replication"]).sort_values(["point", "replication"])
        return df.reset_index(drop=True)

    def check(self, design: Design, spec: SweepSpec) -> list[tuple[Path, Path, str]]:
        """Check every chunk before a resume; set a damaged one aside and return (path, new path, why) for each.

        A chunk is damaged when it cannot be read whole (truncated, empty, garbage, a page whose
        checksum fails) or holds rows this sweep could not have written (a seed or a varied value
        that does not match its point and replication): it is renamed ``*.parquet.damaged``, so its
        runs count as missing and run again. A readable chunk stamped with another spec's digest
        belongs to another sweep: the resume is refused, and nothing is renamed.
        """
        aside = []
        seeds: dict[tuple[int, int], int] = {}
        for path in self.files():
            kind, why = self._problem(path, design, spec, seeds)
            if kind == "foreign":
                raise ParameterError(
                    f"{path}: written by a different sweep ({why}); this folder's runs cannot be mixed with this "
                    "spec: resume with the sweep's own options, or choose another --out"
                )
            if kind == "damaged":
                aside.append((path, _set_aside(path), why))
        return aside

    def _problem(
        self, path: Path, design: Design, spec: SweepSpec, seeds: dict[tuple[int, int], int]
    ) -> tuple[str | None, str]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path, page_checksum_verification=True)
            stamp = (pf.schema_arrow.metadata or {}).get(DIGEST_KEY.encode())
            table = pf.read()
        except (OSError, ValueError, pa.ArrowException) as exc:
            return "damaged", f"unreadable: {_first_line(exc)}"
        if stamp is None:
            return "foreign", "it carries no sweep stamp (written by an older coachsim?)"
        if stamp.decode(errors="replace") != self.digest:
            return "foreign", "its sweep stamp differs from this spec's"
        if not table.schema.equals(self.schema, check_metadata=False):
            return "damaged", "its columns are not this sweep's"
        points = table.column("point").to_numpy()
        reps = table.column("replication").to_numpy()
        if len(points) and not (
            (points >= 0).all()
            and (points < design.size).all()
            and (reps >= 0).all()
            and (reps < spec.replications).all()
        ):
            return "damaged", "a point or replication out of range"
        for p, r, seed in zip(points.tolist(), reps.tolist(), table.column("seed").to_pylist(), strict=True):
            key = (0 if spec.seeds == "common" else p, r)
            if key not in seeds:
                seeds[key] = run_seed(spec.seed, p, r, spec.seeds)
            if seed != seeds[key]:
                return "damaged", f"the seed of point {p}, replication {r} is not its seed"
        for n in self.names:
            column = design.columns[n]
            if table.column(n).to_pylist() != [column[p] for p in points.tolist()]:
                return "damaged", f"{n} does not hold the design's values at its points"
        return None, ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def read_runs(out: str | os.PathLike[str]) -> pd.DataFrame:
    """The runs of the sweep stored in ``out``: the tidy table ``analysis.sweep`` returns."""
    out = Path(out)
    meta = _read_meta(out)
    if meta is None:
        raise ParameterError(f"{out}: no sweep here ({SPEC_FILE} is missing)")
    return RunStore(out, [d["name"] for d in meta["spec"]["vary"]]).read()


# ============================================================================== the spec
@dataclass(frozen=True)
class SweepSpec:
    """Everything that determines a sweep's results; compared on resume."""

    scenario: Scenario
    dims: tuple[Dimension, ...]
    sampler: str
    samples: int | None
    replications: int
    seed: int
    seeds: str = "common"

    @property
    def names(self) -> list[str]:
        """The varied parameters, in order."""
        return [d.name for d in self.dims]

    def base(self) -> dict[str, Any]:
        """The scenario's full parameter set (the varied ones take the design's values)."""
        return self.scenario.values

    def to_json(self) -> dict[str, Any]:
        """The spec as stored in ``sweep.json``."""
        return _normal(
            {
                "scenario": self.scenario.name,
                "base": dict(sorted(self.base().items())),
                "vary": [d.to_json() for d in self.dims],
                "sampler": self.sampler,
                "samples": self.samples,
                "replications": self.replications,
                "seed": self.seed,
                "seeds": self.seeds,
                "coachsim_version": sim.__version__,
                "model_source": model_fingerprint(),
            }
        )

    def design(self) -> Design:
        """The sweep's points (deterministic given the spec)."""
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, DESIGN_TAG]))
        return make_sampler(self.sampler).design(self.dims, self.samples, rng)

    @property
    def points(self) -> int:
        """The number of points, without building the design."""
        return make_sampler(self.sampler).size(self.dims, self.samples)

    def digest(self) -> str:
        """A digest of :meth:`to_json`, stamped on every chunk file so a chunk says which sweep it is of."""
        comparable = _comparable(self.to_json())  # as a resume compares specs: 0:3:1 is 0,1,2,3
        return hashlib.sha256(json.dumps(comparable, sort_keys=True).encode()).hexdigest()[:16]

    def job(self, workers: int) -> Job:
        """The sweep's size for :func:`analysis.common.limits.check_job`: its largest run, all its runs."""
        base = self.base()
        weeks = self._largest("sim.weeks", base) + self._largest("sim.warmup_weeks", base)
        reps = _reps_per_run(base)
        if any(d.name == "org.reps" for d in self.dims):
            reps = self._largest("org.reps", base)
        for d in self.dims:
            if d.name == "org.roster":
                reps = max([reps, *(_reps_per_run({"org.roster": v}) for v in d.values if v)])
        return Job("sweep", self.points * self.replications, reps, weeks, workers, kept=False)

    def _largest(self, name: str, base: Mapping[str, Any]) -> int:
        values = [base[name]]
        for d in self.dims:
            if d.name == name:
                values = [v for v in d.values if v is not None] if d.discrete else [d.high]
        return int(max(values))


def model_fingerprint() -> str:
    """A digest of the model's source (``sim/*.py``): a resume must run the same model code."""
    h = hashlib.sha256()
    for path in sorted(Path(sim.__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _normal(obj: Any) -> Any:
    """What ``obj`` becomes after a JSON round trip (tuples to lists), for comparisons."""
    return json.loads(json.dumps(obj))


def make_spec(
    scenario: Scenario,
    vary: Mapping[str, Any] | Sequence[str] | Sequence[Dimension],
    sampler: str = "grid",
    samples: int | None = None,
    replications: int = 10,
    seed: int = 0,
    seeds: str = "common",
) -> SweepSpec:
    """Check every option and build the spec; raises ParameterError naming what is wrong."""
    dims = dimensions(vary)
    registry.resolve(scenario.overrides, scenario.origin)  # check the base set before anything else
    chosen = make_sampler(sampler)
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, int) or samples < 1):
        raise ParameterError(f"--samples {samples!r}: expected a whole number of at least 1")
    samples = chosen.check(dims, samples)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ParameterError(f"--replications {replications!r}: expected a whole number of at least 1")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"--seed {seed!r}: expected a whole number of 0 or more")
    if seeds not in SEED_RULES:
        raise ParameterError(f"--seeds {seeds!r}: expected one of {', '.join(SEED_RULES)}")
    for d in dims:
        if d.name == "org.roster":  # every roster of the list is read and checked now, not mid-sweep
            from sim.roster import load_roster

            for roster in d.values:
                if roster is not None:
                    load_roster(roster)
    return SweepSpec(scenario, tuple(dims), sampler, samples, replications, seed, seeds)


# ============================================================================== metadata
class DamagedMeta(ParameterError):
    """``sweep.json`` is there but cannot be read as a sweep description."""


def _read_meta(out: Path) -> dict[str, Any] | None:
    path = out / SPEC_FILE
    if not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text())
        meta["spec"]["vary"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DamagedMeta(f"{path}: not a readable sweep description ({_first_line(exc)})") from None
    return meta


def _write_json(path: Path, obj: Any) -> None:
    text = json.dumps(obj, indent=2, default=str) + "\n"
    replace_file(path, lambda tmp: tmp.write_text(text))


def _comparable(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec without the SPEC texts: ``0:3:1`` and ``0,1,2,3`` are the same values."""
    out = dict(spec)
    if isinstance(out.get("vary"), list):
        out["vary"] = [{k: v for k, v in d.items() if k != "spec"} for d in out["vary"] if isinstance(d, dict)]
    return out


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What differs between a stored spec and a new one, in words."""
    old, new = _comparable(old), _comparable(new)
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if key == "base" and isinstance(a, dict) and isinstance(b, dict):
            for name in sorted(set(a) | set(b)):
                if a.get(name) != b.get(name):
                    out.append(f"{name}: {_short(a.get(name))} stored, {_short(b.get(name))} now")
        elif key == "model_source":
            out.append("the model's code (sim/*.py) has changed since the sweep began")
        elif key == "vary" and isinstance(a, list) and isinstance(b, list):
            na, nb = [d.get("name") for d in a], [d.get("name") for d in b]
            if na != nb:
                out.append(f"varied parameters: {', '.join(map(str, na))} stored, {', '.join(map(str, nb))} now")
            else:
                for da, db in zip(a, b, strict=True):
                    if da != db:
                        ra = {k: v for k, v in da.items() if k != "name"}
                        rb = {k: v for k, v in db.items() if k != "name"}
                        out.append(f"--vary {da['name']}: {_short(ra)} stored, {_short(rb)} now")
        else:
            out.append(f"{key}: {_short(a)} stored, {_short(b)} now")
    return out


def _short(v: Any, width: int = 80) -> str:
    text = json.dumps(v)
    return text if len(text) <= width else text[: width - 3] + "..."


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
    """Runs per task: about 8 tasks per worker, and a point's replications together if they fit.

    A task holds at most :data:`CHUNK_REP_WEEKS` rep-weeks (``rep_weeks`` is one run's
    org.reps x weeks), so an interrupted task loses about a second of work.
    """
    cap = max(1, CHUNK_REP_WEEKS // max(rep_weeks, 1))
    # enough tasks that the workers finish together (the last task is the one waited for)
    size = max(math.ceil(pending / (8 * max(workers, 1))), replications)
    return max(1, min(cap, size))


def _progress(total: int, initial: int, show: bool | None) -> Any:
    from tqdm.auto import tqdm

    if show is None:
        show = sys.stderr.isatty()
    return tqdm(total=total, initial=initial, desc="sweep", unit="run", disable=not show, dynamic_ncols=True)


def _write_points(out: Path, design: Design) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols: dict[str, Any] = {"point": pa.array(np.arange(design.size), pa.int64())}
    if design.block is not None:
        cols["block"] = pa.array(design.block, pa.string())
    for n in design.names:
        cols[n] = pa.array(design.columns[n], _arrow_type(registry.by_name(n)))
    table = pa.table(cols)
    replace_file(out / POINTS_FILE, lambda tmp: pq.write_table(table, tmp, write_page_checksum=True))


def _read_points(out: Path, design: Design) -> Design | None:
    """The stored design, so that a resume uses exactly the points already run; None if it is missing or damaged.

    A damaged ``points.parquet`` is set aside with a warning; the caller rebuilds it from the spec
    (the chunks are checked against the rebuilt design, so a design that came out differently
    would be found).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = out / POINTS_FILE
    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        columns = {n: table.column(n).to_pylist() for n in design.names}
        stored = Design(design.names, columns, design.info, design.block)
        if stored.size != design.size:
            raise ValueError(f"it holds {stored.size} points, the spec makes {design.size}")
    except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
        target = _set_aside(path)
        _warn(f"{path} is damaged ({_first_line(exc)}); set aside as {target.name} and rebuilt from the spec")
        return None
    return stored


def _set_aside(path: Path) -> Path:
    """Rename a damaged file to ``NAME.damaged`` (``.damaged.2``, ... if taken); return the new path."""
    target = path.with_name(path.name + DAMAGED)
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}{DAMAGED}.{n}")
    os.replace(path, target)
    fsync_dir(path.parent)
    return target


class SweepWarning(UserWarning):
    """Something a sweep repaired on its way (a damaged chunk set aside, metadata rebuilt), or a design too small."""


def _warn(message: str) -> None:
    warnings.warn(message, SweepWarning, stacklevel=3)


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
    executor: Any = None,
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
        executor: An :class:`analysis.runs.executors.Executor` (left open), or ``"inprocess"``,
            ``"process"`` or ``"dask"``; default a local process pool, or Dask if ``scheduler``.
        workers: Local processes (default all cores).
        scheduler: Address of a running Dask scheduler.
        out: Output folder (default: a new temporary folder).
        resume: Continue the sweep stored in ``out``, running only what is missing.
        chunk_size: Runs per task and per file (default: :func:`auto_chunk`: about 8 tasks per
            worker, a point's replications together so they run as one stack, and about a
            second of work a task).
        progress: Show a progress bar (default: when stderr is a terminal).
        plots: Draw ``sweep.png`` (and ``sensitivity.png``).
        command: The command line, recorded in ``sweep.json``.
        on_chunk: Called with the number of runs stored after each chunk is written (tests use
            it to interrupt a sweep part way).
    """
    from analysis.runs.executors import Executor, make_executor
    from sim.scenario import load

    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    spec = make_spec(scenario, vary, sampler, samples, replications, seed, seeds)
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1):
        raise ParameterError(f"--chunk-size {chunk_size!r}: expected a whole number of at least 1")
    own = not isinstance(executor, Executor)
    ex = make_executor(executor, workers, scheduler) if own else executor  # checked, not started
    check_job(spec.job(ex.workers))
    design = spec.design()
    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix=f"coachsim-sweep-{scenario.name}-"))
    with contextlib.ExitStack() as stack:
        # The folder is locked before anything in it is read, and stays locked to the end.
        stack.enter_context(claim(out, "sweep", SWEEP_FILES))
        meta = _open(out, spec, resume)
        # Start the workers before this process opens Parquet files or threads (see ProcessExecutor).
        if own:
            stack.callback(ex.close)
        ex.start()
        store = RunStore(out, spec.names, spec.digest())
        store.clean()
        stored = _read_points(out, design) if meta is not None else None
        design = stored or design
        for path, aside, why in store.check(design, spec):
            _warn(f"{path} is damaged ({why}); set aside as {aside.name}, its runs will run again")
        if stored is None:
            _write_points(out, design)
        if meta is None:
            meta = _new_meta(scenario, spec, design, command)
            _write_json(out / SPEC_FILE, meta)

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
            size = chunk_size or auto_chunk(pending, ex.workers, spec.replications, _reps_per_run(base) * run_weeks)
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
            raise OutputError(f"{exc}; the {already + ran:,} runs stored so far are kept: {_AGAIN}") from None
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
                _write_json(out / SPEC_FILE, meta)
            except OutputError as exc:
                if not failed:  # an interrupt or another error is what the caller needs to hear
                    raise OutputError(f"{exc}; the {already + ran:,} runs stored are kept: {_AGAIN}") from None

        result = SweepResult(out, spec, design.size, total, already, ran, seconds, where)
        result.files = [f"{RUNS_DIR}/", POINTS_FILE, SPEC_FILE]
        try:
            _finish(result, design, plots)
        except OutputError as exc:
            raise OutputError(f"{exc}; every run is stored: {_AGAIN}") from None
    return result


_AGAIN = "make room, then run the same command with --resume"


def _open(out: Path, spec: SweepSpec, resume: bool) -> dict[str, Any] | None:
    """Under the folder's lock: the stored sweep's metadata, or None to write it (a new or rebuilt sweep).

    Refuses a folder holding a sweep without ``resume``, or a sweep of another spec. Lost or
    damaged metadata with runs stored is rebuilt from the spec given, with ``resume`` only (every
    chunk is then checked against the spec's digest before anything is written).
    """
    chunks = RunStore(out, spec.names).files()
    try:
        meta = _read_meta(out)
    except DamagedMeta as exc:
        if not resume:
            raise ParameterError(
                f"{exc}; to rebuild it from the spec, run the same sweep command again with --resume, "
                "or choose another --out"
            ) from None
        target = _set_aside(out / SPEC_FILE)
        _warn(f"{exc}; set aside as {target.name} and rebuilt from the spec given, after checking every chunk")
        return None
    if meta is not None:
        if not resume:
            raise ParameterError(f"{out} already holds a sweep; add --resume to continue it, or choose another --out")
        diff = _differences(meta.get("spec", {}), spec.to_json())
        if diff:
            raise ParameterError(
                f"{out}: cannot resume, the sweep stored there has a different spec ("
                + "; ".join(diff[:6])
                + ("; ..." if len(diff) > 6 else "")
                + "). Resume with the same scenario and options, or choose another --out"
            )
        return meta
    if chunks and not resume:
        raise ParameterError(
            f"{out}/{RUNS_DIR} holds {len(chunks):,} chunk files but {SPEC_FILE} is missing; to rebuild it from "
            "the spec, run the same sweep command again with --resume, or choose another --out"
        )
    if chunks:
        _warn(f"{out}/{SPEC_FILE} is missing; rebuilding it from the spec given, after checking every chunk")
    return None


def _counted_year(scenario: Scenario, spec: SweepSpec) -> str:
    """Which year the sweep's results count, in words (it may vary by point)."""
    if "sim.warmup_weeks" in spec.names:
        return "Varies by point: sim.warmup_weeks is swept (0 counts the first year after the change)."
    return horizon.sentence(int(scenario.values["sim.warmup_weeks"]))


def _new_meta(scenario: Scenario, spec: SweepSpec, design: Design, command: str) -> dict[str, Any]:
    """``sweep.json`` of a new sweep."""
    return {
        "coachsim_version": sim.__version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": command,
        "counted_year": _counted_year(scenario, spec),
        "scenario": {
            "name": scenario.name,
            "file": str(scenario.path) if scenario.path else None,
            "description": scenario.description,
            "overrides": dict(scenario.overrides),
        },
        "spec": spec.to_json(),
        "spec_digest": spec.digest(),
        "design": design.info,
        "seed_rule": (
            "run seed = SeedSequence(entropy=seed, spawn_key=(replication,)) first uint64 word "
            "(common random numbers: the same seed for replication r at every point)"
            if spec.seeds == "common"
            else "run seed = SeedSequence(entropy=seed, spawn_key=(point, replication)) first uint64 word"
        ),
        "columns": ["point", "replication", "seed", *spec.names, *CANONICAL],
    }


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
        from analysis.sweeps.sensitivity import small_design_warning, sobol_table

        assert spec.samples is not None
        try:
            result.sensitivity = sobol_table(summary, spec.names, spec.samples, seed=spec.seed)
        except Exception as exc:  # the indices must never cost the summary: every run is stored
            result.notes.append(f"the Sobol indices failed: {exc}")
        else:
            small = small_design_warning(result.sensitivity, spec.samples)
            if small:
                result.notes.append(small)
                _warn(small)
    elif spec.sampler == "sobol":
        result.notes.append("Sobol indices need every run; resume the sweep to compute them")

    def write(folder: Path) -> None:
        summary.to_csv(folder / SUMMARY_FILE, index=False)
        if result.sensitivity is not None:
            result.sensitivity.to_csv(folder / SENSITIVITY_FILE, index=False)
        if not plots:
            return
        if len(summary):
            from analysis.sweeps.plots import plot_sweep

            try:
                plot_sweep(summary, list(spec.dims), spec.sampler, folder / PLOT_FILE)
            except Exception as exc:  # a plot must never cost the results
                result.notes.append(f"the sweep plot failed: {exc}")
        if result.sensitivity is not None:
            from analysis.sweeps.sensitivity import plot_sensitivity

            try:
                plot_sensitivity(result.sensitivity, folder / SENSITIVITY_PLOT)
            except Exception as exc:
                result.notes.append(f"the sensitivity plot failed: {exc}")

    names = publish(out, write)
    result.files += [n for n in (SUMMARY_FILE, PLOT_FILE, SENSITIVITY_FILE, SENSITIVITY_PLOT) if n in names]


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
    from scipy import stats

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
        from analysis.sweeps.sensitivity import format_sensitivity

        lines += ["", format_sensitivity(result.sensitivity)]
    lines += [f"note: {n}" for n in result.notes]
    lines.append(f"\nwrote {result.out}/: {', '.join(result.files)}")
    return "\n".join(lines)


def command_line(argv: Sequence[str]) -> str:
    """The command as recorded in ``sweep.json``."""
    return "python run.py " + shlex.join(list(argv))
