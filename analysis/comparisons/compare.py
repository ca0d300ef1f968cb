"""Side-by-side comparison of policies, with common random numbers and paired statistics.

A comparison runs every scenario for the same replications: replication ``i`` of every
scenario uses the model seed ``replication_seeds(seed, n)[i]``, so the scenarios meet the same
reps, deals and departures as far as their policies allow (common random numbers). Each
scenario's difference from the baseline is then taken replication by replication, which
removes the noise the scenarios share and leaves the effect of the policy:

* each canonical metric's mean and t-based 95% confidence interval, per scenario;
* the paired difference from the baseline, with the 95% confidence interval of a t on the
  paired differences, and a two-sided p-value adjusted with Holm's step-down method over the
  scenarios compared with the baseline (one family per metric).

A difference whose confidence interval spans zero is reported as "no detectable difference".

Steady state: by default every scenario runs a 52-week warm-up with its policy in force before
the counted year, because the published figures the model reproduces (T1-T7, docs/ODD.md) are
steady-state figures, and a policy's effect builds over months. ``warmup=0`` shows instead the
first year after the change, which is how fast a policy pays.

    >>> from analysis import compare
    >>> result = compare(["baseline", "coaching_3h"], replications=20, seed=1)
    >>> result.table                      # one row per scenario and metric
    >>> all_figures(result)["attainment_over_weeks"]     # analysis.comparisons.plots
    >>> write_comparison(result, "results/compare")    # analysis.comparisons.files
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.common.limits import check_job
from analysis.comparisons.comparison import Comparison
from analysis.comparisons.questions import QUESTIONS
from analysis.comparisons.robustness import ENSEMBLE_REPLICATIONS, compare_ensemble
from analysis.evidence.ensemble import Ensemble
from analysis.evidence.ensemble import load as load_ensemble
from analysis.runs.executors import ExecutorChoice, executor_for
from analysis.runs.runner import Replications, RunResult, kept_job, map_ordered, replication_seeds, run_one
from sim.params import ParameterError
from sim.scenario import Scenario, load

__all__ = [
    "WORKSHOP_QUESTION",
    "WORKSHOP_REPLICATIONS",
    "WORKSHOP_SCENARIOS",
    "FullWorkshop",
    "compare",
    "full_workshop",
    "workshop",
]

#: The workshop's shipped comparison: the most telling policies against the typical org.
WORKSHOP_SCENARIOS = ("baseline", "coaching_3h", "quota_share_0", "coaching_the_coaches", "best_practice")
WORKSHOP_QUESTION = (
    "Which policy raises quota attainment in a typical sales organisation, by how much, and how sure can we be?"
)
#: Replications of the default workshop: enough for paired intervals a few points wide,
#: few enough that the whole workshop runs in well under a minute on two cores.
WORKSHOP_REPLICATIONS = 40


def _run_task(task: tuple[str, dict[str, Any], int, int]) -> tuple[str, RunResult]:
    label, values, seed, replication = task
    return label, run_one(values, seed, replication, detail=True)


def _labels(scenarios: Sequence[Scenario]) -> list[str]:
    """Scenario names, made unique (a scenario listed twice gets ' (2)')."""
    seen: dict[str, int] = {}
    out = []
    for s in scenarios:
        seen[s.name] = seen.get(s.name, 0) + 1
        out.append(s.name if seen[s.name] == 1 else f"{s.name} ({seen[s.name]})")
    return out


def _as_scenario(ref: str | os.PathLike[str] | Scenario) -> Scenario:
    return ref if isinstance(ref, Scenario) else load(ref)


def _ref(ref: str | os.PathLike[str] | Scenario) -> str:
    if isinstance(ref, Scenario):
        return str(ref.path) if ref.path else ref.name
    return str(ref)


def compare(
    scenarios: Sequence[str | os.PathLike[str] | Scenario],
    baseline: str | os.PathLike[str] | Scenario | None = None,
    replications: int = 20,
    seed: int = 0,
    workers: int | None = None,
    warmup: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool | None = None,
    question: str | None = None,
    command: str = "",
    *,
    executor: ExecutorChoice = None,
    scheduler: str | None = None,
    ensemble: str | os.PathLike[str] | Ensemble | None = None,
    ensemble_replications: int | None = None,
) -> Comparison:
    """Run ``scenarios`` side by side with common random numbers and compare them with ``baseline``.

    Args:
        scenarios: Shipped scenario names, scenario files, or ``Scenario`` objects.
        baseline: The reference scenario (default: the first). Added in front if not listed.
        replications: Replications of every scenario (at least 2 for intervals).
        seed: Seed of the whole comparison; replication i of every scenario uses the same seed.
        workers: Local processes (default: all cores).
        warmup: Weeks each policy is in force before the counted year, applied to every
            scenario; ``None`` keeps each scenario's own setting, which is the registry's
            steady state (:data:`analysis.common.horizon.STEADY_STATE_WEEKS`) unless the file sets it.
        overrides: Parameter values (dotted names) applied to every scenario, like ``--set``.
        progress: Show a progress bar (default: when stderr is a terminal).
        question: The question the comparison answers, for the report.
        command: The command line that made the comparison, as its caller parsed it (``run.py``
            passes its own); the default, empty, records that it was made from Python.
        executor: Where the runs run: an executor of :mod:`analysis.runs.executors` or any
            ``concurrent.futures`` pool (left open), or its name; default ``workers`` local
            processes.
        scheduler: The address of a Dask scheduler to run on, instead of local processes.
        ensemble: A calibrated ensemble (its file, or an :class:`~analysis.evidence.ensemble.Ensemble`):
            the comparison is also run in every member (``ensemble_replications`` replications
            each, default :data:`~analysis.comparisons.robustness.ENSEMBLE_REPLICATIONS`), and
            ``Comparison.ensemble`` holds how robust each effect is
            (:class:`~analysis.comparisons.robustness.EnsembleComparison`).
        The results are the same on every executor.

    Returns:
        A :class:`~analysis.comparisons.comparison.Comparison`: the replications and their table.

    Raises:
        ScenarioError, ParameterError: a scenario that cannot be loaded or a bad value; raised
            before any run starts.
    """
    if not scenarios:
        raise ParameterError("compare: name at least one scenario")
    if replications < 1:
        raise ParameterError(f"compare: replications = {replications} is not allowed; expected at least 1")
    refs = list(scenarios)
    loaded = [_as_scenario(r) for r in refs]
    if baseline is None:
        base_index = 0
    else:
        base = _as_scenario(baseline)
        matches = [i for i, (r, s) in enumerate(zip(refs, loaded, strict=True)) if _same(r, s, baseline, base)]
        if matches:
            base_index = matches[0]
        else:
            refs.insert(0, baseline)
            loaded.insert(0, base)
            base_index = 0
    common: dict[str, Any] = {}
    if warmup is not None:
        common["sim.warmup_weeks"] = warmup
    common.update(overrides or {})
    loaded = [s.with_overrides(common, "compare") if common else s for s in loaded]
    values = [s.values for s in loaded]  # check every scenario before any run starts
    if warmup is None and len({v["sim.warmup_weeks"] for v in values}) == 1:
        warmup = int(values[0]["sim.warmup_weeks"])  # one horizon for all: say which
    weeks = {v["sim.weeks"] for v in values}
    if len(weeks) > 1:
        raise ParameterError(
            "compare: the scenarios count different numbers of weeks (sim.weeks = "
            + ", ".join(str(w) for w in sorted(weeks))
            + "); paired comparison needs one horizon: give every scenario the same sim.weeks"
        )
    runs_total = len(values) * replications
    labels = _labels(loaded)
    ens = load_ensemble(ensemble) if isinstance(ensemble, (str, os.PathLike)) else ensemble
    with executor_for(executor, workers, scheduler, tasks=runs_total) as ex:  # checked, not started
        check_job(max((kept_job("compare", runs_total, v, ex.workers) for v in values), key=lambda job: job.reps))
        seeds = replication_seeds(seed, replications)
        tasks = [(label, v, s, i) for label, v in zip(labels, values, strict=True) for i, s in enumerate(seeds)]
        results = map_ordered(_run_task, tasks, ex, progress, desc="compare")
        robust = None
        if ens is not None:
            order = [base_index, *(i for i in range(len(loaded)) if i != base_index)]
            robust = compare_ensemble(
                [loaded[i] for i in order],
                ens,
                replications=ensemble_replications or ENSEMBLE_REPLICATIONS,
                seed=seed,
                progress=progress,
                labels=[labels[i] for i in order],
                executor=ex,
            )
    runs: dict[str, list[RunResult]] = {label: [] for label in labels}
    for label, run in results:
        runs[label].append(run)
    reps = {label: Replications(s, seed, runs[label]) for label, s in zip(labels, loaded, strict=True)}
    return Comparison(
        labels=labels,
        baseline=labels[base_index],
        replications=reps,
        seed=seed,
        n_replications=replications,
        warmup=warmup,
        overrides=dict(overrides or {}),
        question=question
        or f"How do these policies change attainment and the way time is spent, against {labels[base_index]}?",
        command=command,
        ensemble=robust,
    )


def _same(ref: Any, scenario: Scenario, base_ref: Any, base: Scenario) -> bool:
    if ref is base_ref or _ref(ref) == _ref(base_ref):
        return True
    return scenario.path is not None and scenario.path == base.path


def workshop(
    replications: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: bool | None = None,
    scenarios: Sequence[str] = WORKSHOP_SCENARIOS,
    warmup: int | None = None,
    command: str = "",
    *,
    executor: ExecutorChoice = None,
    scheduler: str | None = None,
    ensemble: str | os.PathLike[str] | Ensemble | None = None,
    ensemble_replications: int | None = None,
) -> Comparison:
    """The shipped workshop: the most telling policies against the typical org, in steady state.

    ``replications`` defaults to :data:`WORKSHOP_REPLICATIONS`; ``command``, ``executor``,
    ``scheduler``, ``ensemble`` and ``ensemble_replications`` are as for :func:`compare`.
    """
    replications = WORKSHOP_REPLICATIONS if replications is None else replications
    return compare(
        scenarios,
        baseline=scenarios[0],
        replications=replications,
        seed=seed,
        workers=workers,
        warmup=warmup,
        progress=progress,
        question=WORKSHOP_QUESTION,
        command=command,
        executor=executor,
        scheduler=scheduler,
        ensemble=ensemble,
        ensemble_replications=ensemble_replications,
    )


def full_workshop(
    replications: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: bool | None = None,
    warmup: int | None = None,
    command: str = "",
    *,
    executor: ExecutorChoice = None,
    scheduler: str | None = None,
) -> FullWorkshop:
    """All seven questions (:data:`analysis.comparisons.questions.QUESTIONS`), each its own paired comparison.

    Every question uses the same seed, so its reference runs are the same runs in every question
    that shares it, and the answers are comparable across questions. ``command``, ``executor``
    and ``scheduler`` are as for :func:`compare`; the seven comparisons run on one executor.
    """
    replications = WORKSHOP_REPLICATIONS if replications is None else replications
    with executor_for(executor, workers, scheduler) as ex:
        comps = {
            q.number: compare(
                q.compared,
                baseline=q.baseline,
                replications=replications,
                seed=seed,
                warmup=warmup,
                progress=progress,
                question=q.text,
                command=command,
                executor=ex,
            )
            for q in QUESTIONS
        }
    return FullWorkshop(comps, command)


@dataclass
class FullWorkshop:
    """The seven questions answered: each question's comparison, by number, and the command."""

    comparisons: dict[int, Comparison]
    command: str
