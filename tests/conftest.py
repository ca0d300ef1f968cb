"""Shared fixtures: the repository root on the path, small fast models, scenario files, the CLI.

Model factories are session-scoped so that hypothesis tests (which refuse function-scoped
fixtures) can use them too.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.model import SalesOrgModel  # noqa: E402  (needs ROOT on the path)


@pytest.fixture
def root() -> Path:
    """The repository root."""
    return ROOT


# ----------------------------------------------------------------------------- models
ModelFactory = Callable[..., SalesOrgModel]


def _build(values: Mapping[str, Any] | None = None, seed: int = 0) -> SalesOrgModel:
    return SalesOrgModel(seed=seed, params=values)


def _run(values: Mapping[str, Any] | None = None, seed: int = 0) -> SalesOrgModel:
    model = _build(values, seed)
    model.run_model()
    return model


@pytest.fixture(scope="session")
def build_model() -> ModelFactory:
    """``build_model(values, seed)``: a model from dotted parameter names (``{"org.reps": 16}``)."""
    return _build


@pytest.fixture(scope="session")
def run_model() -> ModelFactory:
    """``run_model(values, seed)``: a model run through its warm-up and counted weeks."""
    return _run


# ----------------------------------------------------------------------------- files and CLI
@pytest.fixture
def write_toml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``text`` to ``tmp_path/name`` (``.toml`` added if missing) and return the path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / (name if name.endswith(".toml") else f"{name}.toml")
        path.write_text(text)
        return path

    return write


def cli_env() -> dict[str, str]:
    """The environment for ``run.py`` subprocesses: the repository on PYTHONPATH, shipped scenarios."""
    env = {k: v for k, v in os.environ.items() if k != "COACHSIM_SCENARIOS"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def cli_command(*args: str | os.PathLike[str]) -> list[str]:
    """The command line of ``python run.py ARGS`` with this interpreter."""
    return [sys.executable, str(ROOT / "run.py"), *map(str, args)]


def _cli(*args: str | os.PathLike[str], timeout: float = 120, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args), cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=timeout, **options
    )


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python run.py ARGS`` from the repository root and capture its output."""
    return _cli


def popen_cli(*args: str | os.PathLike[str], **options: Any) -> subprocess.Popen[str]:
    """``python run.py ARGS`` started in a session of its own (so a test can always stop all of it)."""
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **options}
    return subprocess.Popen(cli_command(*args), cwd=ROOT, env=cli_env(), text=True, start_new_session=True, **options)


def run_cli_limited(*args: str | os.PathLike[str], limit: int, value: int) -> subprocess.CompletedProcess[str]:
    """``python run.py ARGS`` under resource limit ``limit`` (``resource.RLIMIT_*``) set to ``value``."""

    def set_limit() -> None:
        resource.setrlimit(limit, (value, value))

    return _cli(*args, timeout=300, preexec_fn=set_limit)
