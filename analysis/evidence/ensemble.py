"""The calibrated ensemble: many parameter vectors that all pass every published target.

One fitted point answers "what does the model say"; an ensemble answers "would the answer change
if the model's assumptions were a little different, within what the evidence allows". Its
members are drawn from the posterior of approximate Bayesian computation (ABC) whose
likelihood is the published targets themselves:

* **Prior.** Every parameter with a ``prior`` in the registry (:mod:`sim.params`): the 25
  calibrated parameters over the range the fit searches and the numeric assumptions of the ODD
  over a stated range around their assumed value, independent and uniform.
* **Distance and tolerance.** ``distance = max over targets of |value - middle| / half-width``
  of the target's published range (:mod:`analysis.evidence.targets`), so a distance of at most
  1 is every target inside its range: the tolerance of each target is its published range.
  A value the model cannot produce (a ramp that never completes) is infinitely far.
* **Sampler.** Adaptive sequential Monte Carlo ABC with replenishment (Drovandi and Pettitt
  2011, Biometrics 67:225-233; the adaptive tolerance of Del Moral, Doucet and Jasra 2012,
  Statistics and Computing 22:1009-1020): the population starts as draws from the prior; each
  generation's tolerance is the ``QUANTILE`` of the last one's distances, the particles beyond it
  are dropped and replaced by copies of those within it, and each copy is moved by Metropolis-
  Hastings steps that keep the ABC posterior at the new tolerance (a Gaussian random walk with
  the alive particles' covariance, shrunk halfway to its diagonal, times a scale over the
  dimensions that starts at 2.38^2 and follows the acceptance rate towards 0.234, Roberts, Gelman
  and Gilks 1997, alternating with steps that draw ``COORDINATES`` coordinates afresh from their
  prior; a proposal is accepted if its prior ratio allows and its distance is within the tolerance), as
  many steps as make a copy move at least once with probability ``1 - STUCK`` at the acceptance
  rate of a first step. Every particle has equal weight: no importance weights, which in 54
  dimensions collapse onto a handful of particles (a population Monte Carlo ABC with Filippi et
  al.'s 2013 kernels, tried first, kept an effective size of 1 to 3 of 100 after one generation).
  The walk moves on the logit scale of the unit cube (each parameter scaled to [0, 1] within its
  prior), so it never leaves the prior's box; the uniform prior's density there is
  ``prod z (1 - z)``.
* **A ladder of fidelities.** The generations that narrow the tolerance measure the targets on
  cheaper runs first: ``SCOUT`` (the validation's org size, one replication of each policy
  setting) while the tolerance is wide, then ``MEDIUM`` (three replications) once the scout's
  own noise would be what the tolerance selects (its floor, ``LADDER``), down to the ranges
  themselves (the medium rung's floor, a trade of cost, see ``LADDER``); the last generation
  measures each proposal exactly as ``validate`` does at its defaults (``FINAL``: 8
  replications of each policy and 24 of the typical org, 1,536 reps, ``validate``'s seeds),
  and keeps those within the published ranges, replenished and moved as above at that fidelity.
  A change of rung measures the whole population again at the new one. Every member passes
  every target of ``validate`` with its values. The copies no step moved then take more steps
  until every particle is distinct (``MAX_DIVERSIFY``); any still identical are one member whose
  weight is their number.

A seed fixes the ensemble bit for bit: proposals come from ``numpy.random.SeedSequence(seed)``
in batches of a fixed size, every run uses the validation's fixed seeds (common random numbers
across proposals), and results do not depend on the workers or the executor. A build keeps a
checkpoint after every generation and, interrupted, resumes from it to the same ensemble.

Which targets constrain which parameters: over the first generation (draws from the prior), the
Spearman rank correlation of each parameter with each target's value; how much the evidence
narrows each parameter: the ensemble's 90% range as a share of the prior's.

    python run.py calibrate --ensemble 100 --seed 0 --out scenarios/ensemble.parquet --workers 2
"""

from __future__ import annotations

import json
import pickle
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

import sim
from analysis.evidence.calibration import evaluate_many
from analysis.evidence.targets import TARGETS, TYPICAL_RUNS, Target
from analysis.runs.executors import ExecutorChoice, executor_for
from analysis.runs.runner import replication_seeds
from sim import params as registry
from sim.params import ParameterError

