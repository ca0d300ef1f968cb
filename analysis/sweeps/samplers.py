"""Where a sweep runs: the design of points, laid out by a sampler (grid, Latin hypercube or Sobol').

``grid`` is every combination of the lists (the last dimension varies fastest); ``lhs`` is
``samples`` points of a scrambled Latin hypercube; ``sobol`` is Saltelli's design for Sobol'
indices with ``samples`` (a power of two) base points: a scrambled Sobol' sequence in 2d
dimensions split into matrices A and B, then, for each parameter i, A with column i taken from B
-- ``samples * (d + 2)`` points, laid out A, B, AB_1 ... AB_d exactly as
``scipy.stats.sobol_indices`` builds them. The design's random draws come from
``SeedSequence([seed, DESIGN_TAG])``, separate from the runs' seeds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from analysis.common.labels import label
from analysis.sweeps.dimensions import Dimension
from sim.params import ParameterError

__all__ = [
    "DEFAULT_SAMPLES",
    "DESIGN_TAG",
    "MAX_POINTS",
    "SAMPLERS",
    "Design",
    "GridSampler",
    "LHSSampler",
    "Sampler",
    "SobolSampler",
    "make_sampler",
]


SAMPLERS = ("grid", "lhs", "sobol")


#: Mixed into the sweep seed for the design's draws, keeping them apart from the runs' seeds.
DESIGN_TAG = 0x5357454550  # "SWEEP"


MAX_POINTS = 10_000_000


DEFAULT_SAMPLES = 64


# ============================================================================== samplers
@dataclass
class Design:
    """The points of a sweep: one list of values per varied parameter, all of one length."""

    names: list[str]
    columns: dict[str, list[Any]]
    info: dict[str, Any] = field(default_factory=dict)
    block: list[str] | None = None

    @property
    def size(self) -> int:
        """The number of points."""
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def frame(self) -> pd.DataFrame:
        """The design as a table: ``point`` and one column per varied parameter."""
        df = pd.DataFrame({"point": np.arange(self.size), **self.columns})
        if self.block is not None:
            df.insert(1, "block", self.block)
        return df

    def values_at(self, point: int) -> dict[str, Any]:
        """The varied parameters' values at ``point``."""
        return {n: self.columns[n][point] for n in self.names}


class Sampler:
    """Turns dimensions into a :class:`Design`; subclasses define the layout."""

    name = "sampler"

    def check(self, dims: Sequence[Dimension], samples: int | None) -> int | None:
        """Validate the options for this sampler and return the samples to use."""
        return samples

    def size(self, dims: Sequence[Dimension], samples: int | None) -> int:
        """The number of points, known before the design is built."""
        raise NotImplementedError

    def design(self, dims: Sequence[Dimension], samples: int | None, rng: np.random.Generator) -> Design:
        """The points of the sweep."""
        raise NotImplementedError


class GridSampler(Sampler):
    """Every combination of the listed values; the last dimension varies fastest."""

    name = "grid"

    def check(self, dims: Sequence[Dimension], samples: int | None) -> int | None:
        """A grid needs lists or ranges, and its size is theirs."""
        for d in dims:
            if not d.discrete:
                raise ParameterError(
                    f"{label('vary')} {d.name}={d.text}: bounds are for {label('sampler')} lhs or sobol; a grid "
                    f"needs a list (e.g. {d.name}=0,1,2) or a range (e.g. {d.name}=0:6:1)"
                )
        if samples is not None:
            raise ParameterError(
                f"{label('samples')} is for {label('sampler')} lhs or sobol; a grid's size is the product of its lists"
            )
        return None

    def size(self, dims: Sequence[Dimension], samples: int | None) -> int:
        """The product of the lists' lengths."""
        return math.prod(len(d.values) for d in dims)

    def design(self, dims: Sequence[Dimension], samples: int | None, rng: np.random.Generator) -> Design:
        """The Cartesian product of the dimensions' values."""
        size = self.size(dims, samples)
        _check_size(size)
        combos = list(itertools.product(*(d.values for d in dims)))
        columns = {d.name: [c[i] for c in combos] for i, d in enumerate(dims)}
        return Design([d.name for d in dims], columns, {"points": size})


