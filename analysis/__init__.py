"""What is done with runs, laid out by who does it.

- :mod:`analysis.runs`: running a scenario: seeds, the runner and its stored runs, executors;
- :mod:`analysis.comparisons`: the workshop: policies compared, charts, report, dashboard;
- :mod:`analysis.sweeps`: parameter sweeps: designs, the run store, summary, charts, sensitivity;
- :mod:`analysis.evidence`: the published targets, calibration and validation;
- :mod:`analysis.common`: what they share: the counted year, job limits, output folders, statistics.

The functions for a notebook or a script are here: :func:`compare`, :func:`workshop` and
:func:`sweep`, with :class:`Comparison`. Each package's ``__init__`` imports nothing, and no
module of ``analysis/`` imports this one, so the import graph has no cycle
(``tests/test_layout.py``).
"""

from analysis.comparisons.compare import compare, workshop
from analysis.comparisons.comparison import Comparison
from analysis.sweeps.sweep import sweep

__all__ = ["Comparison", "compare", "sweep", "workshop"]
