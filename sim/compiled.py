"""How the model's kernels are compiled: numba, cached on disk, the cache kept true to the source.

Every compiled function of ``sim`` is declared with :func:`kernel` (``numba.njit`` with
``cache=True``): compiled on its first call on a machine, then loaded from the cache.

numba checks a cached function against the source file it is defined in, not against the files
of the functions it calls and inlines (its documentation says so: "changes in other files are not
detected"): after an edit to ``sim/keys.py`` the deal flows of ``sim/selling.py`` would load
from the cache with the old random numbers. So the cache is stamped with a hash of the source of
every kernel module (:data:`KERNEL_MODULES`), and on import, before any kernel is loaded, a
stamp that does not match removes the cached kernels of those modules, which numba then compiles
afresh.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba

__all__ = ["CONSTANT_MODULES", "KERNEL_MODULES", "kernel", "refresh_cache"]

#: the modules of ``sim`` whose functions are compiled (each may call, and inline, the others')
KERNEL_MODULES = ("keys", "samplers", "development", "selling", "hours", "turnover", "metrics")
#: modules whose constants the kernels read (numba compiles a global's value into the kernel)
CONSTANT_MODULES = ("calendar", "numerics")
HERE = Path(__file__).resolve().parent
STAMP = "coachsim-kernels.sha256"


def kernel(func: Callable | None = None, **options: Any) -> Any:
    """``numba.njit(cache=True, **options)``: a compiled function of the model."""
    if func is None:
        return lambda f: numba.njit(cache=True, **options)(f)
    return numba.njit(cache=True, **options)(func)


def fingerprint() -> str:
    """A hash of the source of every kernel module, with numba's version."""
    digest = hashlib.sha256(numba.__version__.encode())
    for name in (*KERNEL_MODULES, *CONSTANT_MODULES):
        digest.update((HERE / f"{name}.py").read_bytes())
    return digest.hexdigest()


def _cache_dirs() -> list[Path]:
    dirs = [HERE / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        dirs.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    return dirs


def refresh_cache() -> None:
    """Remove the cached kernels if any kernel module changed since they were compiled."""
    current = fingerprint()
    for folder in _cache_dirs():
        stamp = folder / STAMP
        try:
            if stamp.read_text() == current:
                continue
        except OSError:
            pass
        for name in KERNEL_MODULES:
            for cached in (*folder.rglob(f"{name}.*.nbi"), *folder.rglob(f"{name}.*.nbc")):
                cached.unlink(missing_ok=True)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stamp.write_text(current)
        except OSError:  # a read-only install: numba then caches elsewhere, per user
            pass


refresh_cache()
