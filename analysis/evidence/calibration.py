"""Calibration of the defaults to the published figures of docs/ODD.md (section 1): T1-T7, T1x, T2x, C and D.

The targets are steady state: each is measured after one warm-up year with the policy in
force. T1 and T2 are read both ways, as their source reads them: as whole organisations under
protected coaching policies (T1, T2) and as the cross-section of the typical org (T1x, T2x),
whose own attainment must then lie between its groups' (C); and the protected policies' returns
must diminish as the hours rise (D). The fit minimises the squared
distance of each target's model value from the middle of its published range, in units of the
range's half-width (for C and D, the distance outside their ranges), with common random numbers (the
same seeds for every evaluation) so that the objective does not jump with the random draws.

Reproduce the shipped defaults with ``python -m analysis.evidence.calibration --write-defaults``.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize

from analysis.common.horizon import STEADY_STATE_WEEKS
from analysis.common.labels import label
from analysis.evidence.targets import TARGETS, TYPICAL_RUNS, Target
from analysis.runs.executors import Executor, ExecutorChoice, executor_for
from analysis.runs.runner import map_ordered
from sim import params as registry
from sim.mesa_compat import release
from sim.model import SalesOrgModel
from sim.params import ParameterError
from sim.scenario import dump

__all__ = ["FIT_TARGETS", "FREE", "CalibrationResult", "evaluate", "fit", "held_out"]


FIT_TARGETS: tuple[Target, ...] = TARGETS

#: The parameters fitted to the targets (the calibrated ones of the registry), with the bounds the
#: optimiser searches: their priors.
FREE: dict[str, tuple[float, float]] = {
    p.name: p.prior for p in registry.REGISTRY if registry.FIT in p.source and p.prior is not None
}

#: Org size and seeds of a calibration run: big enough that the targets are not noise. Every
#: setting runs on CAL_SEEDS; the typical org on CROSS_SECTION_SEEDS as well, TYPICAL_RUNS times
#: as many in all, for its cross-section (T1x): sixteen seeds put T1x's mean only within about
#: 0.013, a third of its half-width, and the polish, choosing among ~50 neighbours a round, fits that noise.
CAL_REPS = 1536
CAL_SEEDS = tuple(101 * k for k in range(1, 17))
CROSS_SECTION_SEEDS = tuple(101 * k for k in range(17, 16 * TYPICAL_RUNS + 1))
#: Seeds the fit never sees, as many as it uses, to check the fit on (``--check``, and after a fit):
#: a target that holds on the calibration seeds but not on these was fitted to their noise.
HELD_OUT_SEEDS = tuple(7919 * k + 13 for k in range(1, 17))
HELD_OUT_CROSS_SECTION_SEEDS = tuple(7919 * k + 13 for k in range(17, 16 * TYPICAL_RUNS + 1))


def _runs(values: Mapping[str, Any], seeds: Sequence[int]) -> list[dict[str, float]]:
    """The metrics and diagnostics of one run per seed (a stack: each copy is its seed's run)."""
    model = SalesOrgModel(seeds=list(seeds), params=values)
    try:
        model.run_model()
        R, L, org = model.reps, model.ledger, model.org
        tenured = R.occupied & (R.tenure >= model.p.rep.ramp_weeks)
        weights = R.skill[tenured] / R.aptitude[tenured]
        share = np.bincount(org.rep_copy[tenured], weights=weights, minlength=len(seeds))
        share /= np.maximum(np.bincount(org.rep_copy[tenured], minlength=len(seeds)), 1)
        out = []
        for k, metrics in enumerate(model.stack_metrics()):
            metrics.update(ramp_months=L.ramp_months(k), tenured_skill_share=float(share[k]), **L.cross_section(k))
            out.append(metrics)
        return out
    finally:
        release(model)  # as every other run does: the next evaluation does not carry this one's agents


def evaluate(
    values: Mapping[str, Any] | None = None,
    targets: Sequence[Target] = TARGETS,
    seeds: Sequence[int] = CAL_SEEDS,
    reps: int = CAL_REPS,
    typical_seeds: Sequence[int] = CROSS_SECTION_SEEDS,
) -> dict[str, float]:
    """Each target's model value (mean over its runs) for parameter ``values`` (dotted names).

    Every setting runs on ``seeds``, the typical org (the empty setting) on ``typical_seeds``
    too. A target of one setting reads all of that setting's runs; a target read across settings
    (D) reads the seeds they share, so its differences keep their common random numbers.
    """
    base = {**(values or {}), "org.reps": reps, "sim.warmup_weeks": STEADY_STATE_WEEKS, "sim.weeks": 52}
    cache: dict[tuple, list[dict[str, float]]] = {}
    out = {}
    for t in targets:
        runs = []
        for setting in t.settings:
            key = tuple(sorted(setting.items()))
            if key not in cache:
                cache[key] = _runs({**base, **setting}, [*seeds, *(() if setting else typical_seeds)])
            runs.append(cache[key])
        out[t.id] = t.value(runs)
    return out


@dataclass
class CalibrationResult:
    """A fit: the fitted values, each target's model value, and the objective."""

    values: dict[str, float]
    achieved: dict[str, float]
    objective: float
    evaluations: int
    seconds: float

    def table(self, held_out: Mapping[str, float] | None = None) -> str:
        """The targets against the fitted model, as text; with ``held_out`` (:func:`held_out`) a
        column of the same on the held-out seeds."""
        extra = f" {'held out':>8}  ok" if held_out else ""
        lines = [f"{'target':6} {'expected':>13} {'model':>8}  ok{extra}"]
        for t in FIT_TARGETS:
            if t.id in self.achieved:
                line = f"{t.id:6} {t.low:6.2f}-{t.high:<6.2f}"
                for v in (self.achieved[t.id], *((held_out[t.id],) if held_out else ())):
                    line += f" {v:8.3f}  {'yes' if t.low <= v <= t.high else 'NO ':3}"
                lines.append(line.rstrip())
        return "\n".join(lines)


#: Share of each range's half-width inside which a target counts as comfortably met; beyond it
#: the loss rises steeply, so the fit does not trade one target out of its range for the others.
COMFORT = 0.8
EDGE_PENALTY = 20.0


def held_out(values: Mapping[str, Any] | None = None, targets: Sequence[Target] = FIT_TARGETS) -> dict[str, float]:
    """``evaluate`` on the held-out seeds (``HELD_OUT_SEEDS``, the typical org on
    ``HELD_OUT_CROSS_SECTION_SEEDS`` too): the fit's targets on runs it never saw."""
    return evaluate(values, targets, HELD_OUT_SEEDS, CAL_REPS, HELD_OUT_CROSS_SECTION_SEEDS)


def _residuals(achieved: Mapping[str, float], targets: Sequence[Target]) -> np.ndarray:
    """The fit's residuals: per target its distance from the middle in half-widths, and the edge penalty.

    A bounded target (``Target.bound``) adds only the edge penalty. A value the model could not
    produce (NaN: a ramp that never completes, an empty group) counts as far off.
    """
    out = []
    for t in targets:
        v = achieved[t.id]
        half = (t.high - t.low) / 2
        if not np.isfinite(v):
            v = t.high + 4 * half  # far off, beyond the edge
        z = (v - t.middle) / half
        if t.bound:
            out += [0.0, np.sqrt(EDGE_PENALTY) * max(0.0, abs(z) - COMFORT)]
        else:
            out += [z, np.sqrt(EDGE_PENALTY) * max(0.0, abs(z) - COMFORT)]
    return np.array(out)


def _loss(achieved: Mapping[str, float], targets: Sequence[Target]) -> float:
    r = _residuals(achieved, targets)
    return float(r @ r)


def _evaluate_task(
    task: tuple[dict[str, Any], tuple[Target, ...], tuple[int, ...], int, tuple[int, ...]],
) -> dict[str, float]:
    return evaluate(*task)


def evaluate_many(
    points: Sequence[Mapping[str, Any]],
    targets: Sequence[Target] = TARGETS,
    seeds: Sequence[int] = CAL_SEEDS,
    reps: int = CAL_REPS,
    workers: int | None = None,
    *,
    typical_seeds: Sequence[int] = CROSS_SECTION_SEEDS,
    executor: ExecutorChoice = None,
    scheduler: str | None = None,
) -> list[dict[str, float]]:
    """``evaluate`` at each of ``points``, in order, with the same numbers as one by one.

    The points run on ``executor`` (an executor of :mod:`analysis.runs.executors` or any
    ``concurrent.futures`` pool, left open), else on ``workers`` local processes or the Dask
    cluster at ``scheduler``.
    """
    tasks = [(dict(v), tuple(targets), tuple(seeds), reps, tuple(typical_seeds)) for v in points]
    with executor_for(executor, workers, scheduler, tasks=len(tasks)) as ex:
        return map_ordered(_evaluate_task, tasks, ex, progress=False, desc="calibrate")


def fit(
    free: Mapping[str, tuple[float, float]] = FREE,
    targets: Sequence[Target] = FIT_TARGETS,
    start: Mapping[str, float] | None = None,
    seeds: Sequence[int] = CAL_SEEDS,
    reps: int = CAL_REPS,
    max_evaluations: int = 400,
    workers: int | None = None,
    *,
    typical_seeds: Sequence[int] = CROSS_SECTION_SEEDS,
    executor: ExecutorChoice = None,
    scheduler: str | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> CalibrationResult:
    """Fit the ``free`` parameters to ``targets`` by bounded least squares with common random numbers.

    The optimiser is ``scipy.optimize.least_squares`` (trust-region reflective) on the
    parameters scaled to [0, 1] within their bounds, with forward differences of ``DIFF_STEP``
    of each range (common random numbers keep such differences meaningful), computed in
    parallel; a coordinate polish follows (``_polish``). ``max_evaluations`` bounds the model
    evaluations of the least-squares stage. The evaluations run on one executor for the whole
    fit: ``executor`` (left open), else ``workers`` local processes or the Dask cluster at
    ``scheduler`` (:mod:`analysis.runs.executors`); the fit does not depend on which.
    """
    with executor_for(executor, workers, scheduler) as ex:
        return _fit(free, targets, start, (seeds, reps, typical_seeds), max_evaluations, ex, say)


def _fit(
    free: Mapping[str, tuple[float, float]],
    targets: Sequence[Target],
    start: Mapping[str, float] | None,
    runs: tuple[Sequence[int], int, Sequence[int]],
    max_evaluations: int,
    executor: Executor,
    say: Callable[[str], None],
) -> CalibrationResult:
    names = list(free)
    lo = np.array([free[n][0] for n in names])
    hi = np.array([free[n][1] for n in names])
    defaults = registry.defaults()
    x0 = np.array([(start or {}).get(n, defaults[n]) for n in names], float)
    t0 = time.perf_counter()
    calls = 0

    def values_at(z: np.ndarray) -> dict[str, float]:
        x = lo + (hi - lo) * np.clip(z, 0, 1)
        return dict(zip(names, (float(v) for v in x), strict=True))

    # every point's residuals, so a point the optimiser asks for again (the Jacobian's centre is
    # the point just evaluated; the polish revisits neighbours) is not run again: with common
    # random numbers its value would be the same
    seen: dict[bytes, np.ndarray] = {}

    def losses(zs: Sequence[np.ndarray]) -> list[np.ndarray]:
        nonlocal calls
        new = list({z.tobytes(): z for z in zs if z.tobytes() not in seen}.values())
        calls += len(new)
        seeds, reps, typical = runs
        achieved = evaluate_many(
            [values_at(z) for z in new], targets, seeds, reps, typical_seeds=typical, executor=executor
        )
        for z, a in zip(new, achieved, strict=True):
            seen[z.tobytes()] = _residuals(a, targets)
        return [seen[z.tobytes()] for z in zs]

    def jacobian(z: np.ndarray) -> np.ndarray:
        steps = [
            np.clip(z + DIFF_STEP * np.eye(z.size)[i] * (1 if z[i] + DIFF_STEP <= 1 else -1), 0, 1)
            for i in range(z.size)
        ]
        here, *moved = losses([z, *steps])
        return np.array([(m - here) / (s[i] - z[i]) for i, (m, s) in enumerate(zip(moved, steps, strict=True))]).T

    z = np.clip((x0 - lo) / (hi - lo), 0, 1)
    if max_evaluations > 0:
        res = optimize.least_squares(
            lambda v: losses([v])[0],
            z,
            jac=jacobian,
            bounds=(0, 1),
            max_nfev=max(1, max_evaluations // (len(names) + 2)),
        )
        z = np.clip(res.x, 0, 1)
    z = _polish(lambda zs: [float(r @ r) for r in losses(zs)], z, lo, hi, names, say)
    values = {n: float(round(v, 4)) for n, v in values_at(z).items()}
    result = evaluate(values, targets, *runs)
    return CalibrationResult(values, result, _loss(result, targets), calls, time.perf_counter() - t0)


#: Finite-difference step of the least-squares fit, as a share of each parameter's range.
DIFF_STEP = 0.02
#: The polish's step, as a share of each parameter's search range; the shipped defaults are a
#: local minimum of the objective at this resolution (tests/evidence/test_validation.py checks it).
POLISH_STEP = 0.02


def neighbours(z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[np.ndarray]:
    """The points one polish step from ``z`` along each axis, within [0, 1], rounded as written."""
    return [_rounded(_step(z, d), lo, hi) for d in _directions(z)]


def _directions(z: np.ndarray) -> list[tuple[int, int]]:
    """The (axis, sign) of each polish step from ``z`` that stays within [0, 1]."""
    return [(i, sign) for i in range(z.size) for sign in (1, -1) if 0 <= z[i] + sign * POLISH_STEP <= 1]


def _step(z: np.ndarray, direction: tuple[int, int]) -> np.ndarray:
    i, sign = direction
    trial = z.copy()
    trial[i] += sign * POLISH_STEP
    return trial


def _rounded(z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``z`` moved to the point whose values, rounded to 4 decimals, are what will be written."""
    x = np.round(lo + (hi - lo) * np.clip(z, 0, 1), 4)
    return (x - lo) / (hi - lo)


#: Neighbours the polish evaluates together (in parallel) before it decides whether to move.
POLISH_BATCH = 4


def _polish(
    objectives,
    z: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    names: Sequence[str],
    say: Callable[[str], None],
    rounds: int = 100,
) -> np.ndarray:
    """Coordinate search: move to a better point one polish step away while there is one.

    The neighbours are evaluated ``POLISH_BATCH`` at a time (``objectives`` maps a list of points
    to their losses, evaluated together), the steps that last lowered the loss first and those
    that last raised it most at the end; the search moves to the best point of the first batch
    that holds a better one. Values are rounded to 4 decimals as they will be written, so the
    point checked is the point shipped; it stops when every neighbour has been evaluated and
    none is better, so the point is then a local minimum at that step. Far from a minimum this
    costs a batch or two a move, not every neighbour (~50 evaluations).
    """
    z = _rounded(z, lo, hi)
    (best,) = objectives([z])
    say(f"polish: loss {best:.4f} at the start")
    change: dict[tuple[int, int], float] = {}  # per step, the change of the loss where last tried
    for k in range(rounds):
        order = sorted(_directions(z), key=lambda d: change.get(d, 0.0))
        moved = None
        for at in range(0, len(order), POLISH_BATCH):
            batch = order[at : at + POLISH_BATCH]
            trials = [_rounded(_step(z, d), lo, hi) for d in batch]
            losses = objectives(trials)
            change.update({d: loss - best for d, loss in zip(batch, losses, strict=True)})
            i = int(np.argmin(losses))
            if losses[i] < best:
                moved, z, best = batch[i], trials[i], losses[i]
                break
        if moved is None:
            say(f"polish: a local minimum after {k} moves")
            break
        change[(moved[0], -moved[1])] = np.inf  # the step back is known to be worse: tried last
        j = moved[0]
        say(f"polish move {k + 1}: loss {best:.4f}, {names[j]} = {lo[j] + (hi[j] - lo[j]) * z[j]:.4f}")
    return z


def steady_state_start(values: Mapping[str, Any], seeds: Sequence[int] = CAL_SEEDS) -> dict[str, float]:
    """The typical org's steady-state skill share and motivation, to start runs from."""
    runs = _runs({**values, "org.reps": CAL_REPS, "sim.warmup_weeks": STEADY_STATE_WEEKS}, seeds)
    return {
        "rep.initial_skill_share": round(float(np.mean([r["tenured_skill_share"] for r in runs])), 3),
        "rep.initial_motivation": round(float(np.mean([r["mean_motivation"] for r in runs])), 3),
    }


REGISTRY_FILE = Path(registry.__file__)


def write_defaults(values: Mapping[str, float], path: Path = REGISTRY_FILE) -> None:
    """Rewrite the defaults of ``values`` in the registry source, so the defaults are the fit."""
    text = path.read_text()
    for name, value in values.items():
        pattern = re.compile(r'(P\(\s*"' + re.escape(name) + r'",\s*)([^,\s]+)(,)')
        text, count = pattern.subn(lambda m, v=value: f"{m.group(1)}{v!r}{m.group(3)}", text, count=1)
        if count != 1:
            raise ValueError(f"{name} not found in {path}")
    path.write_text(text)


def parse_free(items: Sequence[str] | None) -> dict[str, tuple[float, float]]:
    """``KEY`` or ``KEY=LOW..HIGH`` items as fit bounds (default: the shipped free set)."""
    if not items:
        return dict(FREE)
    out: dict[str, tuple[float, float]] = {}
    for item in items:
        name, _, bounds = item.partition("=")
        try:
            param = registry.by_name(name.strip())
        except KeyError:
            raise registry.unknown(name.strip(), label("free")) from None
        if param.kind not in (int, float) or param.choices is not None:
            raise ParameterError(
                f"{label('free')} {name}: only numeric parameters can be fitted; {name} is {param.allowed()}"
            )
        if bounds:
            try:
                lo_text, hi_text = bounds.split("..")
                lo, hi = param.check(float(lo_text), label("free")), param.check(float(hi_text), label("free"))
            except ValueError as exc:
                if isinstance(exc, ParameterError):
                    raise
                raise ParameterError(
                    f"{label('free')} {item!r}: expected KEY=LOW..HIGH, e.g. {name}=0.1..0.3"
                ) from None
        elif name in FREE:
            lo, hi = FREE[name]
        else:
            lo, hi = param.low, param.high
        if not (lo is not None and hi is not None and lo < hi):
            raise ParameterError(
                f"{label('free')} {item!r}: give bounds LOW..HIGH with LOW < HIGH within {param.allowed()}"
            )
        out[param.name] = (float(lo), float(hi))
    return out


def parse_targets(text: str) -> list[Target]:
    """``T1,T3`` as targets."""
    by_id = {t.id: t for t in FIT_TARGETS}
    chosen = []
    for tid in (x.strip().upper() for x in text.split(",") if x.strip()):
        if tid not in by_id:
            raise ParameterError(f"{label('targets')}: unknown target {tid!r}; targets are {', '.join(by_id)}")
        chosen.append(by_id[tid])
    if not chosen:
        raise ParameterError(f"{label('targets')}: name at least one target, e.g. T1,T2")
    return chosen


def calibrate_command(
    targets: str,
    free: Sequence[str] | None,
    out: str,
    max_evaluations: int,
    *,
    executor: ExecutorChoice = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> int:
    """``run.py calibrate``: fit, print the fit, write the fitted values as a scenario file."""
    chosen, bounds = parse_targets(targets), parse_free(free)
    res = fit(bounds, chosen, max_evaluations=max_evaluations, executor=executor, workers=workers, scheduler=scheduler)
    ids = ",".join(t.id for t in chosen)
    text = dump(res.values, f"Calibrated to {ids}: {', '.join(res.values)} fitted in {res.evaluations} evaluations.")
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"fitted {len(res.values)} parameters to {ids} in {res.evaluations} evaluations ({res.seconds:.0f} s)")
    for name, value in res.values.items():
        print(f"  {name} = {value}")
    print(res.table())
    print(f"loss {res.objective:.3f}; wrote {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    """Refit the defaults and print them with the fit (``python -m analysis.evidence.calibration``)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-evaluations", type=int, default=400, help="least-squares budget; 0 polishes only")
    ap.add_argument(
        "--check", action="store_true", help="only evaluate the current defaults, on the fit's and held-out seeds"
    )
    ap.add_argument("--write-defaults", action="store_true", help="write the fitted values into sim/params.py")
    args = ap.parse_args(argv)
    if args.check:
        achieved = evaluate(targets=FIT_TARGETS)
        print(CalibrationResult({}, achieved, _loss(achieved, FIT_TARGETS), 1, 0).table(held_out()))
        return
    res = fit(max_evaluations=args.max_evaluations, say=lambda line: print(line, flush=True))
    # a polish only (--max-evaluations 0) keeps the starting state it was polished with
    start = steady_state_start(res.values) if args.max_evaluations else {}
    print(f"fitted in {res.evaluations} evaluations, {res.seconds:.0f} s; loss {res.objective:.3f}")
    for name, value in {**res.values, **start}.items():
        print(f"{name} = {value}")
    print(res.table(held_out({**res.values, **start})))
    if args.write_defaults:
        write_defaults({**res.values, **start})
        print(f"wrote the fitted defaults into {REGISTRY_FILE}")


if __name__ == "__main__":
    main()
