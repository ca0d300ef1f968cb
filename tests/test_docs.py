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
