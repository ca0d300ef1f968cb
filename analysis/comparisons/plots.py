"""Charts of a comparison, drawn with matplotlib without pyplot (no display, no global state).

Every function takes a :class:`~analysis.comparisons.comparison.Comparison` and returns a
``matplotlib.figure.Figure``; :func:`save_figure` writes PNG and SVG. Colours follow the
scenario through every chart, with the baseline in grey. Type is large enough to project.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from analysis.common import horizon
from analysis.comparisons.comparison import Comparison
from analysis.comparisons.palette import ACTIVITY_COLOURS, scenario_colours
from analysis.comparisons.statistics import paired_difference
from sim.metrics import ACTIVITIES, MIN_WEEKS_FOR_REP_ATTAINMENT, SEGMENTS

__all__ = [
    "CHARTS",
    "all_figures",
    "attainment_effect",
    "attainment_over_weeks",
    "coaching_delivered",
    "hours_by_activity",
    "rep_attainment_distribution",
    "save_figure",
    "segment_lift",
]

STYLE = {
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "coachsim",  # stable ids: the same comparison gives the same SVG
}
SEGMENT_NAMES = {"star": "stars", "core": "core", "struggler": "strugglers", "new_hire": "new hires"}
TIER_BUDGET = {
    "rep": "rep.hours_per_week",
    "manager": "manager.hours_per_week",
    "executive": "executive.hours_per_week",
}


def colours(comp: Comparison) -> dict[str, str]:
    """One colour per scenario label, as in the report's table; the baseline is grey."""
    return scenario_colours(comp.labels, comp.baseline)


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _pct(ax, axis: str = "y") -> None:
    fmt = mpl.ticker.PercentFormatter(xmax=1.0, decimals=0)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _horizon_note(comp: Comparison) -> str:
    return horizon.label(comp.warmup)


def attainment_effect(comp: Comparison) -> Figure:
    """The headline: each policy's paired difference from the baseline, with 95% CIs."""
    others = [label for label in comp.labels if label != comp.baseline]
    metrics = (("attainment", "Attainment (bookings / quota)"), ("reps_at_quota", "Reps at or above quota"))
    fig = _figure(10, 2.2 + 0.55 * max(len(others), 1))
    axes = fig.subplots(1, 2, sharey=True)
    col = colours(comp)
    for ax, (metric, title) in zip(axes, metrics, strict=True):
        ax.axvline(0, color="black", lw=1)
        for y, label in enumerate(others):
            r = comp.row(label, metric)
            detectable = r["verdict"] in ("higher", "lower")
            c = col[label] if detectable else "#aaaaaa"
            lo, hi = r["delta_ci_low"] * 100, r["delta_ci_high"] * 100
            if np.isfinite(lo):
                ax.plot([lo, hi], [y, y], color=c, lw=4, solid_capstyle="round", alpha=0.8)
            ax.plot(r["delta"] * 100, y, "o", color=c, ms=9, mec="white", mew=1.5)
        ax.set_title(title)
        ax.set_xlabel("difference, percentage points")
        ax.set_yticks(range(len(others)), [comp.title(o) for o in others])
        ax.grid(axis="y", visible=False)
    axes[0].invert_yaxis()
    fig.suptitle(
        f"Effect of each policy against {comp.title(comp.baseline).lower()}: paired 95% CI; "
        "grey = no detectable difference",
        fontsize=11,
    )
    return fig


def attainment_over_weeks(comp: Comparison) -> Figure:
    """Year-to-date attainment week by week: mean and 95% CI band per scenario."""
    fig = _figure(10, 5)
    ax = fig.subplots()
    col = colours(comp)
    for label in comp.labels:
        ts = comp.replications[label].timeseries()
        g = ts.groupby("week")["attainment"]
        mean, sd, n = g.mean(), g.std(ddof=1), g.count()
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        ax.fill_between(
            mean.index, (mean - half).to_numpy(), (mean + half).to_numpy(), color=col[label], alpha=0.18, lw=0
        )
        lw = 2.5 if label == comp.baseline else 2
        ax.plot(mean.index, mean.to_numpy(), color=col[label], lw=lw, label=comp.title(label))
    ax.axhline(1.0, color="black", lw=0.8, ls=":")
    _pct(ax)
    ax.set_xlabel("week of the counted year")
    ax.set_ylabel("attainment, year to date")
    ax.set_title("Attainment over the year (mean and 95% CI across replications)")
    note = _horizon_note(comp)
    if note:
        ax.text(0.99, 0.02, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=9, color="#555555")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def _rep_attainment(comp: Comparison, label: str) -> pd.DataFrame:
    reps = comp.replications[label].rep_table()
    if reps.empty:
        return reps
    return reps[(reps["counted_weeks"] >= MIN_WEEKS_FOR_REP_ATTAINMENT) & np.isfinite(reps["attainment"])]


