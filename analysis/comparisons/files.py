"""A comparison written to its folder: ``comparison.csv``, every chart as PNG and SVG, ``report.html``.

With an ensemble comparison also its tables (``robustness.csv``, ``ensemble_effects.csv``,
``ranking.csv``, ``failure_regions.csv``) and charts (``effect_across_models``,
``failure_region_POLICY``).

The one module that brings the comparison, its charts and its report together: it imports all
three, and none of them imports it. The folder is claimed for the command and the files
replace the previous ones whole (:mod:`analysis.common.outputs`).
"""

from __future__ import annotations

import os
from pathlib import Path

from analysis.common import horizon
from analysis.common.outputs import claim, publish
from analysis.comparisons.compare import FullWorkshop
from analysis.comparisons.comparison import COLUMNS, Comparison
from analysis.comparisons.plots import all_figures, save_figure
from analysis.comparisons.report import render_full_report, write_report
from analysis.comparisons.robustness_report import ENSEMBLE_FILES, ensemble_figures, write_tables

__all__ = ["COMPARE_FILES", "FULL_FILES", "write_comparison", "write_workshop"]

#: The files of a comparison that only a comparison writes (the charts are named in analysis.comparisons.plots).
COMPARE_FILES = ("comparison.csv", "report.html", *ENSEMBLE_FILES)
#: The full workshop's own file (each question's comparison is in its folder ``question-N``).
FULL_FILES = ("report.html",)


def write_comparison(comp: Comparison, out: str | os.PathLike[str], report: bool = True) -> Path:
    """Write comparison.csv, every chart as PNG and SVG, and report.html into ``out``; return it.

    The folder is claimed for a comparison (it must not hold another command's output) and
    the files replace the previous ones whole: a failure leaves the folder as it was.
    """
    out = Path(out)
    with claim(out, "compare", COMPARE_FILES):
        publish(out, lambda folder: _write_files(comp, folder, report))
    return out


def _write_files(comp: Comparison, out: Path, report: bool) -> None:
    table = comp.table.loc[:, list(COLUMNS)].assign(counted_year=horizon.label(comp.warmup))
    table.to_csv(out / "comparison.csv", index=False)
    images = {name: save_figure(fig, out / name) for name, fig in all_figures(comp).items()}
    if comp.ensemble is not None:
        write_tables(comp.ensemble, out)
        images |= {name: save_figure(fig, out / name) for name, fig in ensemble_figures(comp.ensemble).items()}
    if report:
        write_report(comp, out / "report.html", images)


def write_workshop(full: FullWorkshop, out: str | os.PathLike[str]) -> Path:
    """Write each question's comparison into ``question-N/`` and the report over all seven as ``report.html``."""
    out = Path(out)
    for number, comp in full.comparisons.items():
        write_comparison(comp, out / f"question-{number}")
    with claim(out, "workshop", FULL_FILES):
        publish(
            out,
            lambda folder: (folder / "report.html").write_text(
                render_full_report(full.comparisons, full.command), encoding="utf-8"
            ),
        )
    return out
