"""What a run costs alone and in a stack of replications, and where a stack's cost per copy goes.

    python benchmarks/bench_stack.py [--reps 100] [--weeks 52] [--stacks 1,10,40] [--repeats 5]

For each stack size K it builds ``SalesOrgModel(seeds=[...K seeds])`` (K=1 is still a stack:
no weekly DataCollector rows) and steps it ``--weeks`` weeks, then reports the best of
``--repeats`` as milliseconds per run, next to a plain ``SalesOrgModel(seed=...)`` run (which
collects weekly rows, as ``mesa.batch_run`` needs). It then times each phase of the week at the
two largest stack sizes and prints the marginal cost of one more copy per week and phase: the
floor a stack cannot go below, however many copies it holds. The phases are what
``SalesOrgModel.step`` calls: the submodels ``plan_hours``, ``develop_people``, ``sell`` and
``turn_over`` (wrapped where ``sim.model`` looks them up) and the ledger's ``_count_sales`` and
``_count_week``. A warm-up run first loads numba's compiled code (``bench_model.py`` times that).

Pinned to one CPU where the OS allows (``--no-pin`` to turn off). Run on an idle machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sim.model  # noqa: E402
from analysis.runs.runner import release  # noqa: E402
from sim.model import SalesOrgModel  # noqa: E402

#: The submodels ``SalesOrgModel.step`` calls as functions of ``sim.model``'s namespace.
SUBMODELS = ("plan_hours", "develop_people", "sell", "turn_over")
#: The model's own bookkeeping methods of the week.
METHODS = ("_count_sales", "_count_week")
PHASES = SUBMODELS + METHODS


def run_ms(stack: int | None, reps: int, weeks: int, repeats: int) -> float:
    """Best milliseconds per run: construction plus ``weeks`` steps, divided by the copies."""
    best = float("inf")
    for r in range(repeats):
        gc.collect()
        start = time.perf_counter()
        if stack is None:
            model = SalesOrgModel(seed=r, org_reps=reps, sim_weeks=weeks, sim_warmup_weeks=0)
        else:
            model = SalesOrgModel(
                seeds=range(r * stack, (r + 1) * stack), org_reps=reps, sim_weeks=weeks, sim_warmup_weeks=0
            )
        for _ in range(weeks):
            model.step()
        best = min(best, (time.perf_counter() - start) / (stack or 1))
        release(model)
    return best * 1e3


def phase_us(stack: int, reps: int, weeks: int) -> dict[str, float]:
    """Microseconds a week in each phase of a stack of ``stack`` copies."""
    spent = dict.fromkeys(PHASES, 0.0)

    def timer(name: str, phase: Callable[..., None]) -> Callable[..., None]:
        def timed(*args: Any) -> None:
            start = time.perf_counter()
            phase(*args)
            spent[name] += time.perf_counter() - start

        return timed

    model = SalesOrgModel(seeds=range(stack), org_reps=reps, sim_weeks=weeks, sim_warmup_weeks=0)
    for name in METHODS:
        setattr(model, name, timer(name, getattr(model, name)))
    originals = {name: getattr(sim.model, name) for name in SUBMODELS}
    try:
        for name, phase in originals.items():
            setattr(sim.model, name, timer(name, phase))
        for _ in range(weeks):
            model.step()
    finally:
        for name, phase in originals.items():
            setattr(sim.model, name, phase)
    release(model)
    return {name: s / weeks * 1e6 for name, s in spent.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table of costs per run and the marginal cost of a copy by phase."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100, help="org.reps of each copy (default 100)")
    ap.add_argument("--weeks", type=int, default=52, help="weeks (default 52, no warm-up)")
    ap.add_argument("--stacks", default="1,10,40", help="stack sizes (default 1,10,40)")
    ap.add_argument("--repeats", type=int, default=5, help="best of this many (default 5)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    args = ap.parse_args(argv)
    sizes = sorted({int(s) for s in args.stacks.split(",")})
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    run_ms(10, args.reps, 4, 1)  # warm caches and imports, and load numba's compiled code

    print(f"org.reps={args.reps}, {args.weeks} weeks, best of {args.repeats}")
    alone = run_ms(None, args.reps, args.weeks, args.repeats)
    print(f"  alone, with weekly DataCollector rows: {alone:7.2f} ms/run")
    for k in sizes:
        ms = run_ms(k, args.reps, args.weeks, args.repeats)
        print(f"  stack of {k:>4}:                      {ms:7.2f} ms/run  ({alone / ms:.2f}x)")
    if len(sizes) >= 2:
        lo, hi = sizes[-2], sizes[-1]
        a, b = phase_us(lo, args.reps, args.weeks), phase_us(hi, args.reps, args.weeks)
        print(f"one more copy, a week (from stacks of {lo} and {hi}):")
        for name in PHASES:
            print(f"  {name:16s} {(b[name] - a[name]) / (hi - lo):7.1f} us")
        total = sum(b.values()) - sum(a.values())
        print(f"  {'total':16s} {total / (hi - lo):7.1f} us  = {total / (hi - lo) * args.weeks / 1e3:.2f} ms/run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
