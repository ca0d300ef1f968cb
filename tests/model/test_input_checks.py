"""Hostile input to the model, checked up front: odd scenario references and files, rosters against the
registry's ranges, files that are not rosters, and the Python API's seeds.

Every case must end in one clear message (exit 2 from the command line; a ParameterError,
TypeError or ValueError naming the argument from Python) before any run starts: no traceback,
and nothing of a file that is not a roster or a scenario printed.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.model import SalesOrgModel
from sim.params import ParameterError
from sim.roster import load_roster
from sim.scenario import load
from tests.test_cli import assert_clean_failure

RunCli = Callable[..., subprocess.CompletedProcess[str]]
HEADER = "id,role,manager_id,quota,tenure_weeks\n"


# ----------------------------------------------------------------------------- scenario references and files
@pytest.mark.parametrize(
    ("ref", "needle"),
    [
        pytest.param("", "not an empty string", id="empty"),
        pytest.param("   ", "not an empty string", id="blank"),
        pytest.param(".", "is a folder", id="dot"),
        pytest.param("/", "is a folder", id="root"),
        pytest.param("..", "is a folder", id="dotdot"),
    ],
)
def test_odd_scenario_references_get_one_message(run_cli: RunCli, tmp_path: Path, ref: str, needle: str):
    assert_clean_failure(run_cli("run", ref, "--out", tmp_path / "out"), needle)
    assert not (tmp_path / "out").exists()


def test_an_empty_extends_is_a_clear_error(write_toml):
    path = write_toml("child", 'extends = ""\n[coaching]\nhours_per_rep_month = 3\n')
    with pytest.raises(ParameterError, match=r"child\.toml: extends = '': expected the name .*not an empty string"):
        load(path)


def test_a_toml_file_nested_thousands_deep_is_refused_before_parsing(write_toml):
    path = write_toml("deep", "x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ParameterError, match=r"nested 5000 deep \(at most 16\)"):  # sim.scenario.MAX_NESTING
        load(path)
    inline = write_toml("inline", "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    with pytest.raises(ParameterError, match="nested 3000 deep"):
        load(inline)


def test_brackets_in_strings_and_comments_do_not_count_as_nesting(write_toml):
    text = f'description = "{"[" * 40}"  # {"{" * 40}\n[coaching]\nhours_per_rep_month = 2\n'
    assert load(write_toml("fine", text)).overrides == {"coaching.hours_per_rep_month": 2.0}


def _chain(tmp_path: Path, n: int) -> Path:
    """Scenario files f0 <- f1 <- ... <- f(n-1): each extends the one before; f0 sets the hours."""
    (tmp_path / "f0.toml").write_text('description = "root"\n[coaching]\nhours_per_rep_month = 1\n')
    for i in range(1, n):
        (tmp_path / f"f{i}.toml").write_text(f'extends = "f{i - 1}.toml"\n[sim]\nweeks = {i % 100 + 1}\n')
    return tmp_path / f"f{n - 1}.toml"


def test_an_extends_chain_over_a_thousand_files_is_refused_without_recursion(tmp_path: Path):
    with pytest.raises(ParameterError, match="extends chain is longer than 64 files"):  # sim.scenario.MAX_EXTENDS
        load(_chain(tmp_path, 1100))


def test_an_extends_chain_within_the_limit_applies_every_file_child_last(tmp_path: Path):
    scenario = load(_chain(tmp_path, 60))
    assert scenario.values["coaching.hours_per_rep_month"] == 1.0
    assert scenario.values["sim.weeks"] == 60
    assert scenario.description == "root"


def test_a_scenario_saved_with_a_byte_order_mark_loads(tmp_path: Path):
    path = tmp_path / "bom.toml"
    path.write_bytes("\ufeff[coaching]\nhours_per_rep_month = 3\n".encode())
    assert load(path).overrides == {"coaching.hours_per_rep_month": 3.0}


def test_a_huge_scenario_file_is_refused_unread(tmp_path: Path):
    path = tmp_path / "huge.toml"
    path.write_text("# " + "x" * (2 << 20) + "\n")
    with pytest.raises(ParameterError, match="larger than 1024 kB"):
        load(path)


# ----------------------------------------------------------------------------- rosters
@pytest.mark.parametrize(
    ("row", "needle"),
    [
        pytest.param("r1,rep,m1,0.000001,10", "quota = '0.000001' is not allowed; expected a number from 1", id="tiny"),
        pytest.param("r1,rep,m1,1e13,10", "quota = '1e13'", id="huge"),
        pytest.param("r1,rep,m1,1000000,1e300", "tenure_weeks = '1e300'", id="tenure"),
    ],
)
def test_roster_numbers_are_checked_against_the_registrys_ranges(tmp_path: Path, row: str, needle: str):
    path = tmp_path / "org.csv"
    path.write_text(HEADER + "cro,executive,,0,300\nm1,manager,cro,0,100\n" + row + "\n")
    with pytest.raises(ParameterError) as info:
        load_roster(path)
    assert needle in str(info.value)


def test_a_manager_may_carry_no_quota_but_not_a_tiny_one(tmp_path: Path):
    path = tmp_path / "org.csv"
    path.write_text(HEADER + "cro,executive,,0,300\nm1,manager,cro,0.5,100\nr1,rep,m1,1000000,10\n")
    with pytest.raises(ParameterError, match="expected a number 0, or from 1 to"):
        load_roster(path)


def test_a_file_that_is_not_a_roster_is_never_quoted(run_cli: RunCli, tmp_path: Path):
    secret = "root:$6$s3cr3tHashThatMustNotBePrinted:19000:0:99999:7:::"
    path = tmp_path / "shadow"
    path.write_text(secret + "\ndaemon:*:19000:0:99999:7:::\n")
    done = run_cli("run", "baseline", "--org", path, "--out", tmp_path / "out")
    assert_clean_failure(done, "not a roster")
    assert "s3cr3t" not in done.stderr and "daemon" not in done.stderr


def test_a_roster_column_typo_is_still_named(tmp_path: Path):
    path = tmp_path / "org.csv"
    path.write_text("id,role,manager_id,quota,tenure_week\ncro,executive,,0,300\n")
    with pytest.raises(ParameterError, match=r"unknown column 'tenure_week' \(did you mean tenure_weeks\?\)"):
        load_roster(path)


# ----------------------------------------------------------------------------- seeds from Python
@pytest.mark.parametrize(
    ("seed", "error"),
    [(-1, ValueError), (1.0, TypeError), ("abc", TypeError), (True, TypeError), ([1, 2], TypeError)],
)
def test_the_python_apis_seed_is_checked_with_a_clear_exception(seed, error):
    with pytest.raises(error, match=re.escape(f"seed={seed!r}: a seed is a whole number")):
        SalesOrgModel(seed=seed, org_reps=4)
    with pytest.raises(error, match="seeds="):
        SalesOrgModel(seeds=[1, seed], org_reps=4)


def test_good_seeds_still_build_the_same_run():
    import numpy as np

    a = SalesOrgModel(seed=np.int64(3), org_reps=4)
    b = SalesOrgModel(seed=3, org_reps=4)
    np.testing.assert_array_equal(a.keys, b.keys)
    SalesOrgModel(seed=2**70, org_reps=4)
