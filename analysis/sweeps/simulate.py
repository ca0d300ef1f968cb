"""The work of a sweep: the seed of each run, and a chunk of points run as stacks of replications.

**Seeds.** The run of replication ``r`` at point ``p`` uses the first 64-bit word of
``SeedSequence(entropy=seed, spawn_key=KEY)``. By default (``seeds="common"``) ``KEY = (r,)``:
replication r of every point uses the same seed -- common random numbers, so that differences
between points are differences between policies, not between draws -- and that seed is the one
replication r of ``analysis.runs.runner.replicate`` with the same seed uses, so a point of a
sweep reproduces the matching scenario run exactly. With ``seeds="independent"``
``KEY = (p, r)``. Either way a run's seed depends only on (seed, point, replication): results
are identical whatever the order, the chunking, the number of workers or the executor.

**Stacks.** A task runs its runs in stacks, ``SalesOrgModel(seeds=[...], params=[...])``: the
copies of the organisation sit side by side in the same arrays and step together, each with its
own seed and parameters, drawing its own keyed numbers, so each copy is bit for bit the run made
alone (``tests/sweeps/test_stack.py``) while the per-call overhead of the week's phases is paid
once a week for the stack. Consecutive runs share a stack, replications and points alike, unless
they differ in a parameter the runs of a stack must share (the org's shape, the calendar, a
choice or a switch: ``sim.runs.shared``). For a 100-rep org that makes a run about three times
cheaper (``benchmarks/``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim import params as registry
from sim.mesa_compat import release
from sim.metrics import CANONICAL
from sim.model import SalesOrgModel
from sim.roster import load_roster
from sim.runs import shared

__all__ = ["SEED_RULES", "STACK_SEATS", "Chunk", "reps_per_run", "run_chunk", "run_seed", "simulate", "simulate_stack"]


SEED_RULES = ("common", "independent")


#: Most rep seats in one stack of replications (``SalesOrgModel(seeds=...)``); beyond a few
#: thousand seats numpy's per-call overhead is paid off and a bigger stack only costs memory.
STACK_SEATS = 20_000


# ============================================================================== seeds and runs
def run_seed(seed: int, point: int, replication: int, rule: str = "common") -> int:
    """The model seed of one run: ``SeedSequence(seed, spawn_key=...)``, see the module notes."""
    key = (replication,) if rule == "common" else (point, replication)
    return int(np.random.SeedSequence(entropy=seed, spawn_key=key).generate_state(1, np.uint64)[0])


def simulate_stack(
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]], seeds: Sequence[int]
) -> list[dict[str, float]]:
    """Run the model once per seed, all in one stack (``SalesOrgModel(seeds=..., params=...)``).

    ``values`` are the parameters of every run, or a list of each run's. Item ``k`` is bit for
    bit ``simulate(values[k], seeds[k])`` (a test checks it): a stack only shares the per-call
    overhead of the week between the runs, which makes small orgs several times cheaper to run.
    """

    model = SalesOrgModel(seeds=seeds, params=values)
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

    Consecutive runs share a stack (at most :data:`STACK_SEATS` rep seats each) where they may;
    each run's result is the same as running it alone.
    """
    out: dict[str, list[Any]] = {"point": [], "replication": [], "seed": [], **{m: [] for m in CANONICAL}}
    for group in _stacks(chunk):
        values = [_values(chunk, item) for item in group]
        for (point, replication, seed, _), metrics in zip(
            group, simulate_stack(values, [item[2] for item in group]), strict=True
        ):
            out["point"].append(point)
            out["replication"].append(replication)
            out["seed"].append(seed)
            for m in CANONICAL:
                out[m].append(float(metrics[m]))
    return out


def _values(chunk: Chunk, item: tuple[int, int, int, tuple[Any, ...]]) -> dict[str, Any]:
    """The full parameters of one item of a chunk."""
    return {**chunk.base, **dict(zip(chunk.names, item[3], strict=True))}


def _stacks(chunk: Chunk) -> Iterator[list[tuple[int, int, int, tuple[Any, ...]]]]:
    """Consecutive items that may share a stack, in groups of at most :data:`STACK_SEATS` rep seats.

    Items may share a stack when they agree on every varied parameter that the runs of a stack
    must share (``sim.runs.shared``); replications of one point always do.
    """
    kept = [i for i, name in enumerate(chunk.names) if shared(name)]
    group: list[tuple[int, int, int, tuple[Any, ...]]] = []
    group_key: tuple[Any, ...] = ()
    most = 1
    for item in chunk.items:
        key = tuple(item[3][i] for i in kept)
        if group and (key != group_key or len(group) >= most):
            yield group
            group = []
        if not group:
            group_key, most = key, max(1, STACK_SEATS // max(reps_per_run(_values(chunk, item)), 1))
        group.append(item)
    if group:
        yield group


def reps_per_run(values: Mapping[str, Any]) -> int:
    """Rep seats of one run with ``values`` (a roster's size is read when it is the org)."""
    roster = values.get("org.roster")
    if roster:
        return load_roster(roster).n_reps
    return int(values.get("org.reps") or registry.by_name("org.reps").default)
