"""The one-file HTML report and the charts: self-contained, complete, and the workshop end to end."""

from __future__ import annotations

import base64
import html as html_module
import re
import shlex
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.common.horizon import STEADY_STATE_WEEKS
from analysis.comparisons.answer import answer, effect_words
from analysis.comparisons.compare import WORKSHOP_SCENARIOS, compare
from analysis.comparisons.files import write_comparison
from analysis.comparisons.palette import BAD, GOOD, judgement, scenario_colours
from analysis.comparisons.plots import CHARTS, all_figures
from analysis.comparisons.questions import QUESTIONS
from analysis.comparisons.report import render_report
from run import main
from sim import params as registry
from sim.metrics import CANONICAL
from sim.scenario import load


def _e(text: str) -> str:
    return html_module.escape(text, quote=True)


SCENARIOS = ["baseline", "coaching_3h", "quota_share_0"]
CHART_NAMES = [name for name, _, _ in CHARTS]
#: The command the report is given, as run.py passes the one it parsed.
COMMAND = "python run.py compare baseline coaching_3h quota_share_0 --replications 3 --seed 5 --warmup 4"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[object, Path]:
    """A tiny comparison written to a folder: table, charts and report."""
    comp = compare(
        SCENARIOS,
        replications=3,
        seed=5,
        workers=1,
        warmup=4,
        progress=False,
        overrides={"org.reps": 16, "sim.weeks": 20},
        command=COMMAND,
    )
    out = write_comparison(comp, tmp_path_factory.mktemp("report"))
    return comp, out


@pytest.fixture(scope="module")
def html(written) -> str:
    return (written[1] / "report.html").read_text(encoding="utf-8")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(html)
    return parser.tags


