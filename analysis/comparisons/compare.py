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
    >>> result.figures["attainment_over_weeks"]
    >>> result.write("results/compare")   # comparison.csv, charts, report.html
"""

from __future__ import annotations

import math
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.common import horizon
from analysis.common.limits import check_job
from analysis.common.stats import bounds_of, mean_ci
from analysis.runs.runner import Replications, RunResult, kept_job, map_ordered, replication_seeds, run_one
from sim.metrics import CANONICAL, METRICS, MIN_WEEKS_FOR_REP_ATTAINMENT
from sim.params import ParameterError, display
from sim.scenario import Scenario, load

__all__ = [
    "COLUMNS",
    "COMPARE_FILES",
    "HEADLINE_METRICS",
    "WORKSHOP_QUESTION",
    "WORKSHOP_REPLICATIONS",
    "WORKSHOP_SCENARIOS",
    "Comparison",
    "PairedDifference",
    "compare",
    "holm",
    "paired_difference",
    "workshop",
]

#: The columns of ``comparison.csv``, in order.
COLUMNS = ("scenario", "metric", "mean", "ci_low", "ci_high", "delta", "delta_ci_low", "delta_ci_high", "p_value")

#: The files of a comparison that only a comparison writes (the charts are named in analysis.comparisons.plots).
COMPARE_FILES = ("comparison.csv", "report.html")
#: The full workshop's own file (each question's comparison is in its folder ``question-N``).
FULL_FILES = ("report.html",)

#: The metrics a room looks at first; the report leads with them.
HEADLINE_METRICS = (
    "attainment",
    "reps_at_quota",
    "rep_attainment_mean",
    "coaching_hours_per_rep_month",
    "manager_selling_share",
    "rep_turnover",
)

#: The workshop's shipped comparison: the most telling policies against the typical org.
WORKSHOP_SCENARIOS = ("baseline", "coaching_3h", "quota_share_0", "coaching_the_coaches", "best_practice")
WORKSHOP_QUESTION = (
    "Which policy raises quota attainment in a typical sales organisation, by how much, and how sure can we be?"
)
#: Replications of the default workshop: enough for paired intervals a few points wide,
#: few enough that the whole workshop runs in well under a minute on two cores.
WORKSHOP_REPLICATIONS = 40

UNITS = {m.name: m.unit for m in METRICS}
NO_DIFFERENCE = "no detectable difference"


# ----------------------------------------------------------------------------- statistics
@dataclass(frozen=True)
class PairedDifference:
    """The mean of paired differences ``x - y`` with its t confidence interval and p-value.

    ``p_value`` is the two-sided p-value of the paired t-test of a zero mean difference (as
    ``scipy.stats.ttest_rel``). Differences that are all exactly zero give a zero-width
    interval and p = 1; equal non-zero differences give a zero-width interval and p = 0.
    """

    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    std: float
    n: int
    level: float = 0.95

    @property
    def detectable(self) -> bool:
        """True when the confidence interval excludes zero."""
        return bool(np.isfinite(self.ci_low) and (self.ci_low > 0 or self.ci_high < 0))


def paired_difference(x: Sequence[float], y: Sequence[float], level: float = 0.95) -> PairedDifference:
    """Paired t statistics of ``x - y`` over the pairs where both values are finite."""
    a, b = np.asarray(x, float), np.asarray(y, float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.shape} and {b.shape}")
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    s = mean_ci(d, level)
    if s.n < 2:
        return PairedDifference(s.mean, s.ci_low, s.ci_high, float("nan"), s.std, s.n, level)
    if not np.any(d != d[0]):  # all pairs differ by the same amount (std may be a rounding hair off 0)
        return PairedDifference(s.mean, s.mean, s.mean, 1.0 if s.mean == 0 else 0.0, 0.0, s.n, level)
    t = s.mean / (s.std / math.sqrt(s.n))
    p = float(2 * stats.t.sf(abs(t), s.n - 1))
    return PairedDifference(s.mean, s.ci_low, s.ci_high, p, s.std, s.n, level)


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (NaN stays NaN, outside the family).

    With the m finite p-values sorted ascending, p_(1) <= ... <= p_(m), the adjusted value of
    p_(i) is max over j <= i of min(1, (m - j + 1) p_(j)). It controls the family-wise error
    rate without assuming independence.
    """
    p = np.asarray(p_values, float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = finite.size
    if m == 0:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out


def verdict(delta_ci_low: float, delta_ci_high: float, p_value: float, is_baseline: bool = False) -> str:
    """Plain words for one difference from the baseline."""
    if is_baseline:
        return "baseline"
    if not (np.isfinite(delta_ci_low) and np.isfinite(delta_ci_high)):
        return "not enough replications to tell"
    if delta_ci_low <= 0 <= delta_ci_high:
        return NO_DIFFERENCE
    direction = "higher" if delta_ci_low > 0 else "lower"
    if np.isfinite(p_value) and p_value >= 0.05:
        return f"{direction}, but not significant after Holm adjustment"
    return direction


# ----------------------------------------------------------------------------- running
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
    command: str | None = None,
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
        command: The command line that reproduces the comparison (default: built from the arguments).

    Returns:
        A :class:`Comparison` with the table, the replications and the figures.

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
    given = warmup
    if warmup is None and len({v["sim.warmup_weeks"] for v in values}) == 1:
        warmup = int(values[0]["sim.warmup_weeks"])  # one horizon for all: say which
    weeks = {v["sim.weeks"] for v in values}
    if len(weeks) > 1:
        raise ParameterError(
            "compare: the scenarios count different numbers of weeks (sim.weeks = "
            + ", ".join(str(w) for w in sorted(weeks))
            + "); paired comparison needs one horizon, e.g. --set sim.weeks=52"
        )
    runs_total = len(values) * replications
    check_job(max((kept_job("compare", runs_total, v, workers) for v in values), key=lambda job: job.reps))
    labels = _labels(loaded)
    seeds = replication_seeds(seed, replications)
    tasks = [(label, v, s, i) for label, v in zip(labels, values, strict=True) for i, s in enumerate(seeds)]
    results = map_ordered(_run_task, tasks, workers, progress, desc="compare")
    runs: dict[str, list[RunResult]] = {label: [] for label in labels}
    for label, run in results:
        runs[label].append(run)
    reps = {label: Replications(s, seed, runs[label]) for label, s in zip(labels, loaded, strict=True)}
    if command is None:
        command = _command(refs, refs[base_index], replications, seed, given, overrides or {})
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
    )


