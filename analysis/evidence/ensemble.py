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
* **Sampler.** ABC Markov chain Monte Carlo (Marjoram, Molitor, Plagnol and Tavare 2003, PNAS
  100:15324-15328): ``CHAINS`` independent chains, each a Metropolis-Hastings chain whose
  stationary distribution is the prior restricted to the vectors within the tolerance. A proposal
  is accepted when the prior ratio allows it and every target is inside its range, measured
  exactly as ``validate`` does at its defaults (``FINAL``: 8 replications of each policy setting
  and 24 of the typical org, 1,536 reps, ``validate``'s seeds), so every state of every chain,
  and every member, passes every target of ``validate`` with its values. With the seeds fixed,
  passing is a deterministic property of the parameter vector and the chain is exact.
* **Where the chains start.** At the registry's defaults: the fitted point, which passes every
  target (``validate``), so no chain has to find the targets first. The first ``BURN`` steps are
  burn-in: the chains move away from their common start and the moves are tuned; then each
  chain gives a member every ``THIN`` steps. How well the chains have forgotten their start is
  measured, not assumed: the rank-normalised split R-hat (:func:`split_rhat`) and the bulk
  effective sample size (:func:`bulk_ess`) of each parameter over the steps after the burn-in are
  in the record, and the ensemble's effective size is the median of the latter. A region of
  plausible models that no chain reaches from the defaults is missed; chains that start together
  cannot show it.
* **Moves.** Three kinds of step take turns (``KINDS``), all on the logit scale of the unit cube
  (each parameter scaled to [0, 1] within its prior, so a step never leaves the box; the uniform
  prior's density there is ``prod z (1 - z)``). They use J, the slopes of the targets (in
  half-widths per logit unit) fitted by least squares to every proposal run so far (:func:`slopes`):
  the targets pin about a dozen directions of the 54 while the rest are free, so isotropic steps
  inside the ranges are rejected almost always. A joint step is Gaussian with covariance
  ``scale^2 (I + J'J)^-1`` (:func:`joint_factor`): it moves each target by about ``scale``
  half-widths along its slope. A free step is Gaussian in the null space of J only
  (:func:`free_basis`), with a scale of its own: it moves the parameters in the directions no
  target's slope sees, as far as the targets' curvature and noise allow. A prior-draw step draws
  ``COORDINATES`` coordinate, chosen at random, afresh from its prior: an independence proposal,
  accepted whenever the targets allow, a jump across a free parameter's whole range. The two scales
  follow their acceptance rates towards 0.234 (Roberts, Gelman and Gilks 1997) during the burn-in;
  the slopes and the scales are then fixed, so the chains after the burn-in are Markov chains that
  keep the posterior (adaptation that stops, as Haario, Saksman and Tamminen 2001 allow).
* **Why not sequential Monte Carlo.** Three builds with adaptive ABC-SMC with replenishment
  (Drovandi and Pettitt 2011) collapsed in 54 dimensions before their tolerance reached the
  ranges: resampling copies a few ancestors, and the moves did not decorrelate the copies (a
  parameter no target constrains shrank to 5% of its prior), and the population settled where
  T4 and T6 were 1.2-1.3 half-widths outside their ranges, away from the defaults, which pass.
  History matching with regression emulators (Vernon, Goldstein and Bower 2010) stalled at 0.4%
  of the prior with no run passing. Chains that start where the targets pass need neither.

A seed fixes the ensemble bit for bit: every proposal comes from ``numpy.random.SeedSequence(seed)``
for all the chains at once, every run uses the validation's fixed seeds (common random numbers
across proposals), and results do not depend on the workers or the executor. A build keeps a
checkpoint after every step and, interrupted, resumes from it to the same ensemble.

Which targets constrain which parameters: over a screen of draws from the prior (``SCREEN``),
the Spearman rank correlation of each parameter with each target's value; how much the evidence
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
    "SCREEN",
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
#: The screen of prior draws that says which targets constrain which parameters: the validation's
#: org size, one replication of each policy setting (the Spearman correlations need ranks, not
#: the last digit).
SCREEN = Fidelity(reps=1536, replications=1)
#: Independent chains, each started at the registry's defaults: fewer, longer chains move further
#: from their common start for the same number of runs.
CHAINS = 10
#: Steps of each chain before its first member: the chains move away from their common start and
#: the moves are tuned (then fixed, so the chains are Markov chains that keep the posterior from
#: there on). A multiple of the kinds of step, so each kind is tuned as often.
BURN = 45
#: Steps between a chain's members.
THIN = 12
#: A prior-draw step draws this many coordinates, chosen at random, afresh from their prior (an
#: independence proposal: only the targets decide), a jump across the whole prior that a walk would
#: take many steps to make. One: each coordinate the targets leave free is then accepted as often
#: as the runs' noise allows (three at once were accepted 0-20% of the time).
COORDINATES = 1
#: The scale of the joint and the free steps (for the joint step, about how many half-widths a
#: step moves each target along its slope; for both, logit units along the directions no target
#: depends on) at the start of the burn-in ...
SCALE = 0.1
#: ... each tuned during the burn-in towards this acceptance rate (the optimum of a random-walk
#: Metropolis, Roberts, Gelman and Gilks 1997).
ACCEPTANCE = 0.234
#: Added to the joint step's covariance's diagonal (logit scale), so it stays positive definite.
JITTER = 1e-9


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
        """How many independent draws the members are worth: Kish's effective size of the weights,
        or, if the record has it, the chains' (the members are steps of Markov chains, which are
        correlated: the median over the parameters of the chains' bulk effective sample size,
        at most the number of members)."""
        w = self.weights
        kish = float(w.sum() ** 2 / (w**2).sum())
        return min(kish, float(self.record.get("effective_size", kish)))

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


def start_point(space: Mapping[str, tuple[float, float]]) -> np.ndarray:
    """The registry's defaults (the fitted point, which passes every target) in the unit cube of ``space``."""
    return np.array([(registry.by_name(name).default - lo) / (hi - lo) for name, (lo, hi) in space.items()])


def signed(achieved: Mapping[str, float], targets: Sequence[Target]) -> np.ndarray:
    """Each target's value as its signed distance from the middle of its range, in half-widths."""
    return np.array([(achieved[t.id] - t.middle) / ((t.high - t.low) / 2) for t in targets], float)


def slopes(ys: np.ndarray, ts: np.ndarray) -> np.ndarray | None:
    """The targets' local slopes J (targets x coordinates, half-widths per logit unit): least squares
    of each target's :func:`signed` value on the coordinates of the proposals run so far (``ys``,
    logit scale; ``ts``, their targets). None until ``2 (d + 1)`` runs have every target finite."""
    k = ys.shape[1] if ys.ndim == 2 else 0
    ok = np.all(np.isfinite(ts), axis=1) if len(ts) else np.zeros(0, bool)
    if k == 0 or ok.sum() < 2 * (k + 1):
        return None
    x = np.column_stack([np.ones(ok.sum()), ys[ok]])
    return np.linalg.lstsq(x, ts[ok], rcond=None)[0][1:].T


def joint_factor(j: np.ndarray | None, k: int, scale: float) -> np.ndarray:
    """The joint step's Cholesky factor: ``scale^2 (I + J'J)^-1``. A step moves each target by about
    ``scale`` half-widths along its slope and every direction no target depends on by about
    ``scale`` logit units: the Gaussian that a linear model of the targets with one half-width of
    error and a unit prior step would give. Without slopes, an isotropic walk."""
    precision = np.eye(k) if j is None else np.eye(k) + j.T @ j
    return np.linalg.cholesky(scale**2 * np.linalg.inv(precision) + JITTER * np.eye(k))


def free_basis(j: np.ndarray | None, k: int) -> np.ndarray:
    """An orthonormal basis (columns) of the directions along which no target's slope moves: the
    null space of J (every direction, without slopes). A free step moves only along these."""
    if j is None:
        return np.eye(k)
    _, sv, vt = np.linalg.svd(j)
    rank = int(np.sum(sv > sv.max() * 1e-9)) if sv.size else 0
    return vt[rank:].T


def split_rhat(x: np.ndarray) -> float:
    """Rank-normalised split R-hat of one quantity's draws, ``x[step, chain]`` (Vehtari, Gelman,
    Simpson, Carpenter and Buerkner 2021): near 1 when the chains agree; above 1.01-1.1, they have
    not mixed. NaN for a quantity no chain moved."""
    z = _split_scores(x)
    if z is None:
        return float("nan")
    n = z.shape[0]
    within = z.var(axis=0, ddof=1).mean()
    if within <= 0:
        return float("nan")
    between = n * z.mean(axis=0).var(ddof=1)
    return float(np.sqrt(((n - 1) / n * within + between / n) / within))


def _split_scores(x: np.ndarray) -> np.ndarray | None:
    """Each chain of ``x[step, chain]`` cut in two halves (as chains of their own), the draws
    replaced by the normal scores of their ranks over all of them (Vehtari et al. 2021). None for
    fewer than two steps a half."""
    n = x.shape[0] // 2
    if n < 2:
        return None
    halves = np.concatenate([x[:n], x[n : 2 * n]], axis=1)
    ranks = stats.rankdata(halves, axis=None).reshape(halves.shape)
    return special.ndtri((ranks - 3 / 8) / (ranks.size + 1 / 4))


def bulk_ess(x: np.ndarray) -> float:
    """The bulk effective sample size of one quantity's draws, ``x[step, chain]``: rank-normalised
    split chains, their autocorrelations summed by Geyer's initial monotone sequence (Vehtari et
    al. 2021, as Stan computes it). NaN for a quantity no chain moved."""
    z = _split_scores(x)
    if z is None:
        return float("nan")
    n, m = z.shape
    centred = z - z.mean(axis=0)
    size = 2 ** int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(centred, size, axis=0)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size, axis=0)[:n] / n  # per chain, lags 0..n-1
    within = (acov[0] * n / (n - 1)).mean()
    if within <= 0:
        return float("nan")
    var_plus = (n - 1) / n * within + z.mean(axis=0).var(ddof=1)
    rho = 1 - (within - acov.mean(axis=1)) / var_plus
    rho[0] = 1.0
    total, t, last = 0.0, 0, np.inf
    while t + 1 < n:
        pair = rho[t] + rho[t + 1]
        if pair <= 0:
            break
        pair = min(pair, last)  # initial monotone sequence
        total, last, t = total + pair, pair, t + 2
    tau = max(-1 + 2 * total, 1 / np.log10(n * m))
    return float(n * m / tau)


