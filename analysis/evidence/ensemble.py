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
* **Sampler.** Sequential Monte Carlo ABC (Toni, Welch, Strelkowa, Ipsen and Stumpf 2009,
  J. R. Soc. Interface 6:187-202) with importance weights as in population Monte Carlo ABC
  (Beaumont, Cornuet, Marin and Robert 2009, Biometrika 96:983-990), the tolerance of each
  generation the ``QUANTILE`` of the last one's distances (Del Moral, Doucet and Jasra 2012,
  Statistics and Computing 22:1009-1020), down to 1, and Gaussian perturbations with the
  optimal local covariance of Filippi, Barnes, Cornebise and Stumpf (2013, Statistical
  Applications in Genetics and Molecular Biology 12:87-107). A proposal outside the prior's
  box has prior density 0 and is dropped before any run. Parameters are scaled to [0, 1]
  within their prior.
* **A ladder of fidelities.** The generations that narrow the tolerance measure the targets on
  cheaper runs first: ``SCOUT`` (the validation's org size, one replication of each policy
  setting) while the tolerance is wide, then ``MEDIUM`` (three replications) once the scout's
  own noise would be what the tolerance selects (its floor, ``LADDER``); the last generation
  measures each proposal exactly as ``validate`` does at its defaults (``FINAL``: 8
  replications of each policy and 24 of the typical org, 1,536 reps, ``validate``'s seeds),
  and keeps those within the published ranges. Its importance weights (prior over the
  proposal's density) make the ensemble a weighted sample of the ABC posterior at that
  fidelity, whatever the scouting did, and every member passes every target of ``validate``
  with its values.

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
from scipy import stats

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
#: its range (tolerance 1) measured at FINAL. Each floor sits above what its own noise alone
#: would give a parameter vector that passes every target (the scout's 2.3; the medium's 1.3).
LADDER: tuple[tuple[Fidelity, float], ...] = ((SCOUT, 3.0), (MEDIUM, 1.5))
#: The tolerance of each generation: this quantile of the last generation's distances.
QUANTILE = 0.5
#: Proposals evaluated together (in parallel): a fixed number, so the ensemble does not depend on
#: the number of workers.
BATCH = 32
#: A generation gives up after this many proposals a member (the tolerance is out of reach).
MAX_PROPOSALS_PER_MEMBER = 60
#: Added to each local covariance's diagonal (in the unit cube's scale), so it stays positive definite.
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
    """One population: its tolerance, fidelity, members (unit-cube coordinates), weights and distances."""

    epsilon: float
    fidelity: Fidelity
    z: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    achieved: list[dict[str, float]]
    proposals: int
    evaluations: int
    seconds: float


@dataclass
class Ensemble:
    """A calibrated ensemble: the members' values and weights, and how it was made.

    ``members`` has one row per member: ``member``, ``weight`` (normalised importance weight),
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


def _weighted_cov(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = w / w.sum()
    d = z - w @ z
    return (d * w[:, None]).T @ d


def _local_covariances(z: np.ndarray, w: np.ndarray, dist: np.ndarray, epsilon: float) -> np.ndarray:
    """Filippi et al.'s optimal local covariance: per particle, the weighted second moment of the
    particles already within the next tolerance around it (all of them if none is)."""
    near = dist <= epsilon
    if not near.any():
        near = np.ones_like(near)
    zn, wn = z[near], w[near] / w[near].sum()
    out = np.empty((len(z), z.shape[1], z.shape[1]))
    for i, zi in enumerate(z):
        d = zn - zi
        out[i] = (d * wn[:, None]).T @ d + JITTER * np.eye(z.shape[1])
    return out


def _kernel_density(zs: np.ndarray, z: np.ndarray, w: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """The proposal's density at ``zs``: the weighted mixture of Gaussians around each particle."""
    k = z.shape[1]
    dens = np.zeros(len(zs))
    for j in range(len(z)):
        diff = np.linalg.solve(chol[j], (zs - z[j]).T)
        logdet = 2 * np.log(np.diag(chol[j])).sum()
        dens += w[j] * np.exp(-0.5 * (diff**2).sum(0) - 0.5 * logdet - 0.5 * k * np.log(2 * np.pi))
    return dens


def _values(z: np.ndarray, space: Mapping[str, tuple[float, float]], fixed: Mapping[str, Any]) -> dict[str, Any]:
    lo = np.array([b[0] for b in space.values()])
    hi = np.array([b[1] for b in space.values()])
    return {**fixed, **{n: float(v) for n, v in zip(space, lo + (hi - lo) * z, strict=True)}}


def _generation(
    epsilon: float,
    fidelity: Fidelity,
    size: int,
    propose: Callable[[int], tuple[np.ndarray, np.ndarray]],
    measure: Callable[[np.ndarray, Fidelity], list[dict[str, float]]],
    targets: Sequence[Target],
    say: Callable[[str], None],
    name: str,
) -> Generation:
    """Propose in batches until ``size`` proposals are within ``epsilon``; keep the first ``size``."""
    t0 = time.perf_counter()
    kept_z, kept_w, kept_d, kept_a = [], [], [], []
    proposals = evaluations = 0
    while len(kept_z) < size:
        if evaluations >= MAX_PROPOSALS_PER_MEMBER * size:
            raise RuntimeError(
                f"ABC-SMC: {len(kept_z)} of {size} proposals within tolerance {epsilon:.3g} after {evaluations} "
                "evaluations; the targets are out of reach of the prior"
            )
        zs, weights = propose(BATCH)
        proposals += BATCH
        achieved = measure(zs, fidelity)
        evaluations += len(zs)
        for z, w, a in zip(zs, weights, achieved, strict=True):
            d = distance(a, targets)
            if d <= epsilon and len(kept_z) < size:
                kept_z.append(z)
                kept_w.append(w)
                kept_d.append(d)
                kept_a.append(a)
    w = np.array(kept_w)
    gen = Generation(
        epsilon,
        fidelity,
        np.array(kept_z),
        w / w.sum(),
        np.array(kept_d),
        kept_a,
        proposals,
        evaluations,
        time.perf_counter() - t0,
    )
    say(f"generation at tolerance {epsilon:.3g} ({name}): {size} kept of {evaluations} evaluated ({gen.seconds:.0f} s)")
    return gen


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
    """An ensemble of ``size`` members that all pass ``targets`` at ``final`` (ABC-SMC, see above).

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
    k = len(space)
    key = repr((size, seed, space, [t.id for t in targets], fixed, list(ladder), final))
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

        def from_prior(n: int) -> tuple[np.ndarray, np.ndarray]:
            return rng.random((n, k)), np.ones(n)

        def keep(gen: Generation, rung: int) -> None:
            generations.append(gen)
            rungs.append(rung)
            if store is not None:
                store.save(generations, rungs, rng.bit_generator.state, time.perf_counter() - t0)

        if not generations:
            gen = _generation(np.inf, ladder[0][0], size, from_prior, measure, targets, say, "prior, rung 1")
            keep(gen, 0)
        while rungs[-1] < len(ladder):
            last, rung = generations[-1], rungs[-1]
            finite = last.distances[np.isfinite(last.distances)]
            quantile = float(np.quantile(finite, QUANTILE)) if finite.size else np.inf
            if quantile <= ladder[rung][1]:
                rung += 1  # the next rung; after the last one, the final generation
            if rung == len(ladder):
                epsilon, fidelity, name = 1.0, final, "final"
            else:
                epsilon, fidelity, name = min(quantile, last.epsilon), ladder[rung][0], f"rung {rung + 1}"
            cov = _local_covariances(last.z, last.weights, last.distances, epsilon)
            chol = np.linalg.cholesky(cov)

            def perturbed(n: int, last: Generation = last, chol: np.ndarray = chol) -> tuple[np.ndarray, np.ndarray]:
                out = np.empty((0, k))
                while len(out) < n:  # a proposal outside the prior's box has density 0: drop it unrun
                    j = rng.choice(len(last.z), size=n, p=last.weights)
                    zs = last.z[j] + np.einsum("nij,nj->ni", chol[j], rng.standard_normal((n, k)))
                    out = np.concatenate([out, zs[np.all((zs >= 0) & (zs <= 1), axis=1)]])
                out = out[:n]
                return out, 1.0 / _kernel_density(out, last.z, last.weights, chol)

            keep(_generation(epsilon, fidelity, size, perturbed, measure, targets, say, name), rung)
    last = generations[-1]
    lo = np.array([b[0] for b in space.values()])
    hi = np.array([b[1] for b in space.values()])
    x = lo + (hi - lo) * last.z
    members = pd.DataFrame(x, columns=list(space))
    members.insert(0, "weight", last.weights)
    members.insert(0, "member", np.arange(size))
    for t in targets:
        members[t.id] = [a[t.id] for a in last.achieved]
    record = {
        "method": "ABC-SMC (Toni et al. 2009; Beaumont et al. 2009), adaptive tolerance (Del Moral et al. 2012), "
        "optimal local covariance kernel (Filippi et al. 2013); see analysis/evidence/ensemble.py",
        "tolerance": "every target inside its published range: max |value - middle| / half-width <= 1",
        "targets": {t.id: [t.low, t.high] for t in targets},
        "size": size,
        "seed": seed,
        "fixed": fixed,
        "ladder": [{"fidelity": f.describe(), "floor": floor} for f, floor in ladder],
        "final": final.describe(),
        "effective_size": float(last.weights.sum() ** 2 / (last.weights**2).sum()),
        "generations": [
            {
                "tolerance": g.epsilon if np.isfinite(g.epsilon) else None,
                "fidelity": "final" if r == len(ladder) else f"rung {r + 1}",
                "evaluated": g.evaluations,
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
    return Ensemble(members, space, record)


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
