"""What is done with runs: replications, comparisons, charts and reports."""

from analysis.compare import Comparison, compare, workshop
from analysis.sweep import sweep  # analysis.sweep(...) is the function; use `from analysis.sweep import X` for the rest

__all__ = ["Comparison", "compare", "sweep", "workshop"]