def test_the_report_loads_nothing_from_the_network(html):
    for tag, attrs in _tags(html):
        for key in ("src", "href", "srcset", "data", "action"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http://", "https://", "//")), (tag, key, value[:80])
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "@import" not in html and "url(" not in html


def test_every_chart_is_embedded_as_an_image(html):
    images = [attrs["src"] for tag, attrs in _tags(html) if tag == "img"]
    assert len(images) == len(CHARTS)
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_report_names_every_scenario_with_its_policy_in_plain_words(written, html):
    comp, _ = written
    for label in SCENARIOS:
        assert comp.scenarios[label].title and comp.scenarios[label].title.replace("'", "&#x27;") in html
        assert comp.scenarios[label].description.replace("'", "&#x27;") in html


def _visible_outside_the_command(html: str) -> str:
    """The page's text without the reproducing command, tags and embedded images."""
    text = re.sub(r"<pre>.*?</pre>", " ", html, flags=re.S)
    text = re.sub(r"<(style|code)>.*?</\1>", " ", text, flags=re.S)
    return re.sub(r"<[^>]+>", " ", text)


def test_identifiers_appear_only_in_the_reproducing_command(written, html):
    text = _visible_outside_the_command(html)
    for label in SCENARIOS:
        if "_" in label:
            assert label not in text, label
    for metric in CANONICAL:
        if "_" in metric:
            assert metric not in text, metric
    for name in ("coaching.hours_per_rep_month", "coaching.kpi_inspection", "manager.quota_share"):
        assert name not in text


def test_the_answer_comes_first_in_words_one_sentence_per_policy(written, html):
    comp, _ = written
    answer_at = html.index('id="answer"')
    assert answer_at < html.index('class="headline"') < html.index('id="policies"')
    said = answer(comp)
    assert len(said) == len(SCENARIOS) - 1
    for label, sentence in zip(SCENARIOS[1:], said, strict=True):
        assert sentence.startswith(comp.scenarios[label].title + ": attainment ")
        assert "95% CI" in sentence
        assert sentence.replace("'", "&#x27;") in html
    r = comp.row("coaching_3h", "attainment")
    words = effect_words(r)
    if r["verdict"] == "higher":
        assert words.startswith(f"attainment rises by {100 * r['delta']:.1f} points")


def test_a_policy_that_changes_nothing_is_said_to_change_nothing(tmp_path):
    comp = compare(
        ["baseline", "coaching_kpi"], replications=2, seed=1, workers=1, progress=False, overrides={"org.reps": 8}
    )
    (sentence,) = answer(comp)
    assert "the same as the reference's in every replication" in sentence


def test_colour_says_good_or_bad_for_the_business_not_the_sign():
    assert judgement("rep_turnover", -0.05) == "good" and judgement("rep_turnover", 0.05) == "bad"
    assert judgement("attainment", 0.05) == "good" and judgement("attainment", -0.05) == "bad"
    assert judgement("manager_selling_share", 0.05) is None
    assert GOOD != BAD and "#d62728" not in (GOOD, BAD)


def test_one_colour_per_scenario_across_table_and_charts(written, html):
    comp, _ = written
    colours = scenario_colours(comp.labels, comp.baseline)
    for label in comp.labels:
        assert f"background:{colours[label]}" in html
    assert len(set(colours.values())) == len(comp.labels)


def test_the_seven_questions_are_listed_with_the_scenarios_that_answer_them(html):
    text = html.replace("&#x27;", "'")
    for q in QUESTIONS:
        assert q.text in text
    assert "workshop --full" in text


def test_the_report_has_the_question_findings_assumptions_and_the_command(written, html):
    comp, _ = written
    assert comp.question in html.replace("&#x27;", "'")
    for heading in (
        "The answer",
        "The policies",
        "What the runs can and cannot tell apart",
        "Charts",
        "Assumptions and sources",
        "Reproduce this report",
    ):
        assert heading in html
    assert "Holm" in html
    assert f"<pre>{_e(COMMAND)}</pre>" in html  # the command the caller parsed, as given
    assert "Seed 5" in html
    # the assumptions name the parameters the policies set, in words, with their registry source
    for name in ("coaching.hours_per_rep_month", "coaching.kpi_inspection", "manager.quota_share"):
        assert _e(registry.by_name(name).help) in html
        assert _e(registry.by_name(name).source) in html


def test_every_chart_is_written_as_png_and_svg(written):
    _, out = written
    for name in CHART_NAMES:
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (out / f"{name}.svg").read_text()[:2000]


def test_the_result_object_offers_the_figures_for_notebooks(written):
    comp, _ = written
    figures = all_figures(comp)
    assert list(figures) == CHART_NAMES
    assert all(isinstance(fig, Figure) for fig in figures.values())


def test_a_report_made_from_python_says_so_instead_of_a_command(written):
    comp, _ = written
    page = render_report(replace(comp, command=""), images={})
    assert "Made from Python" in page and "<pre>" not in page


def test_the_workshop_runs_end_to_end_and_writes_the_report(tmp_path, capsys):
    out = tmp_path / "shop"
    argv = ["workshop", "--replications", "2", "--workers", "1", "--out", str(out)]
    assert main(argv) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    for name in WORKSHOP_SCENARIOS:
        assert _e(load(name).title) in html
    assert f"<pre>{_e(shlex.join(['python', 'run.py', *argv]))}</pre>" in html  # the command as given
    assert f"each policy was in force {STEADY_STATE_WEEKS} weeks before the counted year" in html
    assert (out / "comparison.csv").is_file()
    assert "Holm" in capsys.readouterr().out


def test_the_report_says_per_policy_what_was_set_and_what_was_delivered(written, html):
    comp, _ = written
    delivery = comp.delivery.set_index("scenario")
    assert "coaching set and delivered" in html
    three = delivery.loc["coaching_3h"]
    assert three["target"] == 3 and three["inspection"] == 1
    assert three["delivered"] >= 3 - 1e-9 and three["logged"] >= three["delivered"] - 1e-9
    assert "Set 3 h a rep a month, protected by a coaching KPI: delivered " in html
    assert f"delivered {three['delivered']:.1f} h of real one-on-one coaching" in html
    assert np.isnan(delivery.loc["baseline", "target"]) and "No set hours: delivered " in html


def test_the_full_workshop_answers_all_seven_questions(tmp_path, capsys):
    out = tmp_path / "full"
    args = ["workshop", "--full", "--replications", "2", "--workers", "1", "--warmup", "2", "--out", str(out)]
    assert main(args) == 0
    page = (out / "report.html").read_text(encoding="utf-8").replace("&#x27;", "'")
    printed = capsys.readouterr().out
    for q in QUESTIONS:
        assert q.text in page and f"Question {q.number}: {q.text}" in printed
        assert (out / f"question-{q.number}" / "report.html").is_file()
        table = pd.read_csv(out / f"question-{q.number}" / "comparison.csv")
        assert set(table["scenario"]) == set(q.compared)
        assert set(table["counted_year"]) == {"after a 2-week warm-up"}
        for name in q.scenarios:
            assert load(name).title in page
    assert f"<pre>{shlex.join(['python', 'run.py', *args])}</pre>" in page  # the command as given


@pytest.mark.parametrize("command", ["run", "compare", "workshop", "sweep", "validate", "dashboard"])
def test_every_command_that_runs_the_model_takes_one_warmup_option(command):
    from run import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    (option,) = [a for a in sub._actions if "--warmup" in a.option_strings]
    assert option.default is None  # none given: the registry's default, the same for every command
    assert f"default {STEADY_STATE_WEEKS}" in option.help
    assert registry.by_name("sim.warmup_weeks").default == STEADY_STATE_WEEKS == 52
