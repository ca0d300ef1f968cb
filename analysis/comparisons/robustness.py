"""How robust a policy's effect is: the comparison repeated in every plausible model of an ensemble.

A comparison at one parameter point (:func:`analysis.compare`) has confidence intervals for the
Monte Carlo noise around that point only. Across a calibrated ensemble
(:mod:`analysis.evidence.ensemble`: parameter vectors that all pass every published target),
each member is a model the evidence allows; running each policy against the baseline in every
member, with common random numbers within it, gives the policy's effect in each plausible
model. From those:

* **size**: the effect's weighted median across the ensemble and its 90% range (5% to 95%),
  each with a 95% Monte Carlo confidence interval;
* **robustness**: the weighted share of the plausible models in which the policy improves the
  metric ("raises attainment in 97% of the plausible models"), with its interval;
* **ranking**: for every pair of policies, the share of models in which the first does better;
  a pair ordered differently in more than :data:`FLIP_SHARE` of the models is named as a
  ranking that flips;
* **when it fails**: PRIM (:mod:`analysis.discovery`) over the members' parameters, finding the
  region of the plausible models where the policy does not beat the baseline.

The Monte Carlo intervals are percentile intervals of a bootstrap that resamples the members
(an ensemble is a finite sample of the posterior; members drawn from Markov chains are resampled
a whole chain at a time, since one chain's members are correlated) and the replications (the
same replications for every policy, keeping their pairing), :data:`BOOTSTRAP` times from a
fixed seed.

A member's parameters are the world; a policy's own settings (its scenario file) are applied on
top, so a policy that sets a parameter the ensemble varies keeps its value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from analysis.evidence.ensemble import Ensemble
from analysis.evidence.ensemble import load as load_ensemble
from analysis.runs.executors import ExecutorChoice, executor_for
from analysis.runs.runner import map_ordered, replication_seeds
from analysis.sweeps.simulate import simulate_stack
from sim import params as registry
from sim.metrics import CANONICAL, METRICS
from sim.params import ParameterError
from sim.scenario import SCENARIO_DIR, Scenario, load

__all__ = [
    "BOOTSTRAP",
    "ENSEMBLE_COMMAND",
    "ENSEMBLE_FILE",
    "ENSEMBLE_REPLICATIONS",
    "FLIP_SHARE",
    "EnsembleComparison",
    "compare_ensemble",
]

#: The shipped ensemble, and the command that makes it (and resumes its build where interrupted).
ENSEMBLE_FILE = str(SCENARIO_DIR / "ensemble.parquet")
ENSEMBLE_COMMAND = "python run.py calibrate --ensemble 100 --seed 0 --out scenarios/ensemble.parquet"
#: Replications of each policy in each member: with common random numbers within a member, enough
#: that a member's effect on attainment is known to about a point (its Monte Carlo standard error
#: is in the report), so the spread across members is the models', not the noise's.
ENSEMBLE_REPLICATIONS = 8
#: Resamples of the Monte Carlo bootstrap, and its fixed seed.
BOOTSTRAP = 1000
BOOTSTRAP_SEED = 20261207
#: A pair of policies whose order differs in more than this share of the plausible models (each
#: way) is a ranking that flips.
FLIP_SHARE = 0.1
BETTER = {m.name: m.better for m in METRICS}


def _task(task: tuple[list[dict[str, Any]], list[int]]) -> list[dict[str, float]]:
    values, seeds = task
    return simulate_stack(values, seeds)


def _member_values(scenario: Scenario, member: Mapping[str, float], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A policy in one plausible model: the member's parameters, then the policy's own settings."""
    return registry.resolve({**member, **scenario.overrides, **overrides}, scenario.origin)