def _same(ref: Any, scenario: Scenario, base_ref: Any, base: Scenario) -> bool:
    if ref is base_ref or _ref(ref) == _ref(base_ref):
        return True
    return scenario.path is not None and scenario.path == base.path


def _command(
    refs: Sequence[Any], baseline: Any, replications: int, seed: int, warmup: int | None, overrides: Mapping[str, Any]
) -> str:
    words = ["python", "run.py", "compare", *(_ref(r) for r in refs), "--baseline", _ref(baseline)]
    words += ["--replications", str(replications), "--seed", str(seed)]
    if warmup is not None:
        words += ["--warmup", str(warmup)]
    for name, value in overrides.items():
        words += ["--set", f"{name}={display(value)}"]
    return shlex.join(words)


def workshop(
    replications: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: bool | None = None,
    scenarios: Sequence[str] = WORKSHOP_SCENARIOS,
    warmup: int | None = None,
) -> Comparison:
    """The shipped workshop: the most telling policies against the typical org, in steady state.

    ``replications`` defaults to :data:`WORKSHOP_REPLICATIONS`.
    """
    replications = WORKSHOP_REPLICATIONS if replications is None else replications
    command = _workshop_command(replications, seed, warmup)
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
    )


def _workshop_command(replications: int, seed: int, warmup: int | None, full: bool = False) -> str:
    words = ["python", "run.py", "workshop", *(["--full"] if full else [])]
    words += ["--replications", str(replications), "--seed", str(seed)]
    if warmup is not None:
        words += ["--warmup", str(warmup)]
    return shlex.join(words)


