"""Speed benchmark: one 52-week SalesOrgModel run against Mesa's own floor, on one core.

    python benchmarks/bench_model.py [--sizes 1000,10000,100000,1000000] [--repeats N] [--json PATH]

For each org size (number of reps) it measures, in this one process:

- the model: construction of ``SalesOrgModel(org_reps=n, sim_weeks=52, sim_warmup_weeks=0)``
  and its 52 steps, timed separately; ``total`` is construction plus steps, ``week`` is the
  steps alone divided by 52;
- Mesa's floor: a plain ``mesa.Model`` holding ``n`` trivial ``mesa.Agent`` subclasses whose
  ``step`` adds 1 to an attribute, and the time of one ``model.agents.do("step")`` over them
  (the cheapest per-agent step Mesa offers);
- the ratio week / do: what a model week costs against touching every agent once the Mesa way.

Each figure is the best of ``--repeats`` repeats (default 3 below 1,000,000 reps, 1 from there),
after one warm-up run of a tiny model, so that no size pays for loading the compiled code.
The process is pinned to one CPU when the OS allows it, so the figures are for one core.

It also times numba's first call on its own: a tiny model (``TINY_REPS`` reps, 2 weeks) built and
stepped in a fresh interpreter whose ``NUMBA_CACHE_DIR`` is a new, empty directory (so every
``cache=True`` function compiles; numba would otherwise read and write the cache next to the
source, in ``sim/__pycache__``), then again in a second fresh interpreter with the same, now
filled, directory (so it loads the cached machine code). Both are timed from after the imports.

The goals checked at the end, each printed as PASS, FAIL or NOT MEASURED, are those of issue 14:
a model week at 10,000 reps costs at most half a bare Mesa ``do`` over as many agents; 100,000
reps run 52 weeks (construction included) in under 1 s; 1,000,000 reps run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from arguments import whole_numbers  # benchmarks/arguments.py: the scripts run from this folder

ROOT = Path(__file__).resolve().parents[1]
WEEKS = 52
#: Bare ``do`` steps timed per repeat (their mean is one repeat's figure).
FLOOR_STEPS = 20
DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
BIG = 1_000_000  # from this size on, one repeat by default
#: Issue 14's goals: the week/do ratio at RATIO_SIZE reps, the 52 weeks of SPEED_SIZE reps in
#: under SPEED_SECONDS, and a run of RUN_SIZE reps.
RATIO_SIZE = 10_000
RATIO_GOAL = 0.5
SPEED_SIZE = 100_000
SPEED_SECONDS = 1.0
RUN_SIZE = 1_000_000
#: The tiny model of the compile timing and of the warm-up: at least two teams, so that every
#: compiled function is called (an org of one manager never draws its teams' sizes).
TINY_REPS = 20
TINY_WEEKS = 2


def _model_class() -> type:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sim.model import SalesOrgModel

    return SalesOrgModel


class CountingAgent(mesa.Agent):
    """The trivial agent of Mesa's floor: adds 1 to an attribute each step."""

    def __init__(self, model: mesa.Model) -> None:
        """Register with the model and start counting at 0."""
        super().__init__(model)
        self.count = 0

    def step(self) -> None:
        """Add 1."""
        self.count += 1


class FloorModel(mesa.Model):
    """A Mesa model of ``n`` counting agents and nothing else."""

    def __init__(self, n: int = 1000, seed: int | None = None) -> None:
        """Create ``n`` counting agents."""
        super().__init__(rng=seed)  # Mesa 3.5 deprecates seed=, 4.0 removes it; 3.3 takes rng= alike
        for _ in range(n):
            CountingAgent(self)

    def step(self) -> None:
        """Every agent adds 1, the Mesa way."""
        self.agents.do("step")


@dataclass
class SizeResult:
    """The figures for one org size (seconds; best of ``repeats``)."""

    reps: int
    agents: int
    repeats: int
    construct_s: float
    steps_s: float
    total_s: float
    week_s: float
    do_s: float
    ratio_week_do: float
    steps_completed: int


@dataclass
class CompileResult:
    """numba's first call, each in a fresh interpreter (seconds, from after the imports)."""

    empty_cache_s: float
    with_cache_s: float
    import_s: float
    cache_files: int
    compiled: list[str]
    pinning: str


def _best(func: Callable[[], Any], repeats: int) -> list[Any]:
    """Run ``func`` ``repeats`` times after a garbage collection; return every result."""
    out = []
    for _ in range(repeats):
        gc.collect()
        out.append(func())
    return out


