"""Sweep benchmark: coachsim's sweep against ``mesa.batch_run``, and the sweep's memory as runs grow.

    python benchmarks/bench_sweep.py                       # both parts, defaults below
    python benchmarks/bench_sweep.py --skip-memory --repeats 3
    python benchmarks/bench_sweep.py --skip-memory --replications 40   # the 1,000-run sweep only
    python benchmarks/bench_sweep.py --memory-runs 500,10000 --memory-reps 16 --json results/bench_sweep.json

**Speed.** The same model (``SalesOrgModel``), the same grid (``--points`` values of
``coaching.hours_per_rep_month`` times ``--points`` values of ``manager.quota_share``), the same
replications, org size, weeks and number of processes, run by

- ``batch_run``: ``mesa.batch_run(SalesOrgModel, parameters, iterations=R, max_steps=WEEKS,
  number_processes=P, data_collection_period=-1, display_progress=False)``. ``-1`` collects
  only the end of each run, the cheapest setting and the fairest to batch_run (its default
  for ``data_collection_period`` is also -1; ``1`` would copy every week of every run into the
  returned rows);
- ``ours``: ``analysis.sweeps.sweep.run_sweep`` with ``workers=P``, writing the runs to Parquet and
  ``summary.csv`` (plots off; their cost is reported on its own line).

Each contender runs in a fresh Python process (Mesa's import forces the ``spawn`` start method,
and both pay for starting their worker processes); the clock starts after the imports and stops
when the call returns. Figures are the best of ``--repeats`` alternating repeats. Also reported:
CPU milliseconds per run (user + system), which a busy machine disturbs less than the wall
clock: the CPU time of the contender's whole process tree (interpreter start-up and imports
included, as this script sees it once the tree has exited); and the load average.
``--replications`` takes a comma list, and the speed part is measured, and its ratio printed,
once for each: by default 10 and 40 replications, the 250- and 1,000-run sweeps of issue 14.

**Memory.** A ``lhs`` sweep of ``--memory-runs`` runs (``samples = runs / 10``, 10
replications) through the same code path as ``python run.py sweep``, in a fresh process; this
script samples the resident memory of that process and all its descendants (``psutil``) every
20 ms and reports the peak of the sum, with the child's own ``getrusage`` maxima alongside.
The goal: the peak for the largest sweep at most 1.5 times that of the smallest.

The goals, each printed as PASS, FAIL or NOT MEASURED: issue 14's, that the 1,000-run sweep
(5 x 5 grid, 40 replications, 100 reps, 52 weeks, 2 processes) runs at least 5 times as many
runs per second as batch_run; and issue 4's memory goal, kept: ratio at most 1.5.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from arguments import whole_numbers  # benchmarks/arguments.py: the scripts run from this folder

ROOT = Path(__file__).resolve().parents[1]
SPEED_GOAL = 5.0
MEMORY_GOAL = 1.5
#: The sweep of issue 14's speed goal: 1,000 runs.
GOAL_SWEEP = {"points": 5, "replications": 40, "reps": 100, "weeks": 52, "processes": 2}


# ----------------------------------------------------------------------------- children
def _grid(points: int) -> dict[str, list[float]]:
    import numpy as np

    return {
        "coaching.hours_per_rep_month": [float(x) for x in np.linspace(0, 6, points)],
        "manager.quota_share": [float(x) for x in np.linspace(0, 0.5, points)],
    }


def _children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def child_speed(cfg: dict[str, Any]) -> dict[str, Any]:
    """Time one contender on the grid; returns seconds, runs and CPU seconds."""
    grid = _grid(cfg["points"])
    fixed = {"org.reps": cfg["reps"], "sim.weeks": cfg["weeks"], "sim.warmup_weeks": 0}
    if cfg["who"] == "batch_run":
        from mesa.batchrunner import batch_run

        from sim.model import SalesOrgModel
        from sim.params import kwarg_name

        parameters = {kwarg_name(k): v for k, v in {**grid, **fixed}.items()}
        t0 = time.perf_counter()
        rows = batch_run(
            SalesOrgModel,
            parameters=parameters,
            number_processes=cfg["processes"],
            iterations=cfg["replications"],
            max_steps=cfg["weeks"],
            data_collection_period=-1,
            display_progress=False,
        )
        return {"seconds": time.perf_counter() - t0, "runs": len(rows)}
    from analysis.sweeps.plots import PLOT_FILE, plot_sweep
    from analysis.sweeps.sweep import run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = run_sweep(
            "baseline",
            grid,
            overrides=fixed,
            replications=cfg["replications"],
            seed=0,
            workers=cfg["processes"],
            out=Path(tmp) / "sweep",
            plots=False,
            progress=False,
        )
        seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        plot_sweep(result.summary(), list(result.spec.dims), "grid", Path(tmp) / PLOT_FILE)
        plot_seconds = time.perf_counter() - t1
    return {"seconds": seconds, "runs": result.ran, "plot_seconds": plot_seconds}


def child_memory(cfg: dict[str, Any]) -> dict[str, Any]:
    """One lhs sweep of ``runs`` runs through the command's code path."""
    from analysis.sweeps.summary import format_report
    from analysis.sweeps.sweep import run_sweep

    replications = 10
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = run_sweep(
            "baseline",
            ["coaching.hours_per_rep_month=0..6", "manager.quota_share=0..0.5"],
            sampler="lhs",
            samples=cfg["runs"] // replications,
            overrides={"org.reps": cfg["reps"], "sim.weeks": cfg["weeks"], "sim.warmup_weeks": 0},
            replications=replications,
            workers=cfg["processes"],
            out=Path(tmp) / "sweep",
            progress=False,
        )
        seconds = time.perf_counter() - t0
        report = format_report(result)
    kb = 1024 if sys.platform != "darwin" else 1
    return {
        "runs": result.ran,
        "seconds": seconds,
        "self_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kb / 2**20,
        "largest_child_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kb / 2**20,
        "report_lines": len(report.splitlines()),
    }


