"""What a sweep varies: one dimension per parameter, parsed from ``KEY=SPEC`` and checked by the registry.

A spec names a registry parameter (dotted) and its values:

- a list ``0,1,2,3`` (choice and true/false parameters take lists only; ``none`` unsets a
  parameter that may be unset);
- a range ``start:stop:step`` (``start:stop`` steps by 1). The stop is *included* when it falls
  on the grid (``0:6:0.5`` ends at 6, ``0:1:0.3`` ends at 0.9), like a list written out by
  hand, not like Python's ``range``. Values are rounded to 12 significant digits so that
  ``0:1:0.1`` gives 0.3, not 0.30000000000000004;
- bounds ``low..high``, for the ``lhs`` and ``sobol`` samplers only: a float is drawn uniformly
  between them; a whole-number parameter is rounded, each integer from low to high being
  equally likely (the unit interval is cut into ``high - low + 1`` equal bins).

With ``lhs`` or ``sobol`` a list or a range is a discrete dimension, each value equally likely.
Every value is checked by the registry before anything runs. Messages name the option a value
came from (``origin``; by default ``vary``, or what :mod:`analysis.common.labels` calls it:
``--vary`` when run.py passes its options through).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.common.labels import label
from sim import params as registry
from sim.params import Param, ParameterError

__all__ = ["MAX_RANGE_VALUES", "Dimension", "dimension", "dimensions", "parse_vary"]


#: Most points a range may expand to, and a sweep may have (a guard against typos like 0:1e6:1).
MAX_RANGE_VALUES = 10_000


# ============================================================================== specs
@dataclass(frozen=True)
class Dimension:
    """One varied parameter: its name and either its values (list, range) or bounds."""

    name: str
    kind: str  # "list", "range" or "bounds"
    text: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None

    @property
    def param(self) -> Param:
        """The registry entry of the varied parameter."""
        return registry.by_name(self.name)

    @property
    def discrete(self) -> bool:
        """True for a list or a range: the values are given, not drawn from bounds."""
        return self.kind != "bounds"

    def to_json(self) -> dict[str, Any]:
        """The dimension as stored in ``sweep.json`` (and compared on resume)."""
        if self.discrete:
            return {"name": self.name, "spec": self.text, "values": list(self.values)}
        return {"name": self.name, "spec": self.text, "low": self.low, "high": self.high}

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map draws ``u`` in [0, 1) to values: equal-width bins for lists, ints and bounds."""
        u = np.clip(np.asarray(u, float), 0.0, np.nextafter(1.0, 0.0))
        if self.discrete:
            idx = np.floor(u * len(self.values)).astype(int)
            return [self.values[i] for i in idx]
        assert self.low is not None and self.high is not None
        p = self.param
        if p.kind is int:
            lo, hi = int(self.low), int(self.high)
            return [int(v) for v in np.minimum(np.floor(lo + u * (hi - lo + 1)), hi)]
        return [float(v) for v in self.low + u * (self.high - self.low)]


def _lookup(name: str, origin: str) -> Param:
    try:
        return registry.by_name(name)
    except KeyError:
        raise registry.unknown(name, origin) from None