class LHSSampler(Sampler):
    """``samples`` points of a scrambled Latin hypercube (``scipy.stats.qmc.LatinHypercube``)."""

    name = "lhs"

    def check(self, dims: Sequence[Dimension], samples: int | None) -> int | None:
        """Default ``DEFAULT_SAMPLES`` points."""
        return DEFAULT_SAMPLES if samples is None else samples

    def size(self, dims: Sequence[Dimension], samples: int | None) -> int:
        """``samples`` points."""
        assert samples is not None
        return samples

    def design(self, dims: Sequence[Dimension], samples: int | None, rng: np.random.Generator) -> Design:
        """Latin hypercube draws mapped to each dimension's values."""
        assert samples is not None
        _check_size(samples)
        u = qmc.LatinHypercube(d=len(dims), rng=rng).random(samples)
        columns = {d.name: d.from_unit(u[:, i]) for i, d in enumerate(dims)}
        return Design([d.name for d in dims], columns, {"points": samples})


class SobolSampler(Sampler):
    """Saltelli's A, B, AB design for Sobol' indices, as ``scipy.stats.sobol_indices`` builds it."""

    name = "sobol"

    def check(self, dims: Sequence[Dimension], samples: int | None) -> int | None:
        """``samples`` base points, a power of two (default ``DEFAULT_SAMPLES``)."""
        n = DEFAULT_SAMPLES if samples is None else samples
        if n < 2 or n & (n - 1):
            lower = 1 << max(1, n.bit_length() - 1)
            raise ParameterError(
                f"{label('samples')} {n}: the sobol sampler needs a power of two (its balance properties), e.g. "
                f"{lower} or {lower * 2}; it runs samples x (parameters + 2) points"
            )
        return n

    def size(self, dims: Sequence[Dimension], samples: int | None) -> int:
        """``samples * (parameters + 2)`` points."""
        assert samples is not None
        return samples * (len(dims) + 2)

    def design(self, dims: Sequence[Dimension], samples: int | None, rng: np.random.Generator) -> Design:
        """Points 0..n-1 are A, n..2n-1 are B, then AB_i (A with column i from B) for each i."""
        assert samples is not None
        n, d = samples, len(dims)
        _check_size(n * (d + 2))
        a_b = qmc.Sobol(d=2 * d, rng=rng, bits=64).random(n).T.reshape(2, d, n)
        a, b = a_b[0], a_b[1]
        blocks = [a, b]
        labels = ["A"] * n + ["B"] * n
        for i in range(d):
            ab = a.copy()
            ab[i] = b[i]
            blocks.append(ab)
            labels += [f"AB:{dims[i].name}"] * n
        u = np.concatenate(blocks, axis=1)  # (d, n * (d + 2))
        columns = {dim.name: dim.from_unit(u[i]) for i, dim in enumerate(dims)}
        info = {"points": n * (d + 2), "sobol_n": n, "layout": "A, B, then AB_i for each varied parameter i"}
        return Design([dim.name for dim in dims], columns, info, block=labels)


_SAMPLERS: dict[str, type[Sampler]] = {"grid": GridSampler, "lhs": LHSSampler, "sobol": SobolSampler}


def make_sampler(name: str) -> Sampler:
    """The sampler called ``name`` (one of :data:`SAMPLERS`)."""
    try:
        return _SAMPLERS[name]()
    except KeyError:
        raise ParameterError(
            f"{label('sampler')} {name!r} is not known; expected one of {', '.join(SAMPLERS)}"
        ) from None


def _check_size(points: int) -> None:
    if points > MAX_POINTS:
        raise ParameterError(f"the sweep has {points:,} points, more than {MAX_POINTS:,}; use fewer values")