#: The kinds of step, in turn: the joint step, the free step, prior draws of a few coordinates.
KINDS = ("joint", "free", "prior draws")


@dataclass
class _Chains:
    """The chains' state after ``step`` steps: everything a checkpoint keeps."""

    y: np.ndarray  # each chain's point, logit scale
    distances: np.ndarray
    achieved: list[dict[str, float]]
    scales: dict[str, float] = field(default_factory=lambda: dict.fromkeys(KINDS[:2], SCALE))
    step: int = 0
    fixed: tuple[np.ndarray, np.ndarray] | None = None  # the joint factor and free basis, after the burn-in
    ys: list[np.ndarray] = field(default_factory=list)  # the proposals run (logit) ...
    ts: list[np.ndarray] = field(default_factory=list)  # ... and their targets (signed half-widths)
    trace: list[np.ndarray] = field(default_factory=list)  # each step after the burn-in: the chains' points
    members: list[tuple[int, int, np.ndarray, dict[str, float]]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    screen: tuple[np.ndarray, list[dict[str, float]]] | None = None

    def moves(self) -> tuple[np.ndarray, np.ndarray]:
        """The joint step's factor and the free step's basis: fixed after the burn-in, else from
        the slopes of every proposal run so far."""
        if self.fixed is not None:
            return self.fixed
        k = self.y.shape[1]
        j = slopes(np.array(self.ys), np.array(self.ts)) if self.ys else None
        return joint_factor(j, k, self.scales["joint"]), free_basis(j, k)

    def step_once(
        self,
        rng: np.random.Generator,
        measure: Measure,
        fidelity: Fidelity,
        targets: Sequence[Target],
        burn: int,
    ) -> None:
        """One proposal for every chain, accepted where its prior ratio allows and every target is
        inside its range. The kinds take turns (``KINDS``): a joint step moves every coordinate by
        :func:`joint_factor`'s Gaussian; a free step moves along :func:`free_basis` only, by a
        Gaussian of its own scale; a prior draw redraws ``COORDINATES`` coordinates, chosen at
        random, from their prior (an independence proposal: only the targets decide). The two
        scales are tuned to ``ACCEPTANCE`` during the burn-in, then fixed with the slopes."""
        t0 = time.perf_counter()
        n, k = self.y.shape
        kind = KINDS[self.step % len(KINDS)]
        if kind == "prior draws":
            chosen = np.argsort(rng.random((n, k)), axis=1)[:, :COORDINATES]
            prop = self.y.copy()
            np.put_along_axis(prop, chosen, _logit(rng.random((n, COORDINATES))), axis=1)
            allowed = np.ones(n, bool)
        else:
            chol, basis = self.moves()
            if kind == "joint":
                prop = self.y + rng.standard_normal((n, k)) @ chol.T
            else:
                prop = self.y + self.scales["free"] * rng.standard_normal((n, basis.shape[1])) @ basis.T
            allowed = np.log(rng.random(n)) < _log_prior(prop) - _log_prior(self.y)
        run = np.flatnonzero(allowed)
        results = measure(special.expit(prop[run]), fidelity) if run.size else []
        accepted = 0
        for i, a in zip(run, results, strict=True):
            self.ys.append(prop[i])
            self.ts.append(signed(a, targets))
            d = distance(a, targets)
            if d <= 1.0:
                self.y[i], self.distances[i], self.achieved[i] = prop[i], d, a
                accepted += 1
        rate = accepted / n
        if kind in self.scales and self.step < burn:  # towards ACCEPTANCE (Robbins-Monro on the log scale)
            self.scales[kind] *= float(np.exp(np.clip(rate - ACCEPTANCE, -0.7, 0.7)))
        self.step += 1
        if self.step == burn:  # the burn-in is over: the moves are fixed from here on
            self.fixed = self.moves()
        self.log.append(
            {
                "step": self.step,
                "kind": kind,
                "evaluated": int(run.size),
                "accepted": round(rate, 3),
                "seconds": round(time.perf_counter() - t0, 1),
            }
        )

    def keep(self, burn: int, thin: int) -> None:
        """After the burn-in, every step's points go to the trace, and every ``thin``-th step's are members."""
        if self.step <= burn:
            return
        z = special.expit(self.y)
        self.trace.append(z.copy())
        if (self.step - burn) % thin == 0:
            draw = (self.step - burn) // thin - 1
            self.members += [(draw, c, z[c].copy(), self.achieved[c]) for c in range(len(z))]

    def rates(self, burn: int) -> dict[str, float | None]:
        """The acceptance rate of each kind of step after the burn-in."""
        out: dict[str, float | None] = {}
        for kind in KINDS:
            rs = [s["accepted"] for s in self.log[burn:] if s["kind"] == kind]
            out[kind] = round(float(np.mean(rs)), 3) if rs else None
        return out


def build(
    size: int,
    seed: int = 0,
    *,
    space: Mapping[str, tuple[float, float]] | None = None,
    targets: Sequence[Target] = TARGETS,
    fixed: Mapping[str, Any] | None = None,
    chains: int = CHAINS,
    burn: int = BURN,
    thin: int = THIN,
    screen: Fidelity = SCREEN,
    final: Fidelity = FINAL,
    checkpoint: str | Path | None = None,
    executor: ExecutorChoice = None,
    workers: int | None = None,
    scheduler: str | None = None,
    measure: Measure | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Ensemble:
    """An ensemble of ``size`` members that all pass ``targets`` at ``final`` (ABC-MCMC, see above).

    ``space`` is the prior box (default: every parameter with a registry prior); ``fixed`` sets
    other parameters for every run. ``chains`` chains start at the registry's defaults, take
    ``burn`` steps and then give a member every ``thin`` steps. The runs go to ``executor`` (left
    open), else ``workers`` local processes or the Dask cluster at ``scheduler``; the ensemble does
    not depend on which. ``measure`` replaces the model (a function of unit-cube points and a
    fidelity giving each point's target values), for a test of the sampler alone. With
    ``checkpoint``, the state after every step is kept in that file, and a build of the same
    ensemble resumes from it (the file goes once the ensemble is made).
    """
    if size < 2:
        raise ParameterError(f"ensemble size {size}: expected a whole number of at least 2")
    if chains < 2 or burn < 2 or thin < 1:
        raise ParameterError(f"ensemble chains {chains}, burn-in {burn}, thinning {thin}: expected at least 2, 2, 1")
    space = dict(space or prior_space())
    fixed = dict(fixed or {})
    chains = min(chains, size)
    draws = -(-size // chains)
    steps = burn + thin * draws
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    key = _key(size, seed, space, targets, fixed, (chains, burn, thin), screen, final)
    store = _Checkpoint(Path(checkpoint), key) if checkpoint is not None else None
    state: _Chains | None = None
    seconds = 0.0
    if store is not None and (saved := store.load()) is not None:
        state, rng_state, seconds = saved
        rng.bit_generator.state = rng_state
        say(f"resumed from {store.path}: {state.step} of {steps} steps done")
    t0 = time.perf_counter() - seconds
    with executor_for(executor, workers, scheduler) as ex:
        if measure is None:

            def measure(zs: np.ndarray, fidelity: Fidelity) -> list[dict[str, float]]:
                seeds, typical = fidelity.runs()
                points = [_values(z, space, fixed) for z in zs]
                return evaluate_many(points, targets, seeds, fidelity.reps, typical_seeds=typical, executor=ex)

        def save(st: _Chains) -> None:
            if store is not None:
                store.save(st, rng.bit_generator.state, time.perf_counter() - t0)

        z0 = start_point(space)
        if state is None:
            first = measure(z0[None], final)[0]
            d0 = distance(first, targets)
            if d0 > 1:
                raise ParameterError(
                    f"ensemble: the chains start at the registry's defaults, which do not pass every target at "
                    f"the final fidelity (distance {d0:.3g}); run `python run.py validate`"
                )
            draws_z = rng.random((size, len(space)))
            state = _Chains(np.tile(_logit(z0), (chains, 1)), np.full(chains, d0), [first] * chains)
            state.screen = (draws_z, measure(draws_z, screen))
            save(state)
            say(f"screen: {size} draws from the prior measured ({time.perf_counter() - t0:.0f} s)")
        while state.step < steps:
            state.step_once(rng, measure, final, targets, burn)
            state.keep(burn, thin)
            save(state)
            last = state.log[-1]
            spread = np.median(np.abs(special.expit(state.y) - z0).sum(axis=1))
            scales = ", ".join(f"{kind} {v:.3g}" for kind, v in state.scales.items())
            say(
                f"step {state.step}/{steps} ({last['kind']}): {last['accepted']:.0%} accepted, scales {scales}; "
                f"chains' median L1 distance from the start {spread:.2f} ({last['seconds']:.0f} s)"
            )
    members = sorted(state.members, key=lambda m: (m[0], m[1]))[:size]
    lo = np.array([b[0] for b in space.values()])
    hi = np.array([b[1] for b in space.values()])
    frame = pd.DataFrame(lo + (hi - lo) * np.array([m[2] for m in members]), columns=list(space))
    frame.insert(0, "chain", [m[1] for m in members])
    frame.insert(0, "weight", np.full(len(members), 1 / len(members)))
    frame.insert(0, "member", np.arange(len(members)))
    for t in targets:
        frame[t.id] = [m[3][t.id] for m in members]
    trace = np.array(state.trace)  # (steps after the burn-in, chains, parameters)
    rhat = {name: split_rhat(trace[:, :, i]) for i, name in enumerate(space)}
    ess = {name: bulk_ess(trace[:, :, i]) for i, name in enumerate(space)}
    moved = [v for v in ess.values() if np.isfinite(v)]
    record = {
        "method": "ABC-MCMC (Marjoram, Molitor, Plagnol and Tavare 2003) with tolerance the published ranges, "
        f"{chains} chains from the registry's defaults, joint steps from a local linear model of the targets "
        "and prior draws of a few coordinates; see analysis/evidence/ensemble.py",
        "tolerance": "every target inside its published range: max |value - middle| / half-width <= 1",
        "targets": {t.id: [t.low, t.high] for t in targets},
        "size": size,
        "seed": seed,
        "fixed": fixed,
        "chains": chains,
        "burn_in": burn,
        "thin": thin,
        "steps": steps,
        "final": final.describe(),
        "screen": screen.describe(),
        "evaluated": int(sum(s["evaluated"] for s in state.log)) + 1 + size,
        "acceptance": state.rates(burn),
        "scales": {kind: round(v, 4) for kind, v in state.scales.items()},
        "rhat": {k: (round(v, 3) if np.isfinite(v) else None) for k, v in rhat.items()},
        "ess": {k: (round(v, 1) if np.isfinite(v) else None) for k, v in ess.items()},
        # the members are a thinned subset of the chains' steps: at most their number, at most the chains' ESS
        "effective_size": round(min(len(members), float(np.median(moved))) if moved else 1.0, 1),
        "log": state.log,
        "seconds": round(time.perf_counter() - t0, 1),
        "constraints": constraints(*state.screen, space, targets),
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
    shape: tuple[int, int, int],
    screen: Fidelity,
    final: Fidelity,
) -> str:
    """What makes a build the same build: a checkpoint resumes only a build with this key."""
    tuning = (KINDS, COORDINATES, SCALE, ACCEPTANCE, JITTER)
    return repr((size, seed, dict(space), [t.id for t in targets], dict(fixed), shape, screen, final, tuning))


@dataclass
class _Checkpoint:
    """A build's chains and its sampler's state, in one file; only for the same build."""

    path: Path
    key: str

    def load(self) -> tuple[_Chains, dict, float] | None:
        if not self.path.is_file():
            return None
        with self.path.open("rb") as f:
            saved = pickle.load(f)
        if saved.get("key") != self.key:
            raise ParameterError(
                f"ensemble checkpoint {self.path}: it belongs to another build (size, seed, space, targets, chains or "
                "fidelities differ); delete it or build that ensemble"
            )
        return saved["chains"], saved["state"], saved["seconds"]

    def save(self, chains: _Chains, state: dict, seconds: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        part = self.path.with_name(self.path.name + ".tmp")
        with part.open("wb") as f:
            pickle.dump({"key": self.key, "chains": chains, "state": state, "seconds": seconds}, f)
        part.replace(self.path)  # atomic: an interruption leaves the last whole checkpoint


def constraints(
    z: np.ndarray,
    achieved: Sequence[Mapping[str, float]],
    space: Mapping[str, tuple[float, float]],
    targets: Sequence[Target],
) -> dict:
    """Which targets constrain which parameters: per target, each parameter's Spearman rank
    correlation with the target's value over draws from the prior (the screen)."""
    out = {}
    for t in targets:
        v = np.array([a[t.id] for a in achieved], float)
        ok = np.isfinite(v)
        row = {}
        for i, name in enumerate(space):
            rho = stats.spearmanr(z[ok, i], v[ok]).statistic if ok.sum() > 2 else np.nan
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
    print(format_mixing(ens))
    print(format_ranges(ens))
    print("\nwhich parameters each target constrains (Spearman rank correlation over the prior draws):")
    print(format_constraints(ens))
    print(f"\nwrote {path} and {path.with_suffix('.json')}")
    return 0


def checkpoint_path(out: str | Path) -> Path:
    """Where ``calibrate --ensemble --out OUT`` keeps its build's checkpoint."""
    out = Path(out)
    return out.with_name(out.stem + ".partial.pkl")


def mixing(ens: Ensemble) -> dict[str, Any] | None:
    """How well the chains mixed, from the record: the R-hat of each parameter (median, largest and
    which, how many below 1.1) and the median and smallest bulk effective sample size; None if the
    record has neither."""
    rhat = {k: v for k, v in ens.record.get("rhat", {}).items() if v is not None}
    ess = [v for v in ens.record.get("ess", {}).values() if v is not None]
    if not rhat or not ess:
        return None
    worst = max(rhat, key=rhat.get)
    return {
        "rhat_median": float(np.median(list(rhat.values()))),
        "rhat_worst": worst,
        "rhat_largest": rhat[worst],
        "below_1_1": sum(v < 1.1 for v in rhat.values()),
        "parameters": len(rhat),
        "ess_median": float(np.median(ess)),
        "ess_smallest": float(min(ess)),
    }


def format_mixing(ens: Ensemble) -> str:
    """How well the chains mixed, as text: acceptance of each kind of step, R-hat and effective sizes."""
    mix = mixing(ens)
    if mix is None:
        return "mixing: not recorded"
    rates = ", ".join(f"{kind} {r:.0%}" for kind, r in ens.record.get("acceptance", {}).items() if r is not None)
    return (
        f"accepted after the burn-in: {rates}; R-hat median {mix['rhat_median']:.3f}, largest "
        f"{mix['rhat_largest']:.3f} ({mix['rhat_worst']}), {mix['below_1_1']} of {mix['parameters']} below 1.1; "
        f"chains' bulk effective sample size median {mix['ess_median']:.0f}, smallest {mix['ess_smallest']:.0f}"
    )


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