def time_model(n: int, seed: int) -> tuple[float, float, int, int]:
    """Construct and run one 52-week model: (construct seconds, step seconds, steps, agents)."""
    model_cls = _model_class()
    from sim.mesa_compat import release
    from sim.mesa_compat import steps as mesa_steps

    t0 = time.perf_counter()
    model = model_cls(seed=seed, org_reps=n, sim_weeks=WEEKS, sim_warmup_weeks=0)
    t1 = time.perf_counter()
    for _ in range(WEEKS):
        model.step()
    t2 = time.perf_counter()
    agents = len(model.agents)
    steps = mesa_steps(model)
    release(model)
    del model
    return t1 - t0, t2 - t1, steps, agents


def time_floor(n: int, steps: int = FLOOR_STEPS) -> float:
    """Seconds of one ``model.agents.do("step")`` over ``n`` trivial agents (mean of ``steps``)."""
    model = FloorModel(n, seed=0)
    model.step()  # the first call warms caches
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    seconds = (time.perf_counter() - t0) / steps
    assert all(a.count == steps + 1 for a in model.agents)
    _release(model)
    del model
    return seconds


def _release(model: mesa.Model) -> None:
    """Let ``model`` be collected (Mesa 3.3 keeps every model alive: ``sim.mesa_compat.release``)."""
    _model_class()
    from sim.mesa_compat import release

    release(model)


def run_tiny() -> None:
    """Build and step the tiny model (``TINY_REPS`` reps, ``TINY_WEEKS`` weeks): every compiled function runs."""
    model = _model_class()(seed=1, org_reps=TINY_REPS, sim_weeks=TINY_WEEKS, sim_warmup_weeks=0)
    for _ in range(TINY_WEEKS):
        model.step()
    _release(model)


def compiled_functions() -> list[str]:
    """The numba functions of ``sim`` compiled (or loaded from the cache) in this process so far."""
    from numba.core.dispatcher import Dispatcher

    out = []
    for name, module in sorted(sys.modules.items()):
        if name != "sim" and not name.startswith("sim."):
            continue
        for attr, obj in vars(module).items():
            if isinstance(obj, Dispatcher) and obj.py_func.__module__ == name and obj.signatures:
                out.append(f"{name}.{attr}")
    return out


def child_compile() -> dict[str, Any]:
    """In a fresh interpreter: import the model, then time the tiny model's first run."""
    t0 = time.perf_counter()
    _model_class()
    t1 = time.perf_counter()
    run_tiny()
    t2 = time.perf_counter()
    return {"seconds": t2 - t1, "import_s": t1 - t0, "compiled": compiled_functions()}


def _spawn_compile(cache_dir: str) -> dict[str, Any]:
    """Run :func:`child_compile` in a fresh interpreter whose numba cache is ``cache_dir``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "_compile"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise SystemExit(f"compile-time child failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def time_compile(pinning: str) -> CompileResult:
    """numba's first call with an empty cache, then with the cache it filled (two fresh interpreters)."""
    with tempfile.TemporaryDirectory(prefix="coachsim-numba-cache-") as cache_dir:
        first = _spawn_compile(cache_dir)
        files = sum(1 for f in Path(cache_dir).rglob("*") if f.suffix in (".nbi", ".nbc"))
        second = _spawn_compile(cache_dir)
    return CompileResult(
        empty_cache_s=first["seconds"],
        with_cache_s=second["seconds"],
        import_s=min(first["import_s"], second["import_s"]),
        cache_files=files,
        compiled=first["compiled"],
        pinning=pinning,
    )


def measure(n: int, repeats: int, seed: int = 1) -> SizeResult:
    """Every figure for one size."""
    runs = _best(lambda: time_model(n, seed), repeats)
    construct = min(r[0] for r in runs)
    steps_s = min(r[1] for r in runs)
    total = min(r[0] + r[1] for r in runs)
    do_s = min(_best(lambda: time_floor(n), repeats))
    week = steps_s / WEEKS
    return SizeResult(
        reps=n,
        agents=runs[0][3],
        repeats=repeats,
        construct_s=construct,
        steps_s=steps_s,
        total_s=total,
        week_s=week,
        do_s=do_s,
        ratio_week_do=week / do_s if do_s > 0 else float("inf"),
        steps_completed=min(r[2] for r in runs),
    )


