"""Profile one SalesOrgModel run with cProfile and print the most expensive functions.

    python benchmarks/profile_model.py [--reps 10000] [--weeks 52] [--top 25] [--sort cumulative] [--out FILE]

The run is what ``bench_model.py`` times: construction plus ``sim.weeks`` steps, no warm-up
weeks, after a tiny model has loaded numba's compiled code (so the profile is of the run, not of
the cache's loading).
The listing is sorted by cumulative time (time in a function and everything it calls), which
shows which phase of the week costs most; ``--sort tottime`` shows the hot leaves instead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def profile_run(reps: int, weeks: int, seed: int = 1) -> cProfile.Profile:
    """Profile constructing a model of ``reps`` reps and stepping it ``weeks`` times."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sim.model import SalesOrgModel

    warm = SalesOrgModel(seed=seed, org_reps=20, sim_weeks=2, sim_warmup_weeks=0)
    for _ in range(2):
        warm.step()  # load numba's compiled code first: bench_model.py times that on its own
    profiler = cProfile.Profile()
    profiler.enable()
    model = SalesOrgModel(seed=seed, org_reps=reps, sim_weeks=weeks, sim_warmup_weeks=0)
    for _ in range(weeks):
        model.step()
    profiler.disable()
    return profiler


def main(argv: Sequence[str] | None = None) -> int:
    """Run the profile and print the top functions."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10_000, help="reps in the org (default 10000)")
    ap.add_argument("--weeks", type=int, default=52, help="weeks to step (default 52)")
    ap.add_argument("--top", type=int, default=25, help="functions to list (default 25)")
    ap.add_argument("--sort", default="cumulative", help="pstats sort key (default cumulative)")
    ap.add_argument("--seed", type=int, default=1, help="model seed (default 1)")
    ap.add_argument("--out", default=None, help="also save the raw profile here (for snakeviz etc.)")
    args = ap.parse_args(argv)

    profiler = profile_run(args.reps, args.weeks, args.seed)
    if args.out:
        profiler.dump_stats(args.out)
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.top)
    print(f"cProfile of SalesOrgModel: {args.reps:,} reps, construction + {args.weeks} weeks")
    print(buf.getvalue().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