def full_workshop(
    replications: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: bool | None = None,
    warmup: int | None = None,
) -> FullWorkshop:
    """All seven questions (:data:`analysis.comparisons.questions.QUESTIONS`), each its own paired comparison.

    Every question uses the same seed, so its reference runs are the same runs in every question
    that shares it, and the answers are comparable across questions.
    """
    from analysis.comparisons.questions import QUESTIONS

    replications = WORKSHOP_REPLICATIONS if replications is None else replications
    command = _workshop_command(replications, seed, warmup, full=True)
    comps = {
        q.number: compare(
            q.compared,
            baseline=q.baseline,
            replications=replications,
            seed=seed,
            workers=workers,
            warmup=warmup,
            progress=progress,
            question=q.text,
            command=command,
        )
        for q in QUESTIONS
    }
    return FullWorkshop(comps, command)


# ----------------------------------------------------------------------------- the result
@dataclass
class FullWorkshop:
    """The seven questions answered: each question's comparison, by number, and the command."""

    comparisons: dict[int, Comparison]
    command: str

    def write(self, out: str | os.PathLike[str]) -> Path:
        """Write each comparison into ``question-N/`` and the report over all seven as ``report.html``."""
        from analysis.common.outputs import claim, publish
        from analysis.comparisons.report import render_full_report

        out = Path(out)
        for number, comp in self.comparisons.items():
            comp.write(out / f"question-{number}")
        with claim(out, "workshop", FULL_FILES):
            publish(
                out,
                lambda folder: (folder / "report.html").write_text(
                    render_full_report(self.comparisons, self.command), encoding="utf-8"
                ),
            )
        return out