def compare_ensemble(
    scenarios: Sequence[str | os.PathLike[str] | Scenario],
    ensemble: str | os.PathLike[str] | Ensemble = ENSEMBLE_FILE,
    baseline: str | os.PathLike[str] | Scenario | None = None,
    replications: int = ENSEMBLE_REPLICATIONS,
    seed: int = 0,
    workers: int | None = None,
    warmup: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool | None = None,
    *,
    labels: Sequence[str] | None = None,
    executor: ExecutorChoice = None,
    scheduler: str | None = None,
) -> EnsembleComparison:
    """Run every policy in every member of ``ensemble`` and compare each with ``baseline`` there.

    Replication ``i`` uses the seed ``replication_seeds(seed, replications)[i]`` in every member
    and every policy (common random numbers). ``warmup`` and ``overrides`` apply to every run,
    as in :func:`analysis.compare`; ``labels`` name the scenarios (default their names, which
    must then differ). The runs of a policy in a member share a stack.
    """
    ens = ensemble if isinstance(ensemble, Ensemble) else load_ensemble(ensemble)
    if replications < 2:
        raise ParameterError(f"compare: replications = {replications} is not allowed; expected at least 2")
    loaded = [s if isinstance(s, Scenario) else load(s) for s in scenarios]
    if baseline is not None:
        base = baseline if isinstance(baseline, Scenario) else load(baseline)
        names = [s.name for s in loaded]
        loaded = [base, *[s for s in loaded if s.name != base.name]] if base.name in names else [base, *loaded]
    labels = list(labels) if labels is not None else [s.name for s in loaded]
    if len(set(labels)) != len(labels) or len(labels) != len(loaded):
        raise ParameterError("compare: a scenario is listed twice")
    common = dict(overrides or {})
    if warmup is not None:
        common["sim.warmup_weeks"] = warmup
    members = [ens.values(i) for i in range(len(ens))]
    values = {
        label: [_member_values(s, m, common) for m in members] for label, s in zip(labels, loaded, strict=True)
    }  # checked before any run
    seeds = replication_seeds(seed, replications)
    tasks = [(label, i) for label in labels for i in range(len(members))]
    with executor_for(executor, workers, scheduler, tasks=len(tasks)) as ex:
        results = map_ordered(
            _task,
            [([values[label][i]] * replications, seeds) for label, i in tasks],
            ex,
            progress,
            desc="ensemble",
        )
    metrics = np.array([[[r[m] for m in CANONICAL] for r in res] for res in results], float)
    metrics = metrics.reshape(len(labels), len(members), replications, len(CANONICAL))
    return EnsembleComparison(
        labels=labels,
        titles={label: s.heading + label[len(s.name) :] for label, s in zip(labels, loaded, strict=True)},
        ensemble=ens,
        metrics=metrics,
        seed=seed,
        replications=replications,
        warmup=int(values[labels[0]][0]["sim.warmup_weeks"]),
        overrides=common,
    )


