"""Where the Mesa releases coachsim runs on differ, bridged in one place.

coachsim runs on Mesa 3.3 (the newest for Python 3.11) and on Mesa 3.5.1 or newer below 4
(Python 3.12 and newer); ``pyproject.toml``'s environment markers pick one. The model reaches the
APIs that differ only through this module, which tests Mesa for the feature rather than reading
its version, so that Mesa 4.0 (which removes ``seed=`` and ``model.steps``) needs no change to
the model.

================  ================================  ================================  ==================
                  Mesa 3.3                          Mesa 3.5                          Mesa 4.0
================  ================================  ================================  ==================
seeding           ``seed=`` or ``rng=``: the same   ``seed=`` deprecated              ``rng=`` only
                  generators for a whole number     (FutureWarning)
step counter      ``model.steps``                   ``model.steps`` and               ``model.time``
                                                    ``model.time``                    only
agent ids         ``Agent._ids``, a class dict      the model's own counter           the same
                  keyed by model: every model
                  stays alive (fixed in 3.4.2)
================  ================================  ================================  ==================

- :func:`rng_argument`: coachsim's ``seed=`` and ``rng=`` as the one ``rng=`` every Mesa takes.
  For a whole number ``S`` Mesa 3.3 builds ``model.rng = default_rng(S)`` and
  ``model.random = Random(S)`` from ``rng=S`` exactly as from ``seed=S``, so a run is bit for bit
  what it was with ``seed=``.
- :func:`steps`: how many steps the model has begun, read from ``model.time`` where Mesa has it
  (3.5 and later, where it advances by exactly 1.0 a step when no simulator drives the model)
  and from ``model.steps`` before.
- :func:`release`: lets a finished model be garbage-collected on a Mesa that leaks it, and does
  nothing on one that does not (:data:`AGENT_IDS_LEAK`).
"""

from __future__ import annotations

import inspect
from typing import Any

import mesa

__all__ = ["AGENT_IDS_LEAK", "STEP_COUNTER", "release", "rng_argument", "steps"]

#: The model attribute that counts steps begun: ``time`` on Mesa 3.5 and later (``steps`` is
#: gone in 4.0), ``steps`` on Mesa 3.3 (which has no ``time``). Mesa 3.4 sets both, ``time``
#: only on the instance, so it reads ``steps``. (Mesa 3.5 declares ``time`` on the class as an
#: observable whose class-level read fails, hence ``getattr_static``.)
STEP_COUNTER = "time" if inspect.getattr_static(mesa.Model, "time", None) is not None else "steps"

#: Whether this Mesa keeps every model alive: Mesa 3.3 numbers agents from a class attribute,
#: ``mesa.Agent._ids``, a dict keyed by the model (mesa issue #3179, fixed in 3.4.2, where each
#: model counts its own agents).
AGENT_IDS_LEAK = isinstance(vars(mesa.Agent).get("_ids"), dict)


def rng_argument(seed: int | None = None, rng: Any = None) -> Any:
    """The ``rng=`` to hand ``mesa.Model.__init__`` for a model made with ``seed=`` or ``rng=``.

    Raises ValueError when both are given, as Mesa 3 does.
    """
    if seed is not None and rng is not None:
        raise ValueError("pass seed= or rng=, not both")
    return rng if seed is None else seed


def steps(model: mesa.Model) -> int:
    """How many times ``model.step()`` has begun (0 before the first; 1 during the first)."""
    return int(getattr(model, STEP_COUNTER))


def release(model: mesa.Model) -> None:
    """Let a finished ``model`` be garbage-collected; a no-op on a Mesa that does not leak it.

    On Mesa 3.3 every model ever built stays alive with all its agents and arrays, held by
    ``mesa.Agent._ids``: a process running thousands of runs would grow by a model per run.
    Dropping the finished model's entry keeps it flat. Mesa 3.4.2 and later hold no such
    reference, and their ``Agent`` has no ``_ids`` to touch.
    """
    if AGENT_IDS_LEAK:
        mesa.Agent._ids.pop(model, None)