__all__ = [
    "FINAL",
    "LADDER",
    "MEDIUM",
    "SCOUT",
    "Ensemble",
    "Fidelity",
    "build",
    "distance",
    "load",
    "prior_space",
]


@dataclass(frozen=True)
class Fidelity:
    """How the targets are measured on a proposal: org size, and the runs of each setting.

    Each policy setting runs ``replications`` seeds, the typical org ``TYPICAL_RUNS`` times as
    many; the seeds are ``validate``'s (:func:`analysis.runs.runner.replication_seeds` of
    ``seed``), so at :data:`FINAL` a proposal's targets are what ``validate`` prints for it.
    """

    reps: int
    replications: int
    seed: int = 0

    def runs(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The seeds of every setting, and the typical org's extra seeds."""
        seeds = replication_seeds(self.seed, self.replications * TYPICAL_RUNS)
        return tuple(seeds[: self.replications]), tuple(seeds[self.replications :])

    def describe(self) -> str:
        """In words, for the ensemble's record."""
        return (
            f"{self.reps} reps; {self.replications} replications of each policy setting and "
            f"{self.replications * TYPICAL_RUNS} of the typical org; validate's seeds for seed {self.seed}"
        )


#: ``validate``'s defaults (analysis.evidence.validation.validate): a member passes there.
FINAL = Fidelity(reps=1536, replications=8)
#: The cheapest measurement, while the tolerance is wide: the same org size (a smaller org shifts
#: the cross-section's groups, T1x), an eighth of the runs. T1x's mean is then known to about one
#: half-width of its range, so at the defaults the scout's distance is anywhere from 0.7 to 2.3.
SCOUT = Fidelity(reps=1536, replications=1)
#: Three times the scout's runs: its noise is about 1/sqrt(3) of the scout's.
MEDIUM = Fidelity(reps=1536, replications=3)
#: The generations before the last: each fidelity with its floor. Once the tolerance (the
#: quantile of the last distances) is within a rung's floor, the next generation measures on the
#: next rung; after the last rung's floor, the next generation is the last: every target inside
#: its range (tolerance 1) measured at FINAL. The scout's floor sits above what its own noise
#: alone gives a parameter vector that passes every target (2.3). The medium's is the ranges
#: themselves, a trade of cost: a proposal costs 2.5 times as much at FINAL, and near 1.5 a
#: generation narrows the median by only 1-5%, so the narrowing is done at MEDIUM; its lucky
#: noise is then dropped by the final measurement (a particle's distance there was the medium's
#: plus 0.075 +- 0.106, so about half of a population within 1 at MEDIUM is within 1 at FINAL).
LADDER: tuple[tuple[Fidelity, float], ...] = ((SCOUT, 3.0), (MEDIUM, 1.0))
#: The tolerance of each generation: this quantile of the last generation's distances.
QUANTILE = 0.5
#: Metropolis-Hastings steps of each copy: enough that it stays where it was with at most this
#: probability (at the first step's acceptance rate), ...
STUCK = 0.02
#: ... and at most this many.
MAX_STEPS = 12
#: At the final fidelity, the tolerance goes straight to 1 once this share of the particles is
#: within it (the copies of those then walk within the ranges); else on by the quantile.
FINAL_ALIVE = 0.1
#: The final population's identical copies take up to this many more steps to move apart.
MAX_DIVERSIFY = 60
#: Every other step draws this many coordinates, chosen at random, afresh from their prior: the
#: joint walk's scale follows the acceptance of the directions the targets constrain, and alone it
#: moved the others by a few hundredths of their spread a step, so that resampling shrank a
#: parameter no target constrains (executive.hours_per_week, |rho| <= 0.18 with every target) to
#: 10% of its prior in 26 generations (path degeneracy). A random walk on a few coordinates scaled
#: to the population's spread did not undo it either (once narrow, its steps are narrow: 9 steps
#: of every particle at a fixed tolerance left that range at 21%). A draw from the prior is
#: accepted whenever the targets do not care, so such a coordinate mixes at once. The acceptance
#: counts joint steps only.
COORDINATES = 3
#: How those coordinates move, in the checkpoint's key: a checkpoint of another kind of move is
#: another build.
MOVES = "prior draws"
#: The random walk's covariance: the alive particles' covariance (shrunk halfway to its diagonal,
#: so it has full rank when fewer distinct particles than dimensions are alive) times a scale over
#: the dimensions; the scale starts at SCALE (Roberts, Gelman and Gilks 1997) ...
SCALE = 2.38**2
#: ... and each generation multiplies it by its last acceptance rate over this one (the optimal
#: rate of a random-walk Metropolis, ibid.), within [1/4, 2].
ACCEPTANCE = 0.234
#: Added to the covariance's diagonal (on the logit scale), so it stays positive definite.
JITTER = 1e-6


def prior_space(names: Sequence[str] | None = None) -> dict[str, tuple[float, float]]:
    """The uniform prior box: each parameter's registry prior (every one that has one by default)."""
    if names is None:
        return {p.name: p.prior for p in registry.REGISTRY if p.prior is not None}
    out = {}
    for name in names:
        try:
            p = registry.by_name(name)
        except KeyError:
            raise registry.unknown(name, "ensemble parameter") from None
        if p.prior is None:
            raise ParameterError(f"ensemble parameter {name} has no prior in the registry; it is a setting or a lever")
        out[p.name] = p.prior
    return out


def distance(achieved: Mapping[str, float], targets: Sequence[Target] = TARGETS) -> float:
    """The largest distance of a target from the middle of its range, in half-widths (1: its edge)."""
    d = 0.0
    for t in targets:
        v = achieved[t.id]
        if not np.isfinite(v):
            return float("inf")
        d = max(d, abs(v - t.middle) / ((t.high - t.low) / 2))
    return d


@dataclass
class Generation:
    """One population at its tolerance and fidelity: the particles (unit-cube coordinates, equal
    weights), their distances and target values, and what making it took."""

    epsilon: float
    fidelity: Fidelity
    z: np.ndarray
    distances: np.ndarray
    achieved: list[dict[str, float]]
    evaluations: int
    acceptance: float
    seconds: float
    diversified: bool = False
    scale: float = 0.0


@dataclass
class Ensemble:
    """A calibrated ensemble: the members' values and weights, and how it was made.

    ``members`` has one row per member: ``member``, ``weight`` (its share of the final population),
    each parameter (dotted name) and each target's value at :data:`FINAL`.
    """

    members: pd.DataFrame
    space: dict[str, tuple[float, float]]
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> list[str]:
        """The parameters the ensemble varies."""
        return list(self.space)

    @property
    def weights(self) -> np.ndarray:
        """The members' normalised weights."""
        return self.members["weight"].to_numpy(float)

    def values(self, i: int) -> dict[str, float]:
        """Member ``i``'s parameter values, by dotted name."""
        row = self.members.iloc[i]
        return {name: float(row[name]) for name in self.space}

    def __len__(self) -> int:
        return len(self.members)

    def effective_size(self) -> float:
        """Kish's effective sample size of the weights."""
        w = self.weights
        return float(w.sum() ** 2 / (w**2).sum())

    def ranges(self) -> pd.DataFrame:
        """Per parameter: its default, prior, the ensemble's weighted 5%, 50% and 95% points, and
        the 90% range as a share of the prior's 90% range (1: the targets do not narrow it)."""
        rows = []
        w = self.weights
        for name, (lo, hi) in self.space.items():
            x = self.members[name].to_numpy(float)
            q5, q50, q95 = _weighted_quantiles(x, w, (0.05, 0.5, 0.95))
            rows.append(
                {
                    "parameter": name,
                    "default": registry.by_name(name).default,
                    "prior_low": lo,
                    "prior_high": hi,
                    "q05": q5,
                    "median": q50,
                    "q95": q95,
                    "narrowed_to": (q95 - q5) / (0.9 * (hi - lo)),
                }
            )
        return pd.DataFrame(rows)

    def write(self, path: str | Path) -> Path:
        """Write the members as Parquet at ``path`` and the record beside it (``.json``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.members.to_parquet(path, index=False)
        record = {**self.record, "space": {k: list(v) for k, v in self.space.items()}}
        path.with_suffix(".json").write_text(json.dumps(record, indent=2, default=_plain) + "\n")
        return path


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x))


def load(path: str | Path) -> Ensemble:
    """An ensemble written by :meth:`Ensemble.write` (its Parquet file; the record beside it)."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"ensemble {path}: no such file; build one with `python run.py calibrate --ensemble N`")
    try:
        members = pd.read_parquet(path)
    except Exception as exc:  # any unreadable file is the same user error
        raise ParameterError(f"ensemble {path}: not a readable Parquet file ({exc.__class__.__name__})") from None
    side = path.with_suffix(".json")
    record = json.loads(side.read_text()) if side.is_file() else {}
    space = {k: tuple(v) for k, v in record.get("space", {}).items()}
    if not space:
        space = {c: registry.by_name(c).prior for c in members.columns if _has_prior(c)}
    missing = [c for c in ("member", "weight", *space) if c not in members.columns]
    if missing:
        raise ParameterError(f"ensemble {path}: missing column(s) {', '.join(missing)}")
    for name in space:
        p = registry.by_name(name)
        for v in members[name]:
            p.check(float(v), f"ensemble {path}")
    if len(members) == 0 or not np.all(members["weight"] >= 0) or members["weight"].sum() <= 0:
        raise ParameterError(f"ensemble {path}: needs at least one member and non-negative weights")
    return Ensemble(members, space, record)


def _has_prior(name: str) -> bool:
    try:
        return registry.by_name(name).prior is not None
    except KeyError:
        return False


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> list[float]:
    return [float(np.quantile(x, q, weights=w, method="inverted_cdf")) for q in qs]


def _logit(z: np.ndarray) -> np.ndarray:
    """The unit cube's coordinates on the logit scale, where the random walk moves them: a step
    there never leaves the prior's box (in 54 dimensions a step in the cube almost always would)."""
    return special.logit(np.clip(z, 1e-12, 1 - 1e-12))


def _log_prior(y: np.ndarray) -> np.ndarray:
    """The uniform prior's log density on the logit scale (up to a constant): sum of log z (1 - z)."""
    z = special.expit(y)
    return np.log(z * (1 - z)).sum(-1)


def _values(z: np.ndarray, space: Mapping[str, tuple[float, float]], fixed: Mapping[str, Any]) -> dict[str, Any]:
    lo = np.array([b[0] for b in space.values()])
    hi = np.array([b[1] for b in space.values()])
    return {**fixed, **{n: float(v) for n, v in zip(space, lo + (hi - lo) * z, strict=True)}}


Measure = Callable[[np.ndarray, Fidelity], list[dict[str, float]]]


@dataclass
class _Walk:
    """Particles that take random-walk Metropolis-Hastings steps within a tolerance, in place."""

    y: np.ndarray
    z: np.ndarray
    d: np.ndarray
    achieved: list[dict[str, float]]
    chol: np.ndarray
    epsilon: float
    fidelity: Fidelity
    evaluations: int = 0
    accepted: int = 0
    tried: int = 0
    scale: float = SCALE

    @classmethod
    def over(
        cls,
        z: np.ndarray,
        d: np.ndarray,
        achieved: list,
        alive: np.ndarray,
        epsilon: float,
        fidelity: Fidelity,
        scale: float,
    ) -> _Walk:
        """The walk's covariance: the ``alive`` particles' (logit scale, shrunk halfway to its
        diagonal) times ``scale`` / dimensions."""
        y, k = _logit(z), z.shape[1]
        cov = np.atleast_2d(np.cov(y[alive], rowvar=False)) if alive.size > 1 else np.eye(k)
        cov = (cov + np.diag(np.diag(cov))) / 2
        chol = np.linalg.cholesky(scale / k * cov + JITTER * np.eye(k))
        return cls(y, z, d, achieved, chol, epsilon, fidelity, scale=scale)

    def step(
        self,
        movers: np.ndarray,
        rng: np.random.Generator,
        measure: Measure,
        targets: Sequence[Target],
        *,
        joint: bool = True,
    ) -> None:
        """One step of each of ``movers``: a proposal the prior ratio allows is run, and accepted
        if its distance is within the tolerance. A joint step moves every coordinate along the
        walk's covariance; else ``COORDINATES`` coordinates, chosen at random, are drawn afresh
        from their prior, the rest stay (an independence proposal from the prior: its
        Metropolis-Hastings ratio is 1, so only the tolerance decides)."""
        n, k = movers.size, self.y.shape[1]
        if joint:
            prop = self.y[movers] + rng.standard_normal((n, k)) @ self.chol.T
            allowed = np.log(rng.random(n)) < _log_prior(prop) - _log_prior(self.y[movers])
        else:
            chosen = np.argsort(rng.random((n, k)), axis=1)[:, :COORDINATES]
            prop = self.y[movers].copy()
            np.put_along_axis(prop, chosen, _logit(rng.random((n, COORDINATES))), axis=1)
            allowed = np.ones(n, bool)
        run = movers[allowed]
        results = measure(special.expit(prop[allowed]), self.fidelity) if run.size else []
        self.evaluations += run.size
        for i, yp, a in zip(run, prop[allowed], results, strict=True):
            dp = distance(a, targets)
            if dp <= self.epsilon:
                self.y[i], self.z[i], self.d[i], self.achieved[i] = yp, special.expit(yp), dp, a
                self.accepted += joint
        self.tried += movers.size if joint else 0

    def generation(self, t0: float, *, diversified: bool = False) -> Generation:
        rate = self.accepted / self.tried if self.tried else float("nan")
        seconds = time.perf_counter() - t0
        return Generation(
            self.epsilon,
            self.fidelity,
            self.z,
            self.d,
            self.achieved,
            self.evaluations,
            rate,
            seconds,
            diversified,
            self.scale,
        )


def _replenish(
    last: Generation,
    epsilon: float,
    rng: np.random.Generator,
    measure: Measure,
    targets: Sequence[Target],
) -> Generation:
    """Drop the particles beyond ``epsilon``, replace them with copies of those within, and move
    each copy by Metropolis-Hastings steps that keep the ABC posterior at ``epsilon``."""
    t0 = time.perf_counter()
    z, d, achieved = last.z.copy(), last.distances.copy(), list(last.achieved)
    alive = np.flatnonzero(d <= epsilon)
    if alive.size == 0:
        raise RuntimeError(f"ABC-SMC: no particle within tolerance {epsilon:.3g}; the targets are out of reach")
    dead = np.flatnonzero(d > epsilon)
    copies = alive[rng.integers(alive.size, size=dead.size)]
    z[dead], d[dead] = z[copies], d[copies]
    for i, j in zip(dead, copies, strict=True):
        achieved[i] = achieved[j]
    walk = _Walk.over(z, d, achieved, alive, epsilon, last.fidelity, _next_scale(last))
    steps, step = 1, 0
    while step < steps and dead.size:
        walk.step(dead, rng, measure, targets, joint=step % 2 == 0)
        if step == 0:  # how many steps move a copy at least once, but for STUCK, at this rate
            rate = walk.accepted / walk.tried
            if rate >= 1:
                steps = 1
            elif rate > 0:
                steps = int(min(MAX_STEPS, max(1, np.ceil(np.log(STUCK) / np.log1p(-rate)))))
            else:
                steps = MAX_STEPS
        step += 1
    return walk.generation(t0)


def _next_scale(last: Generation) -> float:
    """The walk's scale after ``last``: its scale times its acceptance rate over ACCEPTANCE."""
    if not last.scale:
        return SCALE
    if np.isnan(last.acceptance):
        return last.scale
    return last.scale * float(np.clip(last.acceptance / ACCEPTANCE, 0.25, 2.0))


def _copies(z: np.ndarray) -> np.ndarray:
    """The particles identical to an earlier one."""
    _, first = np.unique(z, axis=0, return_index=True)
    return np.setdiff1d(np.arange(len(z)), first)


def _diversify(last: Generation, rng: np.random.Generator, measure: Measure, targets: Sequence[Target]) -> Generation:
    """The final population's copies that no step moved take more steps, all together, until every
    particle is distinct (at most ``MAX_DIVERSIFY`` steps): each step keeps the ABC posterior."""
    t0 = time.perf_counter()
    alive = np.arange(len(last.z))
    walk = _Walk.over(
        last.z.copy(), last.distances.copy(), list(last.achieved), alive, last.epsilon, last.fidelity, _next_scale(last)
    )
    for step in range(MAX_DIVERSIFY):
        movers = _copies(walk.z)
        if not movers.size:
            break
        walk.step(movers, rng, measure, targets, joint=step % 2 == 0)
    return walk.generation(t0, diversified=True)


def _measured(
    z: np.ndarray,
    fidelity: Fidelity,
    measure: Measure,
    targets: Sequence[Target],
    epsilon: float = np.inf,
    scale: float = 0.0,
) -> Generation:
    """A population measured (again) at ``fidelity``: the prior's draws, or a change of rung."""
    t0 = time.perf_counter()
    achieved = measure(z, fidelity)
    d = np.array([distance(a, targets) for a in achieved])
    return Generation(epsilon, fidelity, z, d, achieved, len(z), float("nan"), time.perf_counter() - t0, scale=scale)


def build(
    size: int,
    seed: int = 0,
    *,
    space: Mapping[str, tuple[float, float]] | None = None,
    targets: Sequence[Target] = TARGETS,
    fixed: Mapping[str, Any] | None = None,
    ladder: Sequence[tuple[Fidelity, float]] = LADDER,
    final: Fidelity = FINAL,
    checkpoint: str | Path | None = None,
    executor: ExecutorChoice = None,
    workers: int | None = None,
    scheduler: str | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Ensemble:
    """An ensemble from ``size`` particles that all pass ``targets`` at ``final`` (ABC-SMC, see above).

    ``space`` is the prior box (default: every parameter with a registry prior); ``fixed`` sets
    other parameters for every run; ``ladder`` the fidelities of the generations before the
    last, each with its floor. The runs go to ``executor`` (left open), else ``workers`` local
    processes or the Dask cluster at ``scheduler``; the ensemble does not depend on which. With
    ``checkpoint``, every finished generation is kept in that file, and a build of the same
    ensemble resumes from it (the file goes once the ensemble is made).
    """
    if size < 2:
        raise ParameterError(f"ensemble size {size}: expected a whole number of at least 2")
    if not ladder:
        raise ParameterError("ensemble ladder: expected at least one fidelity before the final one")
    space = dict(space or prior_space())
    fixed = dict(fixed or {})
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    key = _key(size, seed, space, targets, fixed, ladder, final)
    store = _Checkpoint(Path(checkpoint), key) if checkpoint is not None else None
    generations: list[Generation] = []
    rungs: list[int] = []  # the ladder's rung of each generation (len(ladder): the final one)
    seconds = 0.0
    if store is not None and (saved := store.load()) is not None:
        generations, rungs, state, seconds = saved
        rng.bit_generator.state = state
        say(f"resumed from {store.path}: {len(generations)} generations done")
    t0 = time.perf_counter() - seconds
    with executor_for(executor, workers, scheduler) as ex:

        def measure(zs: np.ndarray, fidelity: Fidelity) -> list[dict[str, float]]:
            seeds, typical = fidelity.runs()
            points = [_values(z, space, fixed) for z in zs]
            return evaluate_many(points, targets, seeds, fidelity.reps, typical_seeds=typical, executor=ex)

        def keep(gen: Generation, rung: int, name: str) -> None:
            generations.append(gen)
            rungs.append(rung)
            if store is not None:
                store.save(generations, rungs, rng.bit_generator.state, time.perf_counter() - t0)
            within = f"median distance {np.median(gen.distances):.3g}"
            moved = "" if np.isnan(gen.acceptance) else f", {gen.acceptance:.0%} of joint steps accepted"
            q05, q95 = np.quantile(gen.z, [0.05, 0.95], axis=0)
            narrowest = int(np.argmin(q95 - q05))
            spread = (  # how much of the prior the population still spans: a collapse shows here first
                f"{len(np.unique(gen.z, axis=0))} distinct; narrowest 90% range {q95[narrowest] - q05[narrowest]:.0%} "
                f"of its prior ({list(space)[narrowest]})"
            )
            say(
                f"generation {len(generations) - 1} ({name}): tolerance {gen.epsilon:.3g}, {within}; "
                f"{gen.evaluations} runs of proposals{moved}; {spread} ({gen.seconds:.0f} s)"
            )

        if not generations:
            keep(_measured(rng.random((size, len(space))), ladder[0][0], measure, targets), 0, "prior, rung 1")
        while rungs[-1] < len(ladder) or generations[-1].epsilon > 1:  # the prior's epsilon is inf
            last, rung = generations[-1], rungs[-1]
            quantile = _next_tolerance(last.distances)
            if rung < len(ladder) and quantile <= ladder[rung][1]:
                rung += 1  # the next rung (after the last one, the final fidelity): measure everyone there
                fidelity = final if rung == len(ladder) else ladder[rung][0]
                name = "final" if rung == len(ladder) else f"rung {rung + 1}"
                keep(_measured(last.z, fidelity, measure, targets, last.epsilon, last.scale), rung, f"{name}, again")
                continue
            epsilon = min(quantile, last.epsilon)
            if rung == len(ladder):  # at the final fidelity: every target inside its range, at once if
                # enough particles are already (a final proposal costs 2.5 times a medium one)
                within = np.mean(last.distances <= 1.0)
                epsilon, name = (1.0 if within >= FINAL_ALIVE else max(epsilon, 1.0)), "final"
            else:
                name = f"rung {rung + 1}"
            keep(_replenish(last, epsilon, rng, measure, targets), rung, name)
        if not generations[-1].diversified and _copies(generations[-1].z).size:
            keep(_diversify(generations[-1], rng, measure, targets), len(ladder), "final, copies moved apart")
    last = generations[-1]
    members, weights, achieved = _distinct(last)
    lo = np.array([b[0] for b in space.values()])
    hi = np.array([b[1] for b in space.values()])
    frame = pd.DataFrame(lo + (hi - lo) * members, columns=list(space))
    frame.insert(0, "weight", weights)
    frame.insert(0, "member", np.arange(len(members)))
    for t in targets:
        frame[t.id] = [a[t.id] for a in achieved]
    record = {
        "method": "adaptive ABC-SMC with replenishment (Drovandi and Pettitt 2011; tolerance as Del Moral et al. "
        "2012), random-walk Metropolis-Hastings moves on the logit scale; see analysis/evidence/ensemble.py",
        "tolerance": "every target inside its published range: max |value - middle| / half-width <= 1",
        "targets": {t.id: [t.low, t.high] for t in targets},
        "size": size,
        "seed": seed,
        "fixed": fixed,
        "ladder": [{"fidelity": f.describe(), "floor": floor} for f, floor in ladder],
        "final": final.describe(),
        "effective_size": float(1 / (weights**2).sum()),
        "generations": [
            {
                "tolerance": g.epsilon if np.isfinite(g.epsilon) else None,
                "fidelity": "final" if r == len(ladder) else f"rung {r + 1}",
                "evaluated": g.evaluations,
                "acceptance": None if np.isnan(g.acceptance) else round(g.acceptance, 3),
                "scale": round(g.scale, 4),
                "seconds": round(g.seconds, 1),
            }
            for g, r in zip(generations, rungs, strict=True)
        ],
        "seconds": round(time.perf_counter() - t0, 1),
        "constraints": constraints(generations[0], space, targets),
        "versions": versions(),
    }
    if store is not None:
        store.path.unlink(missing_ok=True)
    return Ensemble(frame, space, record)


def _key(
    size: int,
    seed: int,
    space: Mapping[str, tuple[float, float]],
    targets: Sequence[Target],
    fixed: Mapping[str, Any],
    ladder: Sequence[tuple[Fidelity, float]],
    final: Fidelity,
) -> str:
    """What makes a build the same build: a checkpoint resumes only a build with this key."""
    tuning = (QUANTILE, STUCK, MAX_STEPS, MAX_DIVERSIFY, SCALE, ACCEPTANCE, FINAL_ALIVE, COORDINATES, MOVES)
    return repr((size, seed, dict(space), [t.id for t in targets], dict(fixed), list(ladder), final, tuning))


def _next_tolerance(d: np.ndarray) -> float:
    """The ``QUANTILE`` of the distances (one of them), or, if that is infinite (a value the model
    cannot produce), the largest finite one: the particles with a finite distance go on."""
    q = float(np.quantile(d, QUANTILE, method="lower"))
    finite = d[np.isfinite(d)]
    if np.isfinite(q):
        return q
    if finite.size == 0:
        raise RuntimeError("ABC-SMC: no particle produces every target; the targets are out of reach of the prior")
    return float(finite.max())


def _distinct(gen: Generation) -> tuple[np.ndarray, np.ndarray, list[dict[str, float]]]:
    """The population's distinct particles, each weighted by its number of copies."""
    _, first, counts = np.unique(gen.z, axis=0, return_index=True, return_counts=True)
    order = np.argsort(first)
    first, counts = first[order], counts[order]
    return gen.z[first], counts / counts.sum(), [gen.achieved[i] for i in first]


@dataclass
class _Checkpoint:
    """A build's finished generations and its sampler's state, in one file; only for the same build."""

    path: Path
    key: str

    def load(self) -> tuple[list[Generation], list[int], dict, float] | None:
        if not self.path.is_file():
            return None
        with self.path.open("rb") as f:
            saved = pickle.load(f)
        if saved.get("key") != self.key:
            raise ParameterError(
                f"ensemble checkpoint {self.path}: it belongs to another build (size, seed, space, targets or "
                "fidelities differ); delete it or build that ensemble"
            )
        return saved["generations"], saved["rungs"], saved["state"], saved["seconds"]

    def save(self, generations: list[Generation], rungs: list[int], state: dict, seconds: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        part = self.path.with_name(self.path.name + ".tmp")
        with part.open("wb") as f:
            pickle.dump(
                {"key": self.key, "generations": generations, "rungs": rungs, "state": state, "seconds": seconds}, f
            )
        part.replace(self.path)  # atomic: an interruption leaves the last whole checkpoint


def constraints(first: Generation, space: Mapping[str, tuple[float, float]], targets: Sequence[Target]) -> dict:
    """Which targets constrain which parameters: per target, each parameter's Spearman rank
    correlation with the target's value over draws from the prior (the first generation)."""
    out = {}
    for t in targets:
        v = np.array([a[t.id] for a in first.achieved], float)
        ok = np.isfinite(v)
        row = {}
        for i, name in enumerate(space):
            rho = stats.spearmanr(first.z[ok, i], v[ok]).statistic if ok.sum() > 2 else np.nan
            row[name] = round(float(rho), 3) if np.isfinite(rho) else None
        out[t.id] = row
    return out


def versions() -> dict[str, str]:
    """The versions an ensemble was built with: Python, the platform and the packages that compute it."""
    out = {"python": sys.version.split()[0], "platform": platform.platform(), "coachsim": sim.__version__}
    for pkg in ("numpy", "numba", "mesa", "scipy", "pandas"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def ensemble_command(
    size: int,
    seed: int,
    targets: Sequence[Target],
    out: str | Path,
    command: str = "",
    *,
    executor: ExecutorChoice = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> int:
    """``run.py calibrate --ensemble N``: build, print the ranges and constraints, write the ensemble.

    The build keeps its checkpoint beside ``out`` (``<name>.partial.pkl``); run the same command
    again after an interruption and it resumes there."""
    ens = build(
        size,
        seed,
        targets=targets,
        checkpoint=checkpoint_path(out),
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        say=lambda line: print(line, flush=True),
    )
    ens.record["command"] = command or f"python run.py calibrate --ensemble {size} --seed {seed} --out {out}"
    path = ens.write(out)
    size_text = f"{len(ens)} members (effective size {ens.effective_size():.0f})"
    print(f"\n{size_text} pass every target; {ens.record['seconds']:.0f} s")
    print(format_ranges(ens))
    print("\nwhich parameters each target constrains (Spearman rank correlation over the prior draws):")
    print(format_constraints(ens))
    print(f"\nwrote {path} and {path.with_suffix('.json')}")
    return 0


def checkpoint_path(out: str | Path) -> Path:
    """Where ``calibrate --ensemble --out OUT`` keeps its build's checkpoint."""
    out = Path(out)
    return out.with_name(out.stem + ".partial.pkl")


def format_ranges(ens: Ensemble) -> str:
    """The plausible range of each parameter, as text: prior, ensemble 90% range and how much it narrowed."""
    df = ens.ranges().sort_values("narrowed_to")
    width = max(map(len, df["parameter"]))
    lines = [f"{'parameter':{width}}  {'default':>9}  {'prior':>19}  {'plausible (5%-95%)':>21}  narrowed to"]
    for r in df.itertuples():
        lines.append(
            f"{r.parameter:{width}}  {r.default:9.4g}  {r.prior_low:8.4g} - {r.prior_high:<8.4g}  "
            f"{r.q05:9.4g} - {r.q95:<9.4g}  {r.narrowed_to:6.0%}"
        )
    return "\n".join(lines)


def strongest(ens: Ensemble, target: str, top: int = 3) -> list[tuple[str, float]]:
    """The parameters most strongly rank-correlated with a target's value over the prior draws."""
    row = ens.record.get("constraints", {}).get(target, {})
    pairs = [(name, rho) for name, rho in row.items() if rho is not None]
    return sorted(pairs, key=lambda p: -abs(p[1]))[:top]


def format_constraints(ens: Ensemble) -> str:
    """Per target, the parameters it constrains most, as text."""
    lines = []
    for target in ens.record.get("constraints", {}):
        shown = ", ".join(f"{name} ({rho:+.2f})" for name, rho in strongest(ens, target))
        lines.append(f"  {target:4} {shown}")
    return "\n".join(lines)