@dataclass
class Comparison:
    """Scenarios run side by side: the comparison table, the runs behind it, and its figures.

    Attributes:
        labels: Scenario labels in the order compared (unique; the baseline among them).
        baseline: The label of the reference scenario.
        replications: Each scenario's :class:`~analysis.runs.runner.Replications`, by label.
        seed: The comparison's seed; ``n_replications`` replications per scenario.
        warmup: Warm-up weeks applied to every scenario (``None``: each scenario's own).
        overrides: Parameter values applied to every scenario.
        question: The question the comparison answers.
        command: The command line that reproduces it.
    """

    labels: list[str]
    baseline: str
    replications: dict[str, Replications]
    seed: int
    n_replications: int
    warmup: int | None
    overrides: dict[str, Any] = field(default_factory=dict)
    question: str = ""
    command: str = ""

    @property
    def scenarios(self) -> dict[str, Scenario]:
        """Each scenario as run (comparison settings applied), by label."""
        return {label: r.scenario for label, r in self.replications.items()}

    def title(self, label: str) -> str:
        """A scenario's name in plain words (its title), marked as the label is when listed twice."""
        heading = self.scenarios[label].heading
        name = self.scenarios[label].name
        return heading + label[len(name) :] if label.startswith(name) else heading

    def metrics(self, label: str) -> pd.DataFrame:
        """One row per replication of scenario ``label``, every canonical metric."""
        return self.replications[label].metrics.sort_values("replication").reset_index(drop=True)

    @cached_property
    def table(self) -> pd.DataFrame:
        """Per scenario and metric: mean, 95% CI, paired delta from the baseline, its 95% CI,
        the Holm-adjusted p-value, and in words whether the difference is detectable.

        Columns: the :data:`COLUMNS` of ``comparison.csv``, then ``p_unadjusted``, ``n``,
        ``unit`` and ``verdict``.
        """
        base = self.metrics(self.baseline)
        rows = []
        for metric in CANONICAL:
            block = []
            for label in self.labels:
                df = self.metrics(label)
                s = mean_ci(df[metric].to_numpy(), bounds=bounds_of(metric))
                d = paired_difference(df[metric].to_numpy(), base[metric].to_numpy())
                block.append(
                    {
                        "scenario": label,
                        "metric": metric,
                        "mean": s.mean,
                        "ci_low": s.ci_low,
                        "ci_high": s.ci_high,
                        "delta": d.delta,
                        "delta_ci_low": d.ci_low,
                        "delta_ci_high": d.ci_high,
                        "p_unadjusted": d.p_value,
                        "n": d.n,
                        "unit": UNITS[metric],
                    }
                )
            family = [i for i, label in enumerate(self.labels) if label != self.baseline]
            adjusted = holm([block[i]["p_unadjusted"] for i in family])
            for row in block:
                row["p_value"] = row["p_unadjusted"]  # the baseline against itself: p = 1, no family
            for i, p in zip(family, adjusted, strict=True):
                block[i]["p_value"] = float(p)
            for row in block:
                row["verdict"] = verdict(
                    row["delta_ci_low"], row["delta_ci_high"], row["p_value"], row["scenario"] == self.baseline
                )
            rows.extend(block)
        return pd.DataFrame(rows, columns=[*COLUMNS, "p_unadjusted", "n", "unit", "verdict"])

    def row(self, label: str, metric: str) -> pd.Series:
        """The table's row for one scenario and metric."""
        t = self.table
        return t[(t["scenario"] == label) & (t["metric"] == metric)].iloc[0]

    def sentences(self) -> list[str]:
        """The answer in plain words: one sentence per policy against the reference."""
        from analysis.comparisons.answer import sentences

        return [text for _, text in sentences(self)]

    def findings(self, metrics: Sequence[str] = HEADLINE_METRICS) -> tuple[list[str], list[str]]:
        """Sentences for the detectable differences and for those that are not, vs the baseline."""
        from analysis.comparisons.answer import finding

        detectable, not_detectable = [], []
        for label in self.labels:
            if label == self.baseline:
                continue
            for metric in metrics:
                r = self.row(label, metric)
                text = finding(r, self)
                (detectable if r["verdict"] in ("higher", "lower") else not_detectable).append(text)
        return detectable, not_detectable

    @cached_property
    def delivery(self) -> pd.DataFrame:
        """Per scenario: the coaching its policy set against what the reps received.

        Columns: ``scenario``; ``target`` (hours a rep a month, NaN with no set hours);
        ``inspection`` (``coaching.kpi_inspection``); ``delivered`` with ``delivered_ci_low`` and
        ``delivered_ci_high`` (real one-on-one coaching received, hours a rep a month, mean over
        replications with its 95% CI); ``logged`` (what managers report as coaching: one-on-ones
        including ride-alongs, hours a rep a month); ``share_at_target`` (share of the reps scored,
        13+ counted weeks in seat, who received at least the target; NaN with no target).
        """
        rows = []
        for label in self.labels:
            reps = self.replications[label]
            values = reps.scenario.values
            target = values["coaching.hours_per_rep_month"]
            delivered = mean_ci(self.metrics(label)["coaching_hours_per_rep_month"].to_numpy())
            managers = reps.manager_table()
            logged = float("nan")
            if not managers.empty and managers["team_rep_weeks"].sum() > 0:
                weeks = managers["team_rep_weeks"]
                logged = float((managers["logged_coaching_hours_per_rep_month"].fillna(0) * weeks).sum() / weeks.sum())
            share = float("nan")
            table = reps.rep_table()
            if target is not None and not table.empty:
                scored = table[table["counted_weeks"] >= MIN_WEEKS_FOR_REP_ATTAINMENT]
                share = float((scored["coaching_hours_per_month"] >= target - 1e-9).mean())
            rows.append(
                {
                    "scenario": label,
                    "target": np.nan if target is None else float(target),
                    "inspection": float(values["coaching.kpi_inspection"]),
                    "delivered": delivered.mean,
                    "delivered_ci_low": delivered.ci_low,
                    "delivered_ci_high": delivered.ci_high,
                    "logged": logged,
                    "share_at_target": share,
                }
            )
        return pd.DataFrame(rows)

    def format_table(self, metrics: Sequence[str] = CANONICAL) -> str:
        """The table as readable text: one block per metric, one line per scenario."""
        width = max(len(label) for label in self.labels)
        head = (
            f"  {'scenario':{width}}  {'mean':>9}  {'95% CI':>20}  {'delta':>9}  {'delta 95% CI':>20}"
            f"  {'p (Holm)':>8}  verdict"
        )
        lines = [
            f"{len(self.labels)} scenarios x {self.n_replications} replications, seed {self.seed}, common random "
            f"numbers; deltas are paired differences from {self.baseline}; p-values Holm-adjusted over the "
            f"{len(self.labels) - 1} scenario(s) compared with it, per metric.",
            horizon.sentence(self.warmup),
        ]
        for metric in metrics:
            lines += ["", f"{metric} ({UNITS[metric]})", head]
            for label in self.labels:
                r = self.row(label, metric)
                is_base = label == self.baseline
                ci = f"[{_num(r['ci_low'])}, {_num(r['ci_high'])}]"
                if is_base:
                    lines.append(
                        f"  {label:{width}}  {_num(r['mean']):>9}  {ci:>20}  {'':>9}  {'':>20}  {'':>8}  baseline"
                    )
                    continue
                dci = f"[{_num(r['delta_ci_low'], True)}, {_num(r['delta_ci_high'], True)}]"
                lines.append(
                    f"  {label:{width}}  {_num(r['mean']):>9}  {ci:>20}  {_num(r['delta'], True):>9}  {dci:>20}"
                    f"  {_p(r['p_value']):>8}  {r['verdict']}"
                )
        return "\n".join(lines)

    @cached_property
    def figures(self) -> dict[str, Any]:
        """The comparison's charts as matplotlib Figures, by name (see :mod:`analysis.comparisons.plots`)."""
        from analysis.comparisons.plots import all_figures

        return all_figures(self)

    def write(self, out: str | os.PathLike[str], report: bool = True) -> Path:
        """Write comparison.csv, every chart as PNG and SVG, and report.html into ``out``.

        The folder is claimed for a comparison (it must not hold another command's output) and
        the files replace the previous ones whole: a failure leaves the folder as it was.
        """
        from analysis.common.outputs import claim, publish

        out = Path(out)
        with claim(out, "compare", COMPARE_FILES):
            publish(out, lambda folder: self._write_files(folder, report))
        return out

    def _write_files(self, out: Path, report: bool) -> None:
        from analysis.comparisons.plots import save_figure
        from analysis.comparisons.report import write_report

        table = self.table.loc[:, list(COLUMNS)].assign(counted_year=horizon.label(self.warmup))
        table.to_csv(out / "comparison.csv", index=False)
        images = {name: save_figure(fig, out / name) for name, fig in self.figures.items()}
        if report:
            write_report(self, out / "report.html", images)


def _num(x: float, signed: bool = False) -> str:
    if not np.isfinite(x):
        return "n/a"
    sign = "+" if signed else ""
    return f"{x:{sign},.0f}" if abs(x) >= 1000 else f"{x:{sign}.3f}"


def _p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_value(x: float, unit: str) -> str:
    """A metric value for people: fractions as percentages, money with separators."""
    if not np.isfinite(x):
        return "n/a"
    if unit in ("fraction", "1/year"):
        return f"{100 * x:.1f}%" + (" a year" if unit == "1/year" else "")
    if unit == "currency":
        return f"{x:,.0f}"
    if unit.startswith("hours"):
        return f"{x:.2f} h"
    return f"{x:.3f}"


def fmt_delta(x: float, unit: str) -> str:
    """A difference for people: fractions in percentage points."""
    if not np.isfinite(x):
        return "n/a"
    if unit in ("fraction", "1/year"):
        return f"{100 * x:+.1f} pts"
    if unit == "currency":
        return f"{x:+,.0f}"
    if unit.startswith("hours"):
        return f"{x:+.2f} h"
    return f"{x:+.3f}"


def fmt_p(p: float) -> str:
    """A p-value for people."""
    return _p(p)
