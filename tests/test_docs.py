"""The generated documentation is in step with the code it is generated from."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import cli_env


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
    from analysis.common.limits import MAX_KEPT_RUNS, MAX_SWEEP_RUNS
    from analysis.runs.executors import MAX_WORKERS_PER_CORE

    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"at most {MAX_KEPT_RUNS:,} runs" in readme and f"at most {MAX_SWEEP_RUNS:,} runs" in readme
    assert f"at most {MAX_WORKERS_PER_CORE} a core" in readme
    exit_codes = readme.split("### Exit codes", 1)[1].split("\n\n", 2)[1]
    assert [row.split("|")[1].strip() for row in exit_codes.splitlines()[2:]] == ["0", "1", "2", "130", "141"]


def _script(root: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, root / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_defines_every_metric_as_the_code_does(root):
    from sim.metrics import METRICS

    make = _script(root, "make_metrics")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert make.section(readme) == make.render(), "README.md's Metrics section is out of date: run docs/make_metrics.py"
    rows = make.section(readme).splitlines()[2:]
    assert len(rows) == len(METRICS)
    for m, row in zip(METRICS, rows, strict=True):
        assert row.startswith(f"| `{m.name}` | {m.label} | {m.unit} |") and m.help in row


def test_the_odds_ensemble_tables_are_the_shipped_ensembles(root):
    assert _script(root, "make_ensemble").main(["--check"]) == 0, (
        "docs/ODD.md's ensemble tables are out of date: run `python docs/make_ensemble.py`"
    )


#: Makes every Python process of the test start its worker processes by ``spawn``, as on macOS
#: and Windows (a ``sitecustomize`` runs in each new interpreter, so the workers' own pools too).
SPAWN_EVERYWHERE = """
import analysis.runs.executors as executors
executors._default_start_method = lambda: None  # the platform's default: spawn, once Mesa is imported
"""


def test_the_readmes_python_snippet_runs_as_a_script_with_spawned_workers(root, tmp_path):
    readme = (root / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"^## Python\n\n```python\n(.*?)^```", readme, re.S | re.M)
    assert snippet, "README.md has no ```python block under ## Python"
    script = tmp_path / "readme_snippet.py"
    script.write_text(snippet.group(1))
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SPAWN_EVERYWHERE)
    env = cli_env()
    env["PYTHONPATH"] = f"{site}:{env['PYTHONPATH']}"
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    for scenario in ("baseline", "coaching_3h", "quota_share_0"):
        assert scenario in done.stdout  # the comparison's table was printed
