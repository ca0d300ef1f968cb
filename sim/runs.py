"""The runs of a stack: each run's parameters, as the mechanisms read them.

A model may hold a *stack* of runs side by side in the same arrays (``SalesOrgModel(seeds=[...])``),
each with its own seed and, if given, its own parameters (``params=[...]``, one mapping per run).
The runs of one stack share the shape of the organisation and the code paths the mechanisms take,
so they may differ only in numeric parameters that neither shape the arrays nor pick a rule: not
in ``org.*`` or ``sim.*``, nor in a parameter that is a choice or a switch (:func:`shared`).

The mechanisms read the parameters from ``model.p`` (``p.rep.learning_rate``). A parameter that
is the same in every run of the stack is a number there; one that differs is an array with an
entry per run, which the mechanisms index by each seat's run (:func:`at` in Python; the compiled
phases read :func:`records`, one record of every parameter per run, or :func:`column` arrays). So a
run's numbers are the same whichever runs share its stack (``tests/sweeps/test_stack.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from sim import params as registry

__all__ = ["at", "at_seats", "column", "records", "shared", "stacked"]


def shared(name: str) -> bool:
    """Whether every run of a stack must have the same value of parameter ``name``.

    The org's shape and the calendar (``org.*``, ``sim.*``) shape the arrays; a choice or a switch
    (a text or true/false parameter) picks the rule a mechanism follows.
    """
    param = registry.by_name(name)
    return param.section in ("org", "sim") or param.kind in (str, bool)


def stacked(runs: Sequence[Mapping[str, Any]], origin: str = "SalesOrgModel") -> SimpleNamespace:
    """The parameters of a stack's runs (each fully resolved) as nested sections.

    A value the runs share is kept as it is; values that differ become an array with an entry per
    run (a missing optional value, ``None``, becomes NaN). Raises ValueError when the runs differ
    in a parameter they must share, naming it.
    """
    first = runs[0]
    sections: dict[str, dict[str, Any]] = {}
    for name, value in first.items():
        values = [run[name] for run in runs]
        if any(v != value for v in values[1:]):
            if shared(name):
                shown = ", ".join(sorted({repr(v) for v in values}))
                raise ValueError(
                    f"{origin}: the runs of a stack must share {name} (they have {shown}); "
                    "they may differ only in numeric parameters outside org and sim"
                )
            kind = registry.by_name(name).kind
            value = np.array([np.nan if v is None else v for v in values], np.int64 if kind is int else np.float64)
        section, key = name.split(".", 1)
        sections.setdefault(section, {})[key] = value
    return SimpleNamespace(**{s: SimpleNamespace(**kv) for s, kv in sections.items()})


def at(value: Any, runs: np.ndarray | int) -> Any:
    """A parameter's value for seats of runs ``runs``: itself if the stack shares it, else the runs' entries."""
    return value[runs] if isinstance(value, np.ndarray) else value


def at_seats(section: SimpleNamespace, runs: np.ndarray) -> SimpleNamespace:
    """A parameter section with each value as :func:`at` gives it for seats of runs ``runs``."""
    return SimpleNamespace(**{key: at(value, runs) for key, value in vars(section).items()})


def records(p: SimpleNamespace, runs: int) -> np.ndarray:
    """Every numeric parameter of each run of a stack, one record a run, for the compiled phases.

    A structured array with a field per parameter of the registry whose kind is a number, named
    by its keyword spelling (``pipeline.stall_rate`` is ``prm[c].pipeline_stall_rate``); an
    optional value that is unset is NaN. The compiled phases read ``prm[c].<name>`` for the run
    ``c`` of the seat at hand: one load, whatever the number of runs.
    """
    numeric = [param for param in registry.REGISTRY if param.kind in (int, float)]
    out = np.empty(runs, [(param.kwarg, np.int64 if param.kind is int else np.float64) for param in numeric])
    for param in numeric:
        value = getattr(getattr(p, param.section), param.key)
        out[param.kwarg] = np.nan if value is None else value
    return out


def column(value: Any, runs: int, dtype: type = np.float64) -> np.ndarray:
    """A parameter as an array with an entry per run, for the compiled phases.

    Always a new, writable array: the compiled phases are compiled once for that type (a read-only
    view would be another type to them, compiled again).
    """
    out = np.empty(runs, dtype)
    out[:] = value
    return out
