"""An ensemble comparison in words, tables and its HTML section: how sure each answer is.

For each policy: how large its effect is across the plausible models (median and 90% range,
with Monte Carlo intervals), how robust it is ("raises attainment in 97% of the plausible
models"), which rankings flip, and, where a policy fails in some models, the region of
parameter space where it does (PRIM, :mod:`analysis.discovery.prim`), in one sentence.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analysis.comparisons.comparison import HEADLINE_METRICS
from analysis.comparisons.palette import scenario_colours
from analysis.comparisons.robustness import FLIP_SHARE, EnsembleComparison
from analysis.comparisons.robustness_plots import effect_across_models
from analysis.discovery.plots import prim_figure
from analysis.discovery.prim import PrimResult, box_table, describe, prim
from analysis.evidence.ensemble import Ensemble
from sim import params as registry

__all__ = [
    "ENSEMBLE_FILES",
    "MIN_CASES",
    "ROBUST_SHARE",
    "discover_failures",
    "ensemble_figures",
    "failure_table",
    "ranking_sentences",
    "robustness_lines",
    "robustness_section",
    "robustness_sentences",
    "write_tables",
]

#: A policy that improves the metric in at least this share of the plausible models is called robust.
ROBUST_SHARE = 0.95
#: PRIM looks for the region where a policy fails only with at least this many failing members.
MIN_CASES = 5
LEAD = "attainment"


def _points(x: float) -> str:
    return f"{x * 100:+.1f}"


def _share(x: float) -> str:
    return f"{x:.0%}"


def robustness_sentences(ec: EnsembleComparison, metric: str = LEAD) -> list[tuple[str, str]]:
    """One sentence per policy: how often and by how much it improves ``metric`` across the ensemble."""
    n = len(ec.ensemble)
    out = []
    for r in ec.summary(metric).itertuples():
        share = r.share_improved
        how = (
            f"raises {metric} in {_share(share)} of the {n} plausible models "
            f"(Monte Carlo 95% CI {_share(r.share_improved_ci_low)} to {_share(r.share_improved_ci_high)})"
        )
        if share >= ROBUST_SHARE:
            verdict = "robust to what the published figures leave open"
        elif share <= 1 - ROBUST_SHARE:
            verdict = "it does not pay in the models the evidence allows"
        else:
            verdict = "whether it pays depends on assumptions the published figures do not pin down"
        size = (
            f"median effect {_points(r.median)} points (Monte Carlo 95% CI {_points(r.median_ci_low)} to "
            f"{_points(r.median_ci_high)}); in 90% of the models between {_points(r.q05)} and {_points(r.q95)} points"
        )
        out.append((r.scenario, f"{r.title}: {how}, {verdict}; {size}."))
    return out


def ranking_sentences(ec: EnsembleComparison, metric: str = LEAD) -> list[str]:
    """The pairs of policies whose order flips across the ensemble, or that none does."""
    rank = ec.ranking(metric)
    flips = rank[rank["flips"]]
    if flips.empty:
        return [
            f"No ranking flips: every pair of policies keeps its order in at least {1 - FLIP_SHARE:.0%} of the "
            "plausible models."
        ]
    return [
        f"Ranking flips between {ec.titles[r.first]} and {ec.titles[r.second]}: the first does better in "
        f"{_share(r.share_first_better)} of the plausible models, the second in {_share(1 - r.share_first_better)}."
        for r in flips.itertuples()
    ]


def _label(name: str) -> str:
    p = registry.by_name(name)
    first = p.help.split(". ")[0].split(": ")[0].rstrip(".")
    return f"{first[0].lower()}{first[1:]} ({name})"


def discover_failures(ec: EnsembleComparison, metric: str = LEAD) -> dict[str, PrimResult | str]:
    """Per policy: PRIM's box of the plausible models where it does not improve ``metric``, or why none."""
    key = ("failures", metric)
    if key not in ec.cache:
        ec.cache[key] = _discover(ec, metric)
    return ec.cache[key]


def _discover(ec: EnsembleComparison, metric: str) -> dict[str, PrimResult | str]:
    x = ec.parameters()
    out: dict[str, PrimResult | str] = {}
    for label in ec.policies:
        fails = ec.not_improved(label, metric)
        k = int(fails.sum())
        title = ec.titles[label]
        if k == 0:
            out[label] = f"{title} raises {metric} in every plausible model: there is no region where it fails."
        elif k < MIN_CASES:
            out[label] = (
                f"{title} fails to raise {metric} in {k} of the {len(fails)} plausible models: too few for "
                f"scenario discovery to describe a region (it needs at least {MIN_CASES})."
            )
        else:
            out[label] = prim(x, fails)
    return out


def failure_sentence(ec: EnsembleComparison, label: str, found: PrimResult | str, metric: str = LEAD) -> str:
    """One sentence: where the policy fails, as PRIM's box describes it."""
    if isinstance(found, str):
        return found
    labels = {name: _label(name) for name in ec.ensemble.parameters}
    return describe(found, subject=f"{ec.titles[label]} does not raise {metric}", labels=labels)


def failure_table(ec: EnsembleComparison, found: Mapping[str, PrimResult | str]) -> pd.DataFrame:
    """Every box found, one row per restricted parameter, with the policy it belongs to."""
    frames = [box_table(r).assign(scenario=label) for label, r in found.items() if isinstance(r, PrimResult)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["scenario", "parameter"])