def rep_attainment_distribution(comp: Comparison) -> Figure:
    """How attainment is spread over reps in each scenario (all replications pooled)."""
    k = len(comp.labels)
    fig = _figure(10, 1.5 + 0.7 * k)
    ax = fig.subplots()
    col = colours(comp)
    data = [_rep_attainment(comp, label)["attainment"].to_numpy() for label in comp.labels]
    positions = np.arange(k)[::-1]
    filled = [(d, p, label) for d, p, label in zip(data, positions, comp.labels, strict=True) if d.size > 1]
    if filled:
        parts = ax.violinplot(
            [d for d, _, _ in filled],
            positions=[p for _, p, _ in filled],
            orientation="horizontal",
            showextrema=False,
            widths=0.85,
        )
        for body, (_, _, label) in zip(parts["bodies"], filled, strict=True):
            body.set_facecolor(col[label])
            body.set_edgecolor(col[label])
            body.set_alpha(0.45)
        for d, p, label in filled:
            q1, med, q3 = np.percentile(d, [25, 50, 75])
            ax.plot([q1, q3], [p, p], color=col[label], lw=5, solid_capstyle="butt")
            ax.plot(med, p, "o", color="white", mec=col[label], mew=2, ms=7)
            ax.text(
                0.995,
                p + 0.32,
                f"{np.mean(d >= 1):.0%} at quota",
                fontsize=9,
                ha="right",
                va="center",
                color="#333333",
                transform=ax.get_yaxis_transform(),
            )
        pooled = np.concatenate([d for d, _, _ in filled])
        lo, hi = np.percentile(pooled, [0.5, 99.5])
        ax.set_xlim(max(0.0, lo - 0.05), hi + 0.05)
    ax.axvline(1.0, color="black", lw=1, ls=":")
    ax.set_yticks(positions, [comp.title(x) for x in comp.labels])
    ax.grid(axis="y", visible=False)
    _pct(ax, "x")
    ax.set_xlabel(f"a rep's attainment over the counted year (reps with {MIN_WEEKS_FOR_REP_ATTAINMENT}+ weeks in seat)")
    ax.set_title("Distribution of rep attainment (box: middle half; dot: median)")
    return fig


def hours_by_activity(comp: Comparison) -> Figure:
    """Where each tier's week goes, by scenario: stacked hours of an average week."""
    k = len(comp.labels)
    fig = _figure(11, 0.6 + 3 * max(0.45 * k + 0.9, 2.0))
    axes = fig.subplots(3, 1)
    positions = np.arange(k)[::-1]
    for ax, tier in zip(axes, ("manager", "rep", "executive"), strict=True):
        acts = ACTIVITIES[tier]
        left = np.zeros(k)
        for act in acts:
            widths = np.zeros(k)
            for j, label in enumerate(comp.labels):
                h = comp.replications[label].hours()
                if h.empty:
                    continue
                share = h[(h["tier"] == tier) & (h["activity"] == act)]["share"]
                budget = comp.scenarios[label].values[TIER_BUDGET[tier]]
                widths[j] = float(share.iloc[0]) * budget if len(share) else 0.0
            ax.barh(
                positions,
                widths,
                left=left,
                color=ACTIVITY_COLOURS.get(act, "#cccccc"),
                edgecolor="white",
                lw=0.5,
                label=act.replace("_", " "),
                height=0.7,
            )
            for p, w, x0 in zip(positions, widths, left, strict=True):
                if w >= 3:
                    ax.text(x0 + w / 2, p, f"{w:.0f}", ha="center", va="center", fontsize=8, color="#222222")
            left += widths
        ax.set_yticks(positions, [comp.title(x) for x in comp.labels])
        ax.grid(axis="y", visible=False)
        ax.set_axisbelow(True)
        ax.set_title(f"{tier.capitalize()}s: hours in an average week")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
    axes[-1].set_xlabel("hours a week (mean over people, weeks and replications)")
    return fig


def coaching_delivered(comp: Comparison) -> Figure:
    """Real one-on-one coaching delivered per rep against the policy target."""
    k = len(comp.labels)
    fig = _figure(10, 1.5 + 0.6 * k)
    ax = fig.subplots()
    col = colours(comp)
    positions = np.arange(k)[::-1]
    top = 0.0
    for p, label in zip(positions, comp.labels, strict=True):
        r = comp.row(label, "coaching_hours_per_rep_month")
        err = np.array([[r["mean"] - r["ci_low"]], [r["ci_high"] - r["mean"]]])
        err = np.nan_to_num(err)
        ax.barh(p, r["mean"], color=col[label], height=0.6, alpha=0.85)
        ax.errorbar(r["mean"], p, xerr=err, color="black", capsize=4, lw=1.2)
        target = comp.scenarios[label].values["coaching.hours_per_rep_month"]
        top = max(top, r["ci_high"] if np.isfinite(r["ci_high"]) else r["mean"], target or 0)
        if target is None:
            note = f"  {r['mean']:.1f} h; no set hours"
        else:
            ax.plot([target, target], [p - 0.38, p + 0.38], color="black", lw=3)
            share = f" ({r['mean'] / target:.0%} of policy)" if target > 0 else ""
            note = f"  {r['mean']:.1f} of {target:g} h{share}"
        ax.text(max(r["mean"], target or 0), p, note, va="center", fontsize=9)
    ax.set_xlim(0, max(top, 1.0) * 1.45)
    ax.set_yticks(positions, [comp.title(x) for x in comp.labels])
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("real one-on-one coaching delivered, hours per rep per month (ride-alongs excluded)")
    ax.set_title("Coaching delivered (bar, 95% CI) against the policy (black line)")
    return fig


