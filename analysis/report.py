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
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import sim
from sim import params as registry
from sim.metrics import CANONICAL, METRICS
from sim.params import display

if TYPE_CHECKING:
    from analysis.compare import Comparison

__all__ = ["render_report", "write_report"]

HELP = {m.name: m.help for m in METRICS}
UNITS = {m.name: m.unit for m in METRICS}
TITLES = {
    "attainment": "Attainment",
    "reps_at_quota": "Reps at quota",
    "rep_attainment_mean": "Mean rep attainment",
    "bookings": "Bookings",
    "coaching_hours_per_rep_month": "Coaching delivered (h/rep/month)",
    "manager_coaching_share": "Manager time 'coaching' (as reported)",
    "manager_selling_share": "Manager time selling",
    "rep_selling_share": "Rep time selling",
    "rep_turnover": "Rep turnover",
    "mean_skill": "Mean rep skill",
    "mean_motivation": "Mean rep motivation",
}

CSS = """
:root { --ink: #1d1d1f; --muted: #5f6368; --line: #d9d9de; --up: #1a7f37; --down: #b42318; --na: #8a8a8a; }
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
table.headline { table-layout: fixed; }
table.headline th:first-child { width: 16%; }
table.headline td { font-size: 0.95em; overflow-wrap: anywhere; }
table.headline td.num { white-space: normal; }
table.headline .value { font-weight: 700; font-size: 1.15em; }
table.headline .delta { display: block; font-size: 0.78em; }
table.full { font-size: 0.78em; }
.up { color: var(--up); font-weight: 600; }
.down { color: var(--down); font-weight: 600; }
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


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _css_class(verdict: str) -> str:
    return {"higher": "up", "lower": "down"}.get(verdict, "same")


def _changes(values: Mapping[str, Any], base: Mapping[str, Any]) -> list[str]:
    out = []
    for name, value in values.items():
        if name not in base or base[name] == value:
            continue
        p = registry.by_name(name)
        out.append(f"{name}: {display(base[name])} → {display(value)} ({p.unit})")
    return out


def _headline(comp: Comparison, metrics: tuple[str, ...]) -> str:
    from analysis.compare import fmt_delta, fmt_p, fmt_value

    head = "".join(f'<th class="num">{_e(TITLES.get(m, m))}</th>' for m in metrics)
    rows = []
    for label in comp.labels:
        cells = []
        is_base = label == comp.baseline
        for m in metrics:
            r = comp.row(label, m)
            unit = UNITS[m]
            value = f'<span class="value">{_e(fmt_value(r["mean"], unit))}</span>'
            low, high = _e(fmt_value(r["ci_low"], unit)), _e(fmt_value(r["ci_high"], unit))
            ci = f'<span class="delta small">95% CI {low} to {high}</span>'
            if is_base:
                cells.append(f'<td class="num">{value}{ci}</td>')
                continue
            cls = _css_class(r["verdict"])
            words = "no detectable difference" if cls == "same" else f"Holm p {fmt_p(r['p_value'])}"
            delta = (
                f'<span class="delta {cls}">{_e(fmt_delta(r["delta"], unit))} '
                f"[{_e(fmt_delta(r['delta_ci_low'], unit))}, {_e(fmt_delta(r['delta_ci_high'], unit))}]"
                f"<br>{_e(words)}</span>"
            )
            cells.append(f'<td class="num">{value}{delta}</td>')
        tag = " (reference)" if is_base and label != "baseline" else ""
        rows.append(
            f'<tr class="{"baseline" if is_base else ""}"><td><b>{_e(label)}</b>{_e(tag)}</td>{"".join(cells)}</tr>'
        )
    return (
        f'<table class="headline"><thead><tr><th>policy</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _full_table(comp: Comparison) -> str:
    from analysis.compare import fmt_delta, fmt_p, fmt_value

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
                f'<tr class="{"baseline" if base else ""}"><td>{_e(m)}</td><td>{_e(label)}</td>'
                f'<td class="num">{_e(fmt_value(r["mean"], unit))}</td>'
                f'<td class="num">{_e(fmt_value(r["ci_low"], unit))} to {_e(fmt_value(r["ci_high"], unit))}</td>'
                f'<td class="num">{_e(delta)}</td><td class="num">{_e(dci)}</td><td class="num">{_e(p)}</td>'
                f'<td class="{_css_class(r["verdict"])}">{_e(r["verdict"])}</td></tr>'
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
            f"<tr><td><b>{_e(label)}</b></td><td>{_e(s.description or '(no description)')}</td>"
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
        values = "; ".join(f"{v} ({', '.join(labels)})" for v, labels in used.items())
        source = p.source or ("a setting of the comparison" if p.section == "sim" else "no published source")
        rows.append(
            f"<tr><td><code>{_e(name)}</code></td><td>{_e(p.help)}</td><td>{_e(p.unit)}</td>"
            f'<td class="small">{_e(values)}</td><td class="small">{_e(source)}</td></tr>'
        )
    return (
        "<table><thead><tr><th>parameter</th><th>meaning</th><th>unit</th><th>values used</th><th>source</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _targets() -> str:
    from analysis.calibration import TARGETS

    rows = "".join(
        f'<tr><td>{_e(t.id)}</td><td>{_e(t.fact)}</td><td class="num">{t.low:g}-{t.high:g}</td>'
        f'<td class="small">{_e(t.source)}</td></tr>'
        for t in TARGETS
    )
    return (
        '<table><thead><tr><th>id</th><th>published figure</th><th class="num">target</th><th>source</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _horizon(comp: Comparison) -> str:
    if comp.warmup is None:
        return "Each policy kept its own warm-up setting."
    if comp.warmup == 0:
        return (
            "No warm-up: the counted year is the first year after each policy starts, so the numbers show how "
            "fast a policy pays, not where it settles (coaching builds skill over months)."
        )
    from analysis.compare import DEFAULT_WARMUP_WEEKS

    if comp.warmup < DEFAULT_WARMUP_WEEKS:
        return (
            f"Each policy was in force for a {comp.warmup}-week warm-up before the counted year; a "
            f"{DEFAULT_WARMUP_WEEKS}-week warm-up gives the steady state that the published figures describe."
        )
    return (
        f"Steady state. Each policy was in force for a {comp.warmup}-week warm-up before the counted year. "
        "Coaching builds skill and motivation over months, and the published figures the model is calibrated "
        "to (reps coached three hours a month attain about 107% of goal; typical orgs see 50-62% of reps at "
        "quota) describe organisations that have run their policy for a while, so the first months after a "
        "change would understate where a policy lands. To see how fast a policy pays, run the same "
        "comparison with <code>--warmup 0</code>."
    )


def _short_horizon(comp: Comparison) -> str:
    if not comp.warmup:
        return "Counted year: " + (
            "each policy's own setting." if comp.warmup is None else "the first after the change."
        )
    from analysis.compare import DEFAULT_WARMUP_WEEKS

    kind = "Steady state" if comp.warmup >= DEFAULT_WARMUP_WEEKS else "Warm-up"
    return f"{kind}: each policy in force {comp.warmup} weeks before the counted year."


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


def render_report(comp: Comparison, images: Mapping[str, bytes] | None = None) -> str:
    """The report as one self-contained HTML string; ``images`` are PNG bytes by chart name."""
    from analysis.compare import HEADLINE_METRICS
    from analysis.plots import CHARTS, STYLE

    if images is None:
        import io

        import matplotlib as mpl

        images = {}
        for name, fig in comp.figures.items():
            buf = io.BytesIO()
            with mpl.rc_context(STYLE):
                fig.savefig(buf, format="png", dpi=130)
            images[name] = buf.getvalue()
    detectable, not_detectable = comp.findings()
    found = "".join(f"<li>{_e(t)}</li>" for t in detectable) or "<li>none</li>"
    not_found = "".join(f"<li>{_e(t)}</li>" for t in not_detectable) or "<li>none</li>"
    figures = []
    for name, _, caption in CHARTS:
        if name not in images:
            continue
        data = base64.b64encode(images[name]).decode("ascii")
        figures.append(
            f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)} (Also <code>{_e(name)}.png</code> and "
            f"<code>{_e(name)}.svg</code> beside this file.)</figcaption></figure>"
        )
    metric_rows = "".join(
        f"<tr><td><code>{_e(m.name)}</code></td><td>{_e(m.unit)}</td><td>{_e(m.help)}</td></tr>" for m in METRICS
    )
    seeds = next(iter(comp.replications.values())).runs
    seed_list = ", ".join(str(r.seed) for r in seeds)
    n_scen = len(comp.labels)
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    title = "coachsim: " + ", ".join(comp.labels)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<p class="meta">coachsim {_e(sim.__version__)} · workshop report · {_e(when)}</p>
<h1>Comparing {n_scen} sales-management policies</h1>
<p class="question">{_e(comp.question)}</p>
<p class="meta">{n_scen} policies × {comp.n_replications} replications, seed {comp.seed},
common random numbers, deltas against <b>{_e(comp.baseline)}</b>, p-values Holm-adjusted.
{_short_horizon(comp)}</p>
</header>

<section id="answer">
<h2>The answer</h2>
<p>Each cell: the policy's mean over replications; below it, for a policy, its difference from
<b>{_e(comp.baseline)}</b> with the paired 95% confidence interval (green higher, red lower, grey no detectable
difference). Percentages are of quota or of working hours; "pts" are percentage points.</p>
{_headline(comp, HEADLINE_METRICS)}
</section>

<section id="policies">
<h2>The policies</h2>
{_policies(comp)}
</section>

<section id="findings">
<h2>What the runs can and cannot tell apart</h2>
<h3>Detectable differences from {_e(comp.baseline)}</h3>
<ul class="findings">{found}</ul>
<h3>No detectable difference (or not after the Holm adjustment)</h3>
<ul class="findings">{not_found}</ul>
</section>

<section id="charts">
<h2>Charts</h2>
{"".join(figures)}
</section>

<section id="all-metrics">
<h2>Every metric</h2>
{_full_table(comp)}
<table class="full"><thead><tr><th>metric</th><th>unit</th><th>meaning</th></tr></thead>
<tbody>{metric_rows}</tbody></table>
</section>

<section id="assumptions">
<h2>Assumptions and sources</h2>
<p><b>Time horizon.</b> {_horizon(comp)}</p>
<p><b>The parameters these policies set</b>, with the source of each assumption:</p>
{_assumptions(comp)}
<p>Every other parameter keeps its registry default. The defaults are calibrated so that the typical org
reproduces these published figures (steady state, MODEL.md):</p>
{_targets()}
<p><code>python run.py params</code> lists every parameter with its unit, range and source;
<code>docs/ODD.md</code> describes the model.</p>
<h3>Statistics</h3>
{_methods(comp)}
</section>

<section id="reproduce">
<h2>Reproduce this report</h2>
<pre>{_e(comp.command)}</pre>
<p class="small">Seed {comp.seed}; {comp.n_replications} replications, whose model seeds are the SeedSequence
children of the seed: {_e(seed_list)}. The same command and seed give the same numbers on any machine and with
any number of workers.</p>
</section>
</body>
</html>
"""


def write_report(comp: Comparison, path: str | os.PathLike[str], images: Mapping[str, bytes] | None = None) -> Path:
    """Write the report to ``path`` and return it."""
    path = Path(path)
    path.write_text(render_report(comp, images), encoding="utf-8")
    return path
