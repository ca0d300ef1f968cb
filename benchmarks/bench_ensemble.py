"""Workshop-across-the-ensemble benchmark: the whole ``workshop --ensemble`` command, wall clock.

    python benchmarks/bench_ensemble.py                  # 3 repeats, the shipped ensemble, 2 workers
    python benchmarks/bench_ensemble.py --repeats 5 --workers 2 --json results/bench_ensemble.json
    python benchmarks/bench_ensemble.py --ensemble results/ensemble.parquet   # any other ensemble

Each repeat runs ``python run.py workshop --ensemble --workers W --out TMP`` in a fresh Python
process, as a facilitator would: the point comparison (40 replications of each of the 5
policies), the same policies in every member of the shipped ensemble (8 replications each), the
statistics, PRIM, the charts and the report. The clock is the whole command's, interpreter
start-up included. The numba kernels are compiled once before the first repeat (a first run on a
new machine compiles them: about half a minute on one core, ``benchmarks/bench_model.py``
measures it) and loaded from the cache after. Also reported: the CPU seconds of the command's
process tree and the load average before each repeat (a busy machine slows the wall clock).

The goal of issue 15: the default ``workshop --ensemble`` (the shipped ensemble, at least 100
members) under 60 s on 2 cores. Printed as PASS or FAIL on the median.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 60.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(workers: int, out: Path, ensemble: str) -> tuple[float, float]:
    """One whole command: its wall seconds and the CPU seconds of its process tree."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(
        [sys.executable, "run.py", "workshop", "--ensemble", ensemble, "--workers", str(workers), "--out", str(out)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0, _children_cpu() - cpu0


def main(argv: list[str] | None = None) -> int:
    """Time the command and print the figures (and write them as JSON with --json)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", default=None, metavar="FILE")
    ap.add_argument("--ensemble", default=None, metavar="FILE", help="the ensemble (default: the shipped one)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from analysis.comparisons.robustness import ENSEMBLE_FILE, ENSEMBLE_REPLICATIONS
    from analysis.evidence.ensemble import load
    from sim.model import SalesOrgModel

    ensemble = str(Path(args.ensemble or ENSEMBLE_FILE).resolve())
    members = len(load(ensemble))
    # a short run compiles (or loads) every kernel and leaves them cached: every repeat starts warm
    SalesOrgModel(seed=0, params={"org.reps": 16, "sim.weeks": 2, "sim.warmup_weeks": 0}).run_model()
    walls, cpus, loads = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            loads.append(os.getloadavg()[0])
            wall, cpu = _run(args.workers, Path(tmp) / f"r{i}", ensemble)
            walls.append(wall)
            cpus.append(cpu)
            print(f"repeat {i + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU (load before {loads[-1]:.2f})", flush=True)
    median = statistics.median(walls)
    verdict = "PASS" if median < GOAL_SECONDS else "FAIL"
    print(
        f"workshop --ensemble, {members} members x 5 policies x {ENSEMBLE_REPLICATIONS} replications, "
        f"{args.workers} workers: median {median:.1f} s (min {min(walls):.1f}, max {max(walls):.1f}); "
        f"goal under {GOAL_SECONDS:.0f} s: {verdict}"
    )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(
            json.dumps(
                {"members": members, "workers": args.workers, "wall_s": walls, "cpu_s": cpus, "load": loads}, indent=2
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