def pin_one_core() -> str:
    """Pin this process to one CPU if the OS allows; say which."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this OS)"
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
        return f"pinned to CPU {cpus[-1]}"
    except OSError as exc:
        return f"not pinned ({exc})"


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo, or what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(pinning: str) -> dict[str, Any]:
    """Versions and machine, for the JSON record."""
    env = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "pinning": pinning,
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    try:
        _model_class()
        import sim

        env["coachsim"] = sim.__version__
    except ImportError:
        pass
    return env


def goals(results: Sequence[SizeResult]) -> list[dict[str, Any]]:
    """The goals of issue 14: each with pass, fail or not measured (its size was not run)."""
    by_size = {r.reps: r for r in results}
    out = []
    r = by_size.get(RATIO_SIZE)
    out.append(
        {
            "goal": f"a model week at {RATIO_SIZE:,} reps costs at most {RATIO_GOAL:g}x a bare Mesa do over as many "
            "agents, one core (week/do)",
            "status": "not measured" if r is None else ("pass" if r.ratio_week_do <= RATIO_GOAL else "fail"),
            "value": None if r is None else r.ratio_week_do,
        }
    )
    r = by_size.get(SPEED_SIZE)
    out.append(
        {
            "goal": f"{SPEED_SIZE:,} reps run {WEEKS} weeks (construction + steps) in under {SPEED_SECONDS:g} s, "
            "one core (total s)",
            "status": "not measured" if r is None else ("pass" if r.total_s < SPEED_SECONDS else "fail"),
            "value": None if r is None else r.total_s,
        }
    )
    r = by_size.get(RUN_SIZE)
    out.append(
        {
            "goal": f"{RUN_SIZE:,} reps run ({WEEKS} weeks; total s)",
            "status": "not measured" if r is None else ("pass" if r.steps_completed == WEEKS else "fail"),
            "value": None if r is None else r.total_s,
        }
    )
    return out


def report(
    results: Sequence[SizeResult],
    env: dict[str, Any],
    checks: Sequence[dict[str, Any]],
    compiled: CompileResult | None = None,
) -> str:
    """The results as a text table with the compile-time and goal lines."""
    lines = [
        f"coachsim speed, {WEEKS}-week run; {env['cpu']}; {env['pinning']}",
        f"python {env['python']}, numpy {env['numpy']}, mesa {env['mesa']}",
        "",
        f"{'reps':>9} {'agents':>9} {'rep':>4} {'build s':>9} {'total s':>9} {'week s':>10} {'do s':>10} "
        f"{'week/do':>8}",
    ]
    for r in results:
        lines.append(
            f"{r.reps:>9,} {r.agents:>9,} {r.repeats:>4} {r.construct_s:>9.4f} {r.total_s:>9.4f} "
            f"{r.week_s:>10.6f} {r.do_s:>10.6f} {r.ratio_week_do:>8.3f}"
        )
    lines += [
        "",
        "total = construction + 52 steps; week = steps only / 52; do = one model.agents.do('step') over as",
        "many trivial Mesa agents as reps; figures are the best of 'rep' repeats.",
        "",
    ]
    if compiled is not None:
        lines += [
            f"compile (first call, empty cache): {compiled.empty_cache_s:.2f} s",
            f"first call with the cache: {compiled.with_cache_s:.3f} s",
            f"  (a {TINY_REPS}-rep, {TINY_WEEKS}-week model built and stepped in a fresh interpreter, timed after "
            f"the imports ({compiled.import_s:.2f} s); NUMBA_CACHE_DIR a new directory, filled by the first "
            f"with {compiled.cache_files} files; {len(compiled.compiled)} numba functions compiled; "
            f"{compiled.pinning})",
            "",
        ]
    for c in checks:
        value = "" if c["value"] is None else f" ({c['value']:.3g})"
        lines.append(f"{c['status'].upper():>12}  {c['goal']}{value}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table and goals, optionally write JSON."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["_compile"]:
        print(json.dumps(child_compile()))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sizes",
        type=whole_numbers,
        default=list(DEFAULT_SIZES),
        help="comma-separated rep counts (default 1000,10000,100000,1000000)",
    )
    ap.add_argument(
        "--repeats", type=int, default=None, help=f"repeats per size, best taken (default 3, or 1 from {BIG:,} reps)"
    )
    ap.add_argument("--seed", type=int, default=1, help="model seed (default 1)")
    ap.add_argument("--json", default=None, metavar="PATH", help="also write the results as JSON here")
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    ap.add_argument("--skip-compile", action="store_true", help="do not time numba's first call")
    args = ap.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        ap.error("--repeats must be at least 1")

    pinning = "not pinned (--no-pin)" if args.no_pin else pin_one_core()
    env = environment(pinning)
    compiled = None
    if not args.skip_compile:
        compiled = time_compile(pinning)
        print("  timed numba's first call", file=sys.stderr, flush=True)
    run_tiny()  # warm-up: load the compiled code once, before any size is timed
    results = []
    for n in args.sizes:
        repeats = args.repeats or (1 if n >= BIG else 3)
        results.append(measure(n, repeats, args.seed))
        print(f"  measured {n:,} reps", file=sys.stderr, flush=True)
    checks = goals(results)
    print(report(results, env, checks, compiled))
    if args.json:
        env["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        payload = {
            "environment": env,
            "weeks": WEEKS,
            "floor_steps_per_repeat": FLOOR_STEPS,
            "results": [asdict(r) for r in results],
            "compile": None if compiled is None else asdict(compiled),
            "goals": checks,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
