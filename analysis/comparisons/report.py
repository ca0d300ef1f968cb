"""The one-file HTML report of a comparison, for a facilitator to project, print or email.

Everything is inside the file: the charts are PNGs embedded as base64 data, the styles are
inline, and nothing is loaded from the network (no scripts, fonts or external images). It
holds the question, each policy in plain words, the headline table, the charts, which
differences the runs can and cannot tell apart, the assumptions with their sources, and the
exact command and seed that reproduce it.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np

import sim
from analysis.common import horizon
from analysis.comparisons.answer import findings, sentences
from analysis.comparisons.comparison import HEADLINE_METRICS, Comparison, fmt_delta, fmt_p, fmt_value
from analysis.comparisons.palette import BAD, GOOD, judgement, scenario_colours
from analysis.comparisons.plots import CHARTS, STYLE
from analysis.comparisons.questions import QUESTIONS
from analysis.comparisons.robustness_report import ensemble_figures, robustness_section
from analysis.evidence.targets import TARGETS
from sim import params as registry
from sim.metrics import CANONICAL, METRICS
from sim.params import ParameterError, display
from sim.scenario import load

__all__ = ["render_report", "write_report"]

HELP = {m.name: m.help for m in METRICS}
UNITS = {m.name: m.unit for m in METRICS}
TITLES = {m.name: m.label[0].upper() + m.label[1:] for m in METRICS}

CSS = """
:root { --ink: #1d1d1f; --muted: #5f6368; --line: #d9d9de; --good: GOOD; --bad: BAD; --na: #767676; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1200px; padding: 24px 32px 64px;
       font-size: 18px; line-height: 1.45; }