def robustness_lines(ec: EnsembleComparison, metric: str = LEAD) -> list[str]:
    """The section in plain text, for the terminal."""
    found = discover_failures(ec, metric)
    lines = [text for _, text in robustness_sentences(ec, metric)]
    lines += ranking_sentences(ec, metric)
    lines += [failure_sentence(ec, label, r, metric) for label, r in found.items()]
    floor = floor_sentence(ec.ensemble)
    return [*lines, floor] if floor else lines


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def floor_sentence(ensemble: Ensemble) -> str:
    """What an ensemble worth fewer than half its members in independent draws can say: its spread
    is a floor (empty for an ensemble of nearly independent members)."""
    n, ess = len(ensemble), ensemble.effective_size()
    if ess >= 0.5 * n:
        return ""
    return (
        f"The models come from Markov chains that start at the fitted defaults and have not yet forgotten "
        f"their start (together they are worth about {ess:.0f} independent models), so how much they differ "
        "here is a floor on how much the evidence lets models differ, not its full extent."
    )


def robustness_section(ec: EnsembleComparison, figure: str, prim_figures: Mapping[str, str]) -> str:
    """The report's section on the ensemble; ``figure`` and ``prim_figures`` are the charts' HTML."""
    col = scenario_colours(ec.labels, ec.baseline)
    items = "".join(
        f'<li><span class="swatch" style="background:{col[label]}"></span>{_e(text)}</li>'
        for label, text in robustness_sentences(ec)
    )
    ranking = "".join(f"<li>{_e(t)}</li>" for t in ranking_sentences(ec))
    found = discover_failures(ec)
    failures = "".join(f"<li>{_e(failure_sentence(ec, label, r))}</li>" for label, r in found.items())
    rows = "".join(
        f"<tr><td>{_e(r.title)}</td>"
        f'<td class="num">{_points(r.median)} [{_points(r.median_ci_low)}, {_points(r.median_ci_high)}]</td>'
        f'<td class="num">{_points(r.q05)} to {_points(r.q95)}</td>'
        f'<td class="num">{_share(r.share_improved)} [{_share(r.share_improved_ci_low)}, '
        f"{_share(r.share_improved_ci_high)}]</td>"
        f'<td class="num">{r.mc_se_median * 100:.2f}</td></tr>'
        for r in ec.summary().itertuples()
    )
    record = ec.ensemble.record
    n, ess = len(ec.ensemble), ec.ensemble.effective_size()
    boxes = "".join(prim_figures.values())
    floor = floor_sentence(ec.ensemble)
    return f"""<section id="robustness">
<h2>How sure: the answer in {n} plausible models</h2>
<p>The answer above is the model at its fitted defaults. The published figures allow other
models too: a calibrated ensemble of {n} parameter sets (effective size {ess:.0f}), each of which
passes every published target of <code>validate</code>, drawn by approximate Bayesian computation over the
calibrated parameters and the model's flagged assumptions
({_e(record.get("command", "python run.py calibrate --ensemble N"))}). Every policy was run
{ec.replications} times in every one of them, with common random numbers, against
<b>{_e(ec.titles[ec.baseline])}</b>.{" " + _e(floor) if floor else ""}</p>
<ul class="answer">{items}</ul>
<table class="robust"><thead><tr><th>policy</th><th class="num">median effect, points [95% MC CI]</th>
<th class="num">middle 90% of the models, points</th><th class="num">models it raises attainment in [95% MC CI]</th>
<th class="num">MC standard error of one model's effect, points</th></tr></thead><tbody>{rows}</tbody></table>
<h3>Does the ranking hold?</h3>
<ul class="findings">{ranking}</ul>
<h3>When does a policy fail?</h3>
<ul class="findings">{failures}</ul>
{figure}
{boxes}
<p class="small">Weighted statistics: each model carries its weight in the ensemble (the same for every
member of the chains). The Monte Carlo intervals resample the models (a whole chain at a time: one
chain's models are alike) and the replications
({len(ec.summary())} policies, 1,000 resamples).
Scenario discovery is PRIM (Friedman and Fisher 1999) over the models' parameters, unweighted: coverage is
the share of the failing models inside the box, density the share of the models inside it that fail.</p>
</section>"""


#: The metrics whose robustness ``robustness.csv`` and ``ensemble_effects.csv`` hold.
TABLE_METRICS = HEADLINE_METRICS
#: The files an ensemble comparison adds to a comparison's folder.
ENSEMBLE_FILES = ("robustness.csv", "ensemble_effects.csv", "ranking.csv", "failure_regions.csv")


def write_tables(ec: EnsembleComparison, out: Path) -> None:
    """robustness.csv (per policy and metric), ensemble_effects.csv (per member), ranking.csv and
    failure_regions.csv (PRIM's boxes) into ``out``."""
    pd.concat([ec.summary(m) for m in TABLE_METRICS], ignore_index=True).to_csv(out / "robustness.csv", index=False)
    pd.concat([ec.member_effects(m) for m in TABLE_METRICS], ignore_index=True).to_csv(
        out / "ensemble_effects.csv", index=False
    )
    ec.ranking().to_csv(out / "ranking.csv", index=False)
    failure_table(ec, discover_failures(ec)).to_csv(out / "failure_regions.csv", index=False)


def ensemble_figures(ec: EnsembleComparison) -> dict[str, Figure]:
    """The ensemble's charts by file stem: the effects across models, and each failure region found."""
    figures = {"effect_across_models": effect_across_models(ec)}
    for label, found in discover_failures(ec).items():
        if isinstance(found, PrimResult):
            figures[f"failure_region_{label}"] = prim_figure(found, title=f"Where {ec.titles[label]} does not pay")
    return figures
