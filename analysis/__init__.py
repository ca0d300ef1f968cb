"""What is done with runs, laid out by who does it.

- :mod:`analysis.runs`: running a scenario: seeds, the runner and its stored runs, executors;
- :mod:`analysis.comparisons`: the workshop: policies compared, charts, report, dashboard;
- :mod:`analysis.sweeps`: parameter sweeps: designs, the run store, summary, charts, sensitivity;
- :mod:`analysis.evidence`: the published targets, calibration and validation;
- :mod:`analysis.common`: what they share: the counted year, job limits, output folders, statistics.

The functions for a notebook or a script are here: :func:`compare`, :func:`workshop` and
:func:`sweep`, with :class:`Comparison`, each imported on first use (PEP 562): a worker process
that imports ``analysis.sweeps.simulate`` to run a sweep's models does not import the
comparisons, scipy and the charts with it. Each package's ``__init__`` imports nothing, and no
module of ``analysis/`` imports this one, so the import graph has no cycle
(``tests/test_layout.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.comparisons.compare import compare, workshop
    from analysis.comparisons.comparison import Comparison
    from analysis.sweeps.sweep import sweep

__all__ = ["Comparison", "compare", "sweep", "workshop"]

_WHERE = {
    "compare": "analysis.comparisons.compare",
    "workshop": "analysis.comparisons.compare",
    "Comparison": "analysis.comparisons.comparison",
    "sweep": "analysis.sweeps.sweep",
}


def __getattr__(name: str) -> Any:
    """Import ``compare``, ``workshop``, ``sweep`` or ``Comparison`` when first asked for."""
    if name not in _WHERE:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
