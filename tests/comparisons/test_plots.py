"""The comparison's charts: each a Figure that names the policies by their titles, in their colours."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from analysis.comparisons import plots
from analysis.comparisons.compare import compare
from analysis.comparisons.palette import ACTIVITY_COLOURS, BASELINE_COLOUR, scenario_colours

SCENARIOS = ["baseline", "coaching_3h", "quota_share_0"]
#: The charts of a difference from the baseline show only the other policies.
EFFECT_CHARTS = {"attainment_effect", "segment_lift"}
#: The charts whose lines, bars or boxes are coloured by scenario.
SCENARIO_COLOURED = {"attainment_over_weeks", "rep_attainment_distribution", "coaching_delivered", "segment_lift"}


@pytest.fixture(scope="module")
def comp():
    return compare(
        SCENARIOS,
        replications=3,
        seed=2,
        workers=1,
        progress=False,
        overrides={"org.reps": 16, "sim.weeks": 13, "sim.warmup_weeks": 4},
    )


def _texts(fig: Figure) -> set[str]:
    out = set()
    for ax in fig.axes:
        out |= {t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()}
        if ax.get_legend() is not None:
            out |= {t.get_text() for t in ax.get_legend().get_texts()}
    return out


def _colours(fig: Figure) -> set[str]:
    out = set()
    for ax in fig.axes:
        out |= {to_hex(line.get_color()) for line in ax.get_lines()}
        out |= {to_hex(p.get_facecolor()) for p in ax.patches}
        for c in ax.collections:
            out |= {to_hex(fc) for fc in c.get_facecolors()}
    return out


@pytest.mark.parametrize("name", [name for name, _, _ in plots.CHARTS])
def test_each_chart_is_a_figure_naming_the_policies_by_their_titles(comp, name):
    draw = dict((n, f) for n, f, _ in plots.CHARTS)[name]
    fig = draw(comp)
    assert isinstance(fig, Figure) and fig.axes
    shown = [label for label in comp.labels if name not in EFFECT_CHARTS or label != comp.baseline]
    texts = _texts(fig)
    for label in shown:
        assert comp.title(label) in texts, (name, label)
    for label in comp.labels:
        assert label not in texts or label == comp.title(label)  # identifiers are not shown


@pytest.mark.parametrize("name", sorted(SCENARIO_COLOURED))
def test_the_charts_colour_each_policy_as_the_palette_does(comp, name):
    fig = dict((n, f) for n, f, _ in plots.CHARTS)[name](comp)
    expected = scenario_colours(comp.labels, comp.baseline)
    used = _colours(fig)
    for label in comp.labels:
        if name in EFFECT_CHARTS and label == comp.baseline:
            continue
        assert expected[label].lower() in used, (name, label)
    if name not in EFFECT_CHARTS:
        assert BASELINE_COLOUR.lower() in used  # the baseline in grey


def test_the_effect_chart_greys_out_what_it_cannot_tell_from_chance(comp):
    fig = plots.attainment_effect(comp)
    used = _colours(fig)
    expected = scenario_colours(comp.labels, comp.baseline)
    for label in comp.labels[1:]:
        detectable = comp.row(label, "attainment")["verdict"] in ("higher", "lower")
        assert (expected[label].lower() in used) or not detectable


def test_hours_by_activity_colours_the_activities(comp):
    used = _colours(plots.hours_by_activity(comp))
    assert len(used & {to_hex(c) for c in ACTIVITY_COLOURS.values()}) >= 3


def test_all_figures_and_save_figure_write_png_and_svg(comp, tmp_path):
    figures = plots.all_figures(comp)
    assert list(figures) == [name for name, _, _ in plots.CHARTS]
    png = plots.save_figure(figures["attainment_effect"], tmp_path / "effect")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" == (tmp_path / "effect.png").read_bytes()[:8]
    assert "<svg" in (tmp_path / "effect.svg").read_text()[:2000]