h1 { font-size: 2.0em; margin: 0.2em 0 0.1em; }
h2 { font-size: 1.45em; margin-top: 1.8em; border-bottom: 2px solid var(--line); padding-bottom: 0.2em; }
.question { font-size: 1.35em; font-weight: 600; margin: 0.3em 0 0.6em; }
.meta, .note, figcaption, .small { color: var(--muted); font-size: 0.85em; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0 1em; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top; }
th { background: #f4f4f6; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.headline th { font-size: 0.8em; white-space: normal; overflow-wrap: normal; hyphens: none; }
table.headline td { font-size: 0.92em; }
table.headline td.num { white-space: normal; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 0.4em;
          vertical-align: baseline; }
ul.answer { list-style: none; padding-left: 0; }
ul.answer li { margin: 0.45em 0; font-size: 1.08em; }
ol.questions li { margin: 0.3em 0; }
.here { font-weight: 600; }
@media (min-width: 1600px) { body { max-width: 1560px; font-size: 22px; } }
@media (max-width: 1100px) { body { font-size: 16px; padding: 16px 18px 48px; } th, td { padding: 5px 6px; } }
table.headline .value { font-weight: 700; font-size: 1.15em; }
table.headline .delta { display: block; font-size: 0.78em; }
table.full { font-size: 0.78em; }
table.robust th { font-size: 0.8em; white-space: normal; }
table.robust td:first-child { min-width: 12em; }
.good { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.neutral { color: var(--ink); font-weight: 600; }
.same { color: var(--na); }
tr.baseline td { background: #fafafa; }
figure { margin: 1.2em 0 2em; break-inside: avoid; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
pre { background: #f4f4f6; padding: 12px 14px; overflow-x: auto; font-size: 0.85em; white-space: pre-wrap; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.92em; }
ul.findings li { margin: 0.25em 0; }
@media print {
  body { font-size: 11pt; max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table, tr { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


CSS = CSS.replace("GOOD", GOOD).replace("BAD", BAD)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _css_class(r: Mapping[str, Any]) -> str:
    """A difference's class: good or bad for the business, neutral for how time is spent, or same."""
    if r["verdict"] not in ("higher", "lower"):
        return "same"
    return judgement(r["metric"], r["delta"]) or "neutral"


def _changes(values: Mapping[str, Any], base: Mapping[str, Any]) -> list[str]:
    out = []
    for name, value in values.items():
        if name not in base or base[name] == value:
            continue
        p = registry.by_name(name)
        out.append(f"{_meaning(p)}: {display(base[name])} → {display(value)} {p.unit}")
    return out


def _meaning(p: registry.Param) -> str:
    """A parameter named by its meaning: the first clause of its help text."""
    first = p.help.split(". ")[0].split(": ")[0].rstrip(".")
    return first


def _headline(comp: Comparison, metrics: tuple[str, ...]) -> str:

    def shown(m: str) -> str:  # a rate a year is headed as such, so its cells stay short
        return "fraction" if UNITS[m] == "1/year" else UNITS[m]

    head = "".join(
        f'<th class="num">{_e(TITLES.get(m, m))}{" a year" if UNITS[m] == "1/year" else ""}</th>' for m in metrics
    )
    col = scenario_colours(comp.labels, comp.baseline)
    rows = []
    for label in comp.labels:
        cells = []
        is_base = label == comp.baseline
        for m in metrics:
            r = comp.row(label, m)
            unit = shown(m)
            value = f'<span class="value">{_e(fmt_value(r["mean"], unit))}</span>'
            low, high = _e(fmt_value(r["ci_low"], unit)), _e(fmt_value(r["ci_high"], unit))
            ci = f'<span class="delta small">95% CI {low} to {high}</span>'
            if is_base:
                cells.append(f'<td class="num">{value}{ci}</td>')
                continue
            cls = _css_class(r)
            words = "no detectable difference" if cls == "same" else f"Holm p {fmt_p(r['p_value'])}"
            bounds = f"{_e(fmt_delta(r['delta_ci_low'], unit))} to {_e(fmt_delta(r['delta_ci_high'], unit))}"
            delta = (
                f'<span class="delta {cls}">{_e(fmt_delta(r["delta"], unit))}</span>'
                f'<span class="delta small">95% CI {bounds.replace(" pts", "")}<br>{_e(words)}</span>'
            )
            cells.append(f'<td class="num">{value}{delta}</td>')
        tag = " (reference)" if is_base else ""
        swatch = f'<span class="swatch" style="background:{col[label]}"></span>'
        rows.append(
            f'<tr class="{"baseline" if is_base else ""}"><td>{swatch}<b>{_e(comp.title(label))}</b>{_e(tag)}</td>'
            f"{''.join(cells)}</tr>"
        )
    return (
        f'<table class="headline"><thead><tr><th>policy</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _full_table(comp: Comparison) -> str:

    rows = []
    for m in CANONICAL:
        unit = UNITS[m]
        for label in comp.labels:
            r = comp.row(label, m)
            base = label == comp.baseline
            delta = "" if base else fmt_delta(r["delta"], unit)
            dci = "" if base else f"{fmt_delta(r['delta_ci_low'], unit)} to {fmt_delta(r['delta_ci_high'], unit)}"
            p = "" if base else fmt_p(r["p_value"])
            rows.append(
                f'<tr class="{"baseline" if base else ""}"><td>{_e(TITLES[m])}</td><td>{_e(comp.title(label))}</td>'
                f'<td class="num">{_e(fmt_value(r["mean"], unit))}</td>'
                f'<td class="num">{_e(fmt_value(r["ci_low"], unit))} to {_e(fmt_value(r["ci_high"], unit))}</td>'
                f'<td class="num">{_e(delta)}</td><td class="num">{_e(dci)}</td><td class="num">{_e(p)}</td>'
                f'<td class="{_css_class(r)}">{_e(r["verdict"])}</td></tr>'
            )
    return (
        '<table class="full"><thead><tr><th>metric</th><th>policy</th><th class="num">mean</th>'
        '<th class="num">95% CI</th><th class="num">delta</th><th class="num">delta 95% CI</th>'
        '<th class="num">p (Holm)</th><th>verdict</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def delivery_text(row: Mapping[str, Any]) -> str:
    """What a policy set for coaching against what the reps received, in words."""
    got = (
        f"delivered {row['delivered']:.1f} h of real one-on-one coaching a rep a month "
        f"(95% CI {row['delivered_ci_low']:.1f} to {row['delivered_ci_high']:.1f})"
    )
    if np.isfinite(row["logged"]):
        got += f"; managers log {row['logged']:.1f} h, ride-alongs included"
    if not np.isfinite(row["target"]):
        return f"No set hours: {got}."
    kpi = row["inspection"]
    protected = "protected by a coaching KPI" if kpi >= 1 else ("a partial KPI" if kpi > 0 else "no coaching KPI")
    share = row["share_at_target"]
    reached = f"; {share:.0%} of reps received at least the target" if np.isfinite(share) else ""
    return f"Set {row['target']:g} h a rep a month, {protected}: {got}{reached}."


def _policies(comp: Comparison) -> str:
    scen = comp.scenarios
    base_values = scen[comp.baseline].values
    delivered = {r["scenario"]: delivery_text(r) for r in comp.delivery.to_dict("records")}
    rows = []
    for label in comp.labels:
        s = scen[label]
        if label == comp.baseline:
            changes = "the reference every other policy is compared with"
        else:
            ch = _changes(s.values, base_values)
            changes = "<br>".join(_e(c) for c in ch) if ch else "nothing: the same settings as the baseline"
        rows.append(
            f"<tr><td><b>{_e(comp.title(label))}</b></td><td>{_e(s.description or '(no description)')}</td>"
            f'<td class="small">{changes}</td><td class="small">{_e(delivered[label])}</td></tr>'
        )
    return (
        "<table><thead><tr><th>policy</th><th>in plain words</th><th>what it changes</th>"
        "<th>coaching set and delivered</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _assumptions(comp: Comparison) -> str:
    scen = comp.scenarios
    changed: list[str] = []
    for label in comp.labels:
        for name in scen[label].overrides:
            if name not in changed:
                changed.append(name)
    order = {p.name: i for i, p in enumerate(registry.REGISTRY)}
    changed.sort(key=lambda n: order.get(n, len(order)))
    rows = []
    for name in changed:
        p = registry.by_name(name)
        used: dict[str, list[str]] = {}
        for label in comp.labels:
            used.setdefault(display(scen[label].values[name]), []).append(label)
        values = "; ".join(f"{v} ({', '.join(comp.title(x) for x in labels)})" for v, labels in used.items())
        source = p.source or ("a setting of the comparison" if p.section == "sim" else "no published source")
        rows.append(
            f"<tr><td>{_e(p.help)}</td><td>{_e(p.unit)}</td>"
            f'<td class="small">{_e(values)}</td><td class="small">{_e(source)}</td></tr>'
        )
    return (
        "<table><thead><tr><th>parameter</th><th>unit</th><th>values used</th><th>source</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _targets() -> str:
    rows = "".join(
        f'<tr><td>{_e(t.id)}</td><td>{_e(t.fact)}</td><td class="num">{t.low:g}-{t.high:g}</td>'
        f'<td class="small">{_e(t.source)}</td></tr>'
        for t in TARGETS
    )
    return (
        '<table><thead><tr><th>id</th><th>published figure</th><th class="num">target</th><th>source</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _answer(comp: Comparison) -> str:
    """The answer in words: one sentence per policy, coloured as in the table and charts."""
    col = scenario_colours(comp.labels, comp.baseline)
    items = "".join(
        f'<li><span class="swatch" style="background:{col[label]}"></span>{_e(text)}</li>'
        for label, text in sentences(comp)
    )
    base = comp.title(comp.baseline)
    return (
        f"<p>Against <b>{_e(base)}</b>, over the counted year, with paired 95% confidence intervals "
        "(points are percentage points of quota):</p>"
        f'<ul class="answer">{items}</ul>'
    )


def _questions(comp: Comparison | None) -> str:
    """The seven questions, the scenarios that answer each, and which of them this report ran."""
    ran = set() if comp is None else {comp.scenarios[label].name for label in comp.labels}
    items = []
    for q in QUESTIONS:
        names = []
        for name in q.compared:
            try:
                heading = load(name).heading
            except ParameterError:
                heading = name
            names.append(f'<span class="here">{_e(heading)}</span>' if name in ran else _e(heading))
        here = sum(name in ran for name in q.scenarios)
        status = f" <b>Answered here</b> ({here} of {len(q.scenarios)} policies)." if here else ""
        items.append(f'<li>{_e(q.text)}<br><span class="small">Compared: {", ".join(names)}.{status}</span></li>')
    return (
        f'<ol class="questions">{"".join(items)}</ol>'
        '<p class="small">The first listed of each is the reference the others are compared with. '
        "<code>python run.py workshop --full</code> answers all seven in one report.</p>"
    )


def _methods(comp: Comparison) -> str:
    k = len(comp.labels) - 1
    return (
        f"<p>Every policy was run {comp.n_replications} times with the same {comp.n_replications} random seeds "
        "(common random numbers): replication <i>i</i> of every policy meets the same reps, the same deals and "
        "the same chance events as far as its policy allows, so the difference between two policies in one "
        "replication is mostly the policy. Each value is the mean over replications with its 95% confidence "
        "interval (t distribution). Each delta is the mean of the per-replication differences from "
        f"<b>{_e(comp.baseline)}</b>, with the 95% confidence interval of a paired t; its p-value is two-sided "
        f"and adjusted for multiple comparisons with <b>Holm's</b> step-down method over the {k} "
        "polic" + ("y" if k == 1 else "ies") + " compared with the baseline, separately for each metric. "
        "A delta whose interval spans zero is reported as <i>no detectable difference</i>: the runs cannot "
        "tell it from chance, which is not the same as proof that there is none.</p>"
    )


def _images(comp: Comparison, names: Sequence[str] | None = None) -> dict[str, bytes]:
    """PNG bytes of the comparison's charts (``names``, default all), by name; with an ensemble, its charts too."""
    figures = {name: draw for name, draw, _ in CHARTS if names is None or name in names}
    images = {name: _png(draw(comp)) for name, draw in figures.items()}
    if comp.ensemble is not None and names is None:
        images |= {name: _png(fig) for name, fig in ensemble_figures(comp.ensemble).items()}
    return images


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    with mpl.rc_context(STYLE):
        fig.savefig(buf, format="png", dpi=130)
    return buf.getvalue()


def _robustness(comp: Comparison, images: Mapping[str, bytes]) -> str:
    """The ensemble's section, when the comparison was also run across a calibrated ensemble."""
    if comp.ensemble is None:
        return ""
    ec = comp.ensemble
    chart = _figure(
        images,
        "effect_across_models",
        "Each policy's effect on attainment in every plausible model: a dot per model, the bar its middle 90%.",
    )
    boxes = {
        name: _figure(
            images,
            name,
            "Scenario discovery (PRIM): left, the peeling trajectory of boxes (coverage against density); right, "
            "the chosen box's limits on each parameter it restricts.",
        )
        for name in images
        if name.startswith("failure_region_")
    }
    return robustness_section(ec, chart, boxes)


def _figure(images: Mapping[str, bytes], name: str, caption: str, folder: str = "") -> str:
    data = base64.b64encode(images[name]).decode("ascii")
    return (
        f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{_e(caption)} (Also <code>{_e(folder + name)}.png</code> and "
        f"<code>{_e(folder + name)}.svg</code> beside this file.)</figcaption></figure>"
    )


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{CSS}</style>
</head>
<body>
{body}
</body>
</html>
"""


def _meta(comp: Comparison) -> str:
    return (
        f'<p class="meta">{len(comp.labels)} policies × {comp.n_replications} replications, seed {comp.seed}, '
        f"common random numbers, p-values Holm-adjusted. {_e(horizon.label(comp.warmup).capitalize())}: "
        f"{_e(_counted(comp))}</p>"
    )


def _counted(comp: Comparison) -> str:
    if comp.warmup is None:
        return "each policy keeps its own warm-up."
    if comp.warmup == 0:
        return "the counted year is the first after each policy starts."
    return f"each policy was in force {comp.warmup} weeks before the counted year."


def _command(command: str) -> str:
    """The command that made the report, or, with none recorded, that it was made from Python."""
    if command:
        return f"<pre>{_e(command)}</pre>"
    return "<p>Made from Python, not the command line: the seed and replications below reproduce it.</p>"


def render_report(comp: Comparison, images: Mapping[str, bytes] | None = None) -> str:
    """The report as one self-contained HTML string; ``images`` are PNG bytes by chart name."""
    if images is None:
        images = _images(comp)
    detectable, not_detectable = findings(comp)
    found = "".join(f"<li>{_e(t)}</li>" for t in detectable) or "<li>none</li>"
    not_found = "".join(f"<li>{_e(t)}</li>" for t in not_detectable) or "<li>none</li>"
    figures = "".join(_figure(images, name, caption) for name, _, caption in CHARTS if name in images)
    metric_rows = "".join(
        f"<tr><td>{_e(TITLES[m.name])}</td><td>{_e(m.unit)}</td><td>{_e(m.help)}</td>"
        f"<td>{_e({'higher': 'higher', 'lower': 'lower'}.get(m.better or '', 'neither'))}</td></tr>"
        for m in METRICS
    )
    seeds = next(iter(comp.replications.values())).runs
    seed_list = ", ".join(str(r.seed) for r in seeds)
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    body = f"""<header>
<p class="meta">coachsim {_e(sim.__version__)} · workshop report · {_e(when)}</p>
<h1>Comparing {len(comp.labels)} sales-management policies</h1>
<p class="question">{_e(comp.question)}</p>
{_meta(comp)}
</header>

<section id="answer">
<h2>The answer</h2>
{_answer(comp)}
<p>Each cell of the table: the policy's mean over replications; below it, its difference from
<b>{_e(comp.title(comp.baseline))}</b> with the paired 95% confidence interval, in
<span class="good">blue when the change is good for the business</span>,
<span class="bad">vermilion when it is bad</span>, black for a change in how time is spent, and grey
when the runs cannot tell it from chance.</p>
{_headline(comp, HEADLINE_METRICS)}
</section>
{_robustness(comp, images)}

<section id="questions">
<h2>The seven questions</h2>
{_questions(comp)}
</section>

<section id="policies">
<h2>The policies</h2>
{_policies(comp)}
</section>

<section id="findings">
<h2>What the runs can and cannot tell apart</h2>
<h3>Detectable differences</h3>
<ul class="findings">{found}</ul>
<h3>No detectable difference (or not after the Holm adjustment)</h3>
<ul class="findings">{not_found}</ul>
</section>

<section id="charts">
<h2>Charts</h2>
{figures}
</section>

<section id="all-metrics">
<h2>Every metric</h2>
{_full_table(comp)}
<table class="full"><thead><tr><th>metric</th><th>unit</th><th>meaning</th><th>better when</th></tr></thead>
<tbody>{metric_rows}</tbody></table>
</section>

<section id="assumptions">
<h2>Assumptions and sources</h2>
<p><b>Time horizon.</b> {_e(horizon.explanation(comp.warmup))}</p>
<p><b>The parameters these policies set</b>, with the source of each assumption:</p>
{_assumptions(comp)}
<p>Every other parameter keeps its default. The defaults are calibrated so that the typical org
reproduces these published figures in steady state (section 1 of <code>docs/ODD.md</code>, the model's
description, which names every source):</p>
{_targets()}
<p><code>python run.py params</code> lists every parameter with its unit, range and source.</p>
<h3>Statistics</h3>
{_methods(comp)}
</section>

<section id="reproduce">
<h2>Reproduce this report</h2>
{_command(comp.command)}
<p class="small">Seed {comp.seed}; {comp.n_replications} replications, whose model seeds are the SeedSequence
children of the seed: {_e(seed_list)}. The same command and seed give the same numbers on any machine and with
any number of workers.</p>
</section>"""
    return _page("coachsim: " + ", ".join(comp.title(x) for x in comp.labels), body)


def render_full_report(comps: Mapping[int, Comparison], command: str) -> str:
    """The full workshop: every question answered in words, with its table and effect chart.

    ``comps`` maps each question's number to its comparison; each question's complete report
    (every chart, metric and assumption) is in the folder ``question-N`` beside this file.
    """
    sections = []
    for q in QUESTIONS:
        if q.number not in comps:
            continue
        comp = comps[q.number]
        images = _images(comp, ["attainment_effect"])
        folder = f"question-{q.number}/"
        sections.append(
            f'<section id="question-{q.number}"><h2>Question {q.number}</h2>'
            f'<p class="question">{_e(q.text)}</p>{_meta(comp)}{_answer(comp)}'
            f"{_headline(comp, HEADLINE_METRICS)}"
            f"{_figure(images, 'attainment_effect', 'Each policy against the reference, paired 95% CIs.', folder)}"
            f'<p class="small">Every chart, metric and assumption: <a href="{folder}report.html">'
            f"{folder}report.html</a>.</p></section>"
        )
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    first = next(iter(comps.values()))
    body = f"""<header>
<p class="meta">coachsim {_e(sim.__version__)} · full workshop report · {_e(when)}</p>
<h1>The seven questions, answered</h1>
<p class="question">What happens to quota attainment when managers coach more, when they carry less quota,
when executives coach the coaches?</p>
<p class="meta">{_e(horizon.explanation(first.warmup))}</p>
</header>
{"".join(sections)}
<section id="reproduce">
<h2>Reproduce this report</h2>
{_command(command)}
</section>"""
    return _page("coachsim: the seven questions", body)


def write_report(comp: Comparison, path: str | os.PathLike[str], images: Mapping[str, bytes] | None = None) -> Path:
    """Write the report to ``path`` and return it."""
    path = Path(path)
    path.write_text(render_report(comp, images), encoding="utf-8")
    return path
