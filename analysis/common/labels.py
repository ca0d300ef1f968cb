"""What a message calls each choice: its name in Python, or the name a front end gives it.

Library code names a parameter as its function spells it (``workers 0: expected a whole number
of at least 1``), never as a command-line flag: called from a notebook there is no flag. A front
end that takes the same choices under other names says so once, around its calls, and every
message raised inside uses its names; ``run.py`` gives its flags::

    with labelled({"workers": "--workers"}):
        replicate(scenario, workers=0)  # ParameterError: --workers 0: expected ...

The names live in a context variable, so they hold for the calls inside the ``with`` block only
(and per thread), and a library call made anywhere else keeps the Python names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from types import MappingProxyType

__all__ = ["label", "labelled"]

_LABELS: ContextVar[Mapping[str, str]] = ContextVar("coachsim_labels", default=MappingProxyType({}))


def label(name: str) -> str:
    """What messages call the choice ``name`` here: the front end's name for it, else ``name``."""
    return _LABELS.get().get(name, name)


@contextlib.contextmanager
def labelled(labels: Mapping[str, str]) -> Iterator[None]:
    """Within the block, messages call each choice of ``labels`` (a Python name) by its label."""
    token = _LABELS.set(MappingProxyType({**_LABELS.get(), **labels}))
    try:
        yield
    finally:
        _LABELS.reset(token)
