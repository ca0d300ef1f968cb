"""Numerical guards shared by the mechanisms: not model constants, they only keep arithmetic finite."""

from __future__ import annotations

__all__ = ["TINY"]

TINY = 1e-12  # the smallest denominator: a division by a total of 0 gives 0, not NaN
