"""The generated documentation is in step with the code it is generated from."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _make_parameters(root: Path):
    spec = importlib.util.spec_from_file_location("make_parameters", root / "docs" / "make_parameters.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parameter_reference_matches_the_registry(root):
    expected = _make_parameters(root).render()
    committed = (root / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert committed == expected, "docs/parameters.md is out of date: run `python docs/make_parameters.py`"


def test_the_readme_states_the_limits_and_exit_codes_the_code_has(root):
    from analysis.executors import MAX_WORKERS_PER_CORE
    from analysis.limits import MAX_KEPT_RUNS, MAX_SWEEP_RUNS

    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"at most {MAX_KEPT_RUNS:,} runs" in readme and f"at most {MAX_SWEEP_RUNS:,} runs" in readme
    assert f"at most {MAX_WORKERS_PER_CORE} a core" in readme
    exit_codes = readme.split("### Exit codes", 1)[1].split("\n\n", 2)[1]
    assert [row.split("|")[1].strip() for row in exit_codes.splitlines()[2:]] == ["0", "1", "2", "130", "141"]