def _number(text: str, param: Param, origin: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"{origin}: {param.name}={spec}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ParameterError(f"{origin}: {param.name}={spec}: {text.strip()!r} is not a finite number")
    return value


def _tidy(x: float) -> float:
    """Round away binary noise: 12 significant digits (0.30000000000000004 -> 0.3)."""
    return float(f"{x:.12g}")


def dimension(name: str, spec: Any, origin: str | None = None) -> Dimension:
    """Build a checked :class:`Dimension` from a SPEC string or a sequence of values.

    Messages name ``origin`` (default: ``vary``, as :mod:`analysis.common.labels` labels it).
    """
    origin = origin or label("vary")
    param = _lookup(name.strip(), origin)
    name = param.name
    if not isinstance(spec, str):
        if isinstance(spec, (bytes, Mapping)) or not isinstance(spec, Iterable):
            spec = [spec]
        values = tuple(param.check(_plain(v), origin) for v in spec)
        return _list_dimension(param, values, ",".join(_text(v) for v in values), origin)
    text = spec.strip()
    if not text:
        raise ParameterError(f"{origin}: {name}= needs values: a list 0,1,2, a range 0:6:1 or bounds 0..6")
    discrete_only = param.choices is not None or param.kind in (bool, str)
    if discrete_only and (".." in text or ":" in text):
        examples = param.choices or ((True, False) if param.kind is bool else ("A", "B"))
        raise ParameterError(
            f"{origin}: {name}={text}: {name} takes a list of its values ({param.allowed()}), e.g. "
            f"{name}={','.join(_text(c) for c in examples[:3])}"
        )
    if ".." in text:
        parts = text.split("..")
        if len(parts) != 2:
            raise ParameterError(f"{origin}: {name}={text}: bounds are written low..high, e.g. 0..6")
        low, high = (_number(s, param, origin, text) for s in parts)
        if not low < high:
            raise ParameterError(f"{origin}: {name}={text}: the low bound must be below the high bound")
        low, high = param.check(low, origin), param.check(high, origin)
        return Dimension(name, "bounds", text, low=low, high=high)
    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise ParameterError(f"{origin}: {name}={text}: a range is written start:stop:step, e.g. 0:6:0.5")
        start, stop = (_number(s, param, origin, text) for s in parts[:2])
        step = _number(parts[2], param, origin, text) if len(parts) == 3 else 1.0
        if step <= 0:
            raise ParameterError(f"{origin}: {name}={text}: the step must be above 0")
        if stop < start:
            raise ParameterError(f"{origin}: {name}={text}: the stop must not be below the start")
        count = math.floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1
        if count > MAX_RANGE_VALUES:
            raise ParameterError(
                f"{origin}: {name}={text} gives {count:,} values (at most {MAX_RANGE_VALUES:,}); use a larger step"
            )
        values = tuple(param.check(_tidy(start + i * step), origin) for i in range(count))
        return _list_dimension(param, values, text, origin, kind="range")
    items = [s.strip() for s in text.split(",")]
    if any(not s for s in items):
        raise ParameterError(f"{origin}: {name}={text}: an empty item in the list")
    values = tuple(param.parse(s, origin) for s in items)
    return _list_dimension(param, values, text, origin)


def _list_dimension(param: Param, values: tuple[Any, ...], text: str, origin: str, kind: str = "list") -> Dimension:
    if not values:
        raise ParameterError(f"{origin}: {param.name}: no values to vary over")
    seen: list[Any] = []
    for v in values:
        if any(type(v) is type(s) and v == s for s in seen):
            raise ParameterError(f"{origin}: {param.name}={text}: {_text(v)} is listed twice")
        seen.append(v)
    return Dimension(param.name, kind, text, values=values)


def _plain(v: Any) -> Any:
    """numpy scalars to Python values, so that the registry's checks apply."""
    return v.item() if isinstance(v, np.generic) else v


def _text(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def parse_vary(item: str) -> Dimension:
    """Parse one ``KEY=SPEC`` item (run.py's ``--vary``)."""
    if "=" not in item:
        raise ParameterError(
            f"{label('vary')} {item!r}: expected KEY=SPEC, e.g. coaching.hours_per_rep_month=0,1,2,3 (a list), "
            "=0:6:0.5 (a range) or =0..6 (bounds, for --sampler lhs or sobol)"
        )
    key, spec = item.split("=", 1)
    return dimension(key.strip(), spec)


def dimensions(vary: Mapping[str, Any] | Sequence[str] | Sequence[Dimension]) -> list[Dimension]:
    """Dimensions from a mapping (name -> spec or values) or ``KEY=SPEC`` strings; names unique."""
    if isinstance(vary, Mapping):
        dims = [dimension(k, v) for k, v in vary.items()]
    elif isinstance(vary, str):
        dims = [parse_vary(vary)]
    else:
        dims = [v if isinstance(v, Dimension) else parse_vary(v) for v in vary]
    if not dims:
        raise ParameterError(f"a sweep needs at least one {label('vary')} KEY=SPEC")
    names = [d.name for d in dims]
    for name in names:
        if names.count(name) > 1:
            raise ParameterError(f"{label('vary')} {name} is given more than once")
    return dims