def _segment_means(comp: Comparison, label: str) -> pd.DataFrame:
    """Mean rep attainment per replication (rows) and segment (columns)."""
    reps = _rep_attainment(comp, label)
    if reps.empty:
        return pd.DataFrame(index=range(comp.n_replications), columns=list(SEGMENTS), dtype=float)
    table = reps.groupby(["replication", "segment"])["attainment"].mean().unstack("segment")
    return table.reindex(index=range(comp.n_replications), columns=list(SEGMENTS))


def segment_lift(comp: Comparison) -> Figure:
    """Attainment lift by rep segment: paired difference from the baseline, with 95% CIs."""
    others = [label for label in comp.labels if label != comp.baseline]
    fig = _figure(10, 5)
    ax = fig.subplots()
    col = colours(comp)
    base = _segment_means(comp, comp.baseline)
    width = 0.8 / max(len(others), 1)
    x = np.arange(len(SEGMENTS))
    for j, label in enumerate(others):
        seg = _segment_means(comp, label)
        ds = [paired_difference(seg[s].to_numpy(), base[s].to_numpy()) for s in SEGMENTS]
        mean = np.array([d.delta for d in ds]) * 100
        lo = np.array([d.ci_low for d in ds]) * 100
        hi = np.array([d.ci_high for d in ds]) * 100
        pos = x - 0.4 + width * (j + 0.5)
        ax.bar(pos, np.nan_to_num(mean), width=width * 0.9, color=col[label], label=comp.title(label), alpha=0.85)
        ok = np.isfinite(lo)
        ax.errorbar(
            pos[ok], mean[ok], yerr=[mean[ok] - lo[ok], hi[ok] - mean[ok]], fmt="none", ecolor="black", capsize=3, lw=1
        )
    ax.axhline(0, color="black", lw=1)
    counts = _rep_attainment(comp, comp.baseline)["segment"].value_counts() if others else pd.Series(dtype=int)
    ticks = [f"{SEGMENT_NAMES[s]}\n(~{counts.get(s, 0) / comp.n_replications:.0f} reps a run)" for s in SEGMENTS]
    ax.set_xticks(x, ticks)
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(f"rep attainment against {comp.title(comp.baseline).lower()} (points)")
    ax.set_title("Attainment lift by rep segment (paired 95% CI)")
    if others:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    else:
        ax.text(0.5, 0.5, "only the baseline was run", transform=ax.transAxes, ha="center")
    return fig


#: The charts of a comparison: file stem, function, caption.
CHARTS: tuple[tuple[str, Callable[[Comparison], Figure], str], ...] = (
    (
        "attainment_effect",
        attainment_effect,
        "The headline: how far each policy moves attainment and the share of reps at quota, against the baseline. "
        "A bar is the paired 95% confidence interval; grey means no detectable difference.",
    ),
    (
        "attainment_over_weeks",
        attainment_over_weeks,
        "Attainment year to date, week by week, with 95% confidence bands. Early weeks are noisy because few weeks "
        "are counted yet.",
    ),
    (
        "rep_attainment_distribution",
        rep_attainment_distribution,
        "How attainment is spread across reps: a policy can lift the middle, the tail, or both.",
    ),
    (
        "hours_by_activity",
        hours_by_activity,
        "Where each tier's week goes. The managers' bars show what gives when coaching, selling, admin and "
        "distractions compete for the same hours.",
    ),
    (
        "coaching_delivered",
        coaching_delivered,
        "Real one-on-one coaching each rep receives (ride-alongs excluded) against the policy's target: the gap is "
        "coaching announced but not delivered.",
    ),
    (
        "segment_lift",
        segment_lift,
        "Who gains: the change in rep attainment for stars, the core, strugglers and new hires, against the baseline.",
    ),
)


def all_figures(comp: Comparison) -> dict[str, Figure]:
    """Every chart of :data:`CHARTS`, by file stem."""
    with mpl.rc_context(STYLE):
        return {name: func(comp) for name, func, _ in CHARTS}


def save_figure(fig: Figure, stem: str | Path, dpi: int = 130) -> bytes:
    """Write ``stem.png`` and ``stem.svg``; return the PNG bytes (for embedding)."""
    stem = Path(stem)
    buf = io.BytesIO()
    with mpl.rc_context(STYLE):
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        fig.savefig(stem.with_suffix(".svg"), format="svg", metadata={"Date": None})
    png = buf.getvalue()
    stem.with_suffix(".png").write_bytes(png)
    return png
