"""What is done with runs: replications, comparisons, charts and reports."""

from analysis.comparisons.compare import compare, workshop
from analysis.comparisons.comparison import Comparison
from analysis.sweeps.sweep import (
    sweep,  # analysis.sweep(...) is the function; use `from analysis.sweeps.sweep import X` for the rest
)

__all__ = ["Comparison", "compare", "sweep", "workshop"]
