"""Command-line argument types shared by the benchmark scripts."""

from __future__ import annotations

import argparse

__all__ = ["whole_numbers"]


def whole_numbers(text: str) -> list[int]:
    """``"1000,10_000"`` as ``[1000, 10000]``: comma-separated whole numbers, each at least 1."""
    try:
        values = [int(x.replace("_", "")) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated whole numbers") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected whole numbers of at least 1")
    return values