# ----------------------------------------------------------------------------- parent
def _spawn(kind: str, cfg: dict[str, Any], monitor: bool = False) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "_child", kind, json.dumps(cfg)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = {"rss": 0}
    stop = threading.Event()

    def watch() -> None:
        import psutil

        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            peak["rss"] = max(peak["rss"], total)
            stop.wait(0.02)

    watcher = threading.Thread(target=watch, daemon=True) if monitor else None
    if watcher:
        watcher.start()
    cpu0 = _children_cpu()
    out, _ = proc.communicate()
    cpu = _children_cpu() - cpu0
    stop.set()
    if watcher:
        watcher.join()
    if proc.returncode:
        raise SystemExit(f"benchmark child {kind} failed with exit code {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["cpu_seconds"] = cpu  # the whole tree: interpreter start-up, imports, workers, the runs
    if monitor:
        result["tree_peak_rss_mb"] = peak["rss"] / 2**20
    return result


def _load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def speed(args: argparse.Namespace, replications: int) -> dict[str, Any]:
    """Best of ``repeats`` alternating runs of each contender, at ``replications`` per point."""
    base = {
        "points": args.points,
        "replications": replications,
        "reps": args.reps,
        "weeks": args.weeks,
        "processes": args.processes,
    }
    trials: dict[str, list[dict[str, Any]]] = {"batch_run": [], "ours": []}
    load_before = _load()
    for i in range(args.repeats):
        order = ("batch_run", "ours") if i % 2 == 0 else ("ours", "batch_run")
        for who in order:
            res = _spawn("speed", {**base, "who": who})
            res["load"] = _load()
            trials[who].append(res)
            print(
                f"  {who:9} repeat {i + 1}: {res['runs']} runs in {res['seconds']:.2f} s "
                f"({res['runs'] / res['seconds']:.1f} runs/s), {res['cpu_seconds'] / res['runs'] * 1000:.1f} "
                f"CPU ms/run, load {res['load']}",
                flush=True,
            )
    best = {who: min(t, key=lambda r: r["seconds"]) for who, t in trials.items()}
    rate = {who: b["runs"] / b["seconds"] for who, b in best.items()}
    cpu = {who: min(r["cpu_seconds"] / r["runs"] for r in t) for who, t in trials.items()}
    ratio = rate["ours"] / rate["batch_run"]
    return {
        "config": base,
        "runs": best["ours"]["runs"],
        "trials": trials,
        "runs_per_second": rate,
        "cpu_ms_per_run": {k: v * 1000 for k, v in cpu.items()},
        "speedup": ratio,
        "plot_seconds": min(r["plot_seconds"] for r in trials["ours"]),
        "load_before": load_before,
        "load_after": _load(),
    }


def memory(args: argparse.Namespace) -> dict[str, Any]:
    """Peak resident memory of the process tree for each sweep size."""
    out = {}
    load_before = _load()
    for runs in args.memory_runs:
        cfg = {"runs": runs, "reps": args.memory_reps, "weeks": args.weeks, "processes": args.processes}
        res = _spawn("memory", cfg, monitor=True)
        res["load"] = _load()
        out[runs] = res
        print(
            f"  {runs:>6} runs: peak RSS of the process tree {res['tree_peak_rss_mb']:.0f} MB "
            f"(main process {res['self_maxrss_mb']:.0f} MB, largest worker {res['largest_child_maxrss_mb']:.0f} MB), "
            f"{res['seconds']:.1f} s, load {res['load']}",
            flush=True,
        )
    small, large = min(out), max(out)
    ratio = out[large]["tree_peak_rss_mb"] / out[small]["tree_peak_rss_mb"]
    return {
        "config": {
            "reps": args.memory_reps,
            "weeks": args.weeks,
            "processes": args.processes,
            "sampler": "lhs",
            "replications": 10,
        },
        "sizes": out,
        "ratio": ratio,
        "goal": MEMORY_GOAL,
        "pass": ratio <= MEMORY_GOAL,
        "load_before": load_before,
        "load_after": _load(),
    }


def speed_goal(sizes: list[dict[str, Any]]) -> dict[str, Any]:
    """Issue 14's speed goal, measured by the size run with exactly ``GOAL_SWEEP``'s settings."""
    runs = GOAL_SWEEP["points"] ** 2 * GOAL_SWEEP["replications"]
    goal = (
        f"the {runs:,}-run sweep ({GOAL_SWEEP['points']}x{GOAL_SWEEP['points']} grid, {GOAL_SWEEP['replications']} "
        f"replications, org.reps={GOAL_SWEEP['reps']}, {GOAL_SWEEP['weeks']} weeks, {GOAL_SWEEP['processes']} "
        f"processes) runs at least {SPEED_GOAL:g}x mesa.batch_run's runs per second"
    )
    match = [s for s in sizes if s["config"] == GOAL_SWEEP]
    if not match:
        return {"goal": goal, "status": "not measured", "value": None}
    ratio = match[0]["speedup"]
    return {"goal": goal, "status": "pass" if ratio >= SPEED_GOAL else "fail", "value": ratio}


def _goal_line(check: dict[str, Any]) -> str:
    value = "" if check["value"] is None else f" ({check['value']:.3g})"
    return f"{check['status'].upper():>12}  {check['goal']}{value}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally save) its figures."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_child"]:
        kind, cfg = argv[1], json.loads(argv[2])
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        result = child_speed(cfg) if kind == "speed" else child_memory(cfg)
        print(json.dumps(result))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=5, help="values per varied parameter (grid points^2; default 5)")
    ap.add_argument(
        "--replications",
        type=whole_numbers,
        default=[10, 40],
        help="replications per point, a comma list: one speed measurement each (default 10,40: 250 and 1,000 runs)",
    )
    ap.add_argument("--reps", type=int, default=100, help="org.reps for the speed part (default 100)")
    ap.add_argument("--weeks", type=int, default=52, help="sim.weeks (default 52, no warm-up)")
    ap.add_argument("--processes", type=int, default=2, help="processes for both contenders (default 2)")
    ap.add_argument("--repeats", type=int, default=2, help="alternating repeats of the speed part (default 2)")
    ap.add_argument("--memory-runs", type=whole_numbers, default=[500, 10_000], help="sweep sizes (default 500,10000)")
    ap.add_argument("--memory-reps", type=int, default=100, help="org.reps for the memory part (default 100)")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args(argv)

    import mesa
    import numpy as np

    report: dict[str, Any] = {
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "mesa": mesa.__version__,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
    }
    print(f"machine: {os.cpu_count()} CPUs, load average {_load()} (1, 5, 15 min)")
    checks = []
    if not args.skip_speed:
        sizes = []
        for replications in args.replications:
            runs = args.points**2 * replications
            print(
                f"\nspeed: {args.points}x{args.points} grid, {replications} replications ({runs:,} runs), "
                f"org.reps={args.reps}, {args.weeks} weeks, {args.processes} processes"
            )
            s = speed(args, replications)
            sizes.append(s)
            print(
                f"  batch_run: {s['runs_per_second']['batch_run']:.1f} runs/s "
                f"({s['cpu_ms_per_run']['batch_run']:.1f} CPU ms/run)"
            )
            print(
                f"  ours:      {s['runs_per_second']['ours']:.1f} runs/s "
                f"({s['cpu_ms_per_run']['ours']:.1f} CPU ms/run); plots add {s['plot_seconds']:.1f} s"
            )
            print(f"  ratio at {s['runs']:,} runs: {s['speedup']:.2f}x batch_run's runs per second")
        goal = speed_goal(sizes)
        report["speed"] = {"sizes": sizes, "goal": goal}
        checks.append(goal)
    else:
        checks.append({**speed_goal([]), "status": "not measured"})
    if not args.skip_memory:
        print(
            f"\nmemory: lhs sweeps of {', '.join(f'{r:,}' for r in args.memory_runs)} runs, "
            f"org.reps={args.memory_reps}, {args.weeks} weeks, {args.processes} processes"
        )
        m = memory(args)
        report["memory"] = m
        print(f"  peak ratio {max(args.memory_runs):,} / {min(args.memory_runs):,} runs: {m['ratio']:.2f}")
    memory_goal = (
        f"(issue 4) the peak memory of the largest sweep at most {MEMORY_GOAL:g}x that of the smallest "
        f"({', '.join(f'{r:,}' for r in args.memory_runs)} runs)"
    )
    if args.skip_memory or len(set(args.memory_runs)) < 2:
        checks.append({"goal": memory_goal, "status": "not measured", "value": None})
    else:
        checks.append({"goal": memory_goal, "status": "pass" if m["pass"] else "fail", "value": m["ratio"]})
    report["goals"] = checks
    print()
    for check in checks:
        print(_goal_line(check))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