@dataclass
class EnsembleComparison:
    """Every policy run in every member of an ensemble; the statistics of their paired effects.

    ``metrics[s, m, r, k]`` is canonical metric ``k`` (:data:`sim.metrics.CANONICAL`) of policy
    ``s`` (``labels``, the baseline first) in member ``m``, replication ``r``.
    """

    labels: list[str]
    titles: dict[str, str]
    ensemble: Ensemble
    metrics: np.ndarray
    seed: int
    replications: int
    warmup: int
    overrides: dict[str, Any] = field(default_factory=dict)
    #: What readers derive once and keep (the scenario discovery of each policy's failures).
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def baseline(self) -> str:
        """The reference policy (the first)."""
        return self.labels[0]

    @property
    def policies(self) -> list[str]:
        """The policies compared with the baseline."""
        return self.labels[1:]

    def effects(self, metric: str = "attainment") -> np.ndarray:
        """Per policy (not the baseline), member and replication: the paired difference from the baseline."""
        k = CANONICAL.index(metric)
        return self.metrics[1:, :, :, k] - self.metrics[:1, :, :, k]

    def member_effects(self, metric: str = "attainment") -> pd.DataFrame:
        """One row per member and policy: its mean effect, Monte Carlo standard error and weight."""
        e = self.effects(metric)
        rows = []
        for s, label in enumerate(self.policies):
            for m in range(e.shape[1]):
                rows.append(
                    {
                        "member": int(self.ensemble.members["member"].iloc[m]),
                        "weight": float(self.ensemble.weights[m]),
                        "scenario": label,
                        "metric": metric,
                        "effect": float(e[s, m].mean()),
                        "mc_se": float(e[s, m].std(ddof=1) / np.sqrt(e.shape[2])),
                    }
                )
        return pd.DataFrame(rows)

    def _improves(self, effect: np.ndarray, metric: str) -> np.ndarray:
        return effect < 0 if BETTER.get(metric) == "lower" else effect > 0

    @cached_property
    def _bootstrap_draws(self) -> tuple[list[np.ndarray], np.ndarray]:
        """The members and replications of each resample: members one by one, or, for members drawn
        from Markov chains (a ``chain`` column), whole chains, since one chain's members are correlated."""
        rng = np.random.default_rng(np.random.SeedSequence([BOOTSTRAP_SEED, self.seed]))
        n_members, n_reps = self.metrics.shape[1], self.metrics.shape[2]
        members = self.ensemble.members
        if "chain" in members.columns:
            groups = [np.flatnonzero(members["chain"].to_numpy() == c) for c in pd.unique(members["chain"])]
            picks = rng.integers(0, len(groups), (BOOTSTRAP, len(groups)))
            member_draws = [np.concatenate([groups[g] for g in row]) for row in picks]
        else:
            member_draws = list(rng.integers(0, n_members, (BOOTSTRAP, n_members)))
        return member_draws, rng.integers(0, n_reps, (BOOTSTRAP, n_reps))

    def summary(self, metric: str = "attainment") -> pd.DataFrame:
        """Per policy: the effect's weighted median and 5%/95% points across the ensemble, the share
        of models it improves the metric in, each with a 95% Monte Carlo interval."""
        e = self.effects(metric)
        w = self.ensemble.weights
        mi, ri = self._bootstrap_draws
        rows = []
        for s, label in enumerate(self.policies):
            point = _stats(e[s].mean(axis=1), w, self._improves(e[s].mean(axis=1), metric))
            boot = np.array(
                [
                    _stats(em := e[s][m_idx][:, r_idx].mean(axis=1), w[m_idx], self._improves(em, metric))
                    for m_idx, r_idx in zip(mi, ri, strict=True)
                ]
            )
            lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
            row = {"scenario": label, "title": self.titles[label], "metric": metric}
            for j, name in enumerate(("median", "q05", "q95", "share_improved")):
                row[name], row[f"{name}_ci_low"], row[f"{name}_ci_high"] = point[j], lo[j], hi[j]
            row["mc_se_median"] = float(np.median(e[s].std(axis=1, ddof=1) / np.sqrt(e.shape[2])))
            rows.append(row)
        return pd.DataFrame(rows)

    def ranking(self, metric: str = "attainment") -> pd.DataFrame:
        """Per ordered pair of policies (the baseline among them): the weighted share of the models
        in which the first does better than the second, and whether their order flips."""
        k = CANONICAL.index(metric)
        mean = self.metrics[:, :, :, k].mean(axis=2)  # policy x member
        sign = -1.0 if BETTER.get(metric) == "lower" else 1.0
        w = self.ensemble.weights / self.ensemble.weights.sum()
        rows = []
        for a in range(len(self.labels)):
            for b in range(a + 1, len(self.labels)):
                share = float(w @ (sign * (mean[a] - mean[b]) > 0))
                rows.append(
                    {
                        "first": self.labels[a],
                        "second": self.labels[b],
                        "share_first_better": share,
                        "flips": FLIP_SHARE < share < 1 - FLIP_SHARE,
                    }
                )
        return pd.DataFrame(rows)

    def parameters(self) -> pd.DataFrame:
        """The members' parameters (the ensemble's varied ones), one row per member."""
        return self.ensemble.members.loc[:, self.ensemble.parameters].reset_index(drop=True)

    def not_improved(self, label: str, metric: str = "attainment") -> np.ndarray:
        """Per member: True where policy ``label`` does not improve ``metric`` on the baseline."""
        s = self.policies.index(label)
        return ~self._improves(self.effects(metric)[s].mean(axis=1), metric)


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of ``x`` weighted by ``w``: the smallest value whose cumulative weight reaches q."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    idx = np.searchsorted(cw, np.asarray(q) * cw[-1], side="left")
    return x[order][np.minimum(idx, len(x) - 1)]


def _stats(effect: np.ndarray, w: np.ndarray, improved: np.ndarray) -> np.ndarray:
    med, q05, q95 = _weighted_quantile(effect, w, (0.5, 0.05, 0.95))
    return np.array([med, q05, q95, float(w[improved].sum() / w.sum())])
