"""Rosters: a real org chart from a CSV, checked row by row before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim import SalesOrgModel
from sim.roster import RosterError, load_roster

HEADER = "id,role,manager_id,quota,tenure_weeks,last_year_attainment\n"
GOOD = HEADER + (
    "cro,executive,,0,300,\n"
    "m1,manager,cro,250000,100,\n"
    "m2,manager,cro,0,20,\n"
    "a,rep,m1,1000000,200,1.2\n"
    "b,rep,m1,2000000,30,0.6\n"
    "c,rep,m2,1000000,5,\n"
    "d,rep,m2,1000000,400,0.9\n"
    "e,rep,m2,1000000,100,1.5\n"
)


def write(tmp_path: Path, text: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_shipped_template_builds_an_org(root: Path):
    roster = load_roster(root / "scenarios" / "roster_template.csv")
    model = SalesOrgModel(seed=1, org_roster=str(root / "scenarios" / "roster_template.csv"))
    assert model.org.n_reps == roster.n_reps == 8
    assert model.org.n_managers == 2 and model.org.n_executives == 1
    model.run_model()
    assert np.isfinite(model.metrics()["attainment"])


def test_the_roster_sets_teams_quotas_and_tenure(tmp_path: Path):
    path = write(tmp_path, GOOD)
    model = SalesOrgModel(seed=3, org_roster=str(path), sim_weeks=4)
    roster = load_roster(path)
    assert sorted(len(model.team_seats(m)) for m in range(2)) == [2, 3]
    assert model.org.rep_quota.tolist() == roster.rep_quota.tolist()
    assert model.org.manager_quota.tolist() == [250000.0, 0.0]
    assert model.reps.tenure.tolist() == roster.rep_tenure.tolist()
    # a pure manager (quota 0) plans no selling of their own
    assert model.org.manager_selling_need[1] == 0.0


def test_last_year_attainment_orders_aptitude(tmp_path: Path):
    path = write(tmp_path, GOOD)
    roster = load_roster(path)
    model = SalesOrgModel(seed=5, org_roster=str(path))
    known = np.isfinite(roster.rep_attainment)
    apt = model.reps.aptitude[known]
    assert np.array_equal(np.argsort(apt), np.argsort(roster.rep_attainment[known]))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("cro,executive,,0,1,\nm1,manager,cro,1,1,\na,rep,m9,1,1,\n", "line 4: manager_id 'm9' of 'a' is not an id"),
        ("cro,executive,,0,1,\nm1,manager,cro,1,1,\na,rep,,1,1,\n", "line 4: rep 'a' has no manager_id"),
        ("x,executive,y,0,1,\ny,executive,x,0,1,\nm1,manager,x,1,1,\na,rep,m1,1,1,\n", "cycle: x -> y -> x"),
        ("cro,executive,,0,1,\nm1,manager,cro,1,1,\na,rep,m1,lots,1,\n", "line 4: quota = 'lots' is not allowed"),
        ("cro,executive,,0,1,\nm1,manager,cro,1,1,\na,rep,m1,1,2.5,\n", "line 4: tenure_weeks = '2.5' is not allowed"),
        ("cro,executive,,0,1,\nm1,manager,cro,1,1,\na,rep,m1,1,1,nan\n", "last_year_attainment = 'nan'"),
        ("cro,executive,,0,1,\nm1,manager,cro,1,1,\na,rep,m1,1,1,\na,rep,m1,1,1,\n", "line 5: id 'a' appears twice"),
        ("cro,executive,,0,1,\nm1,manager,cro,1,1,\na,sales rep,m1,1,1,\n", "role = 'sales rep' is not allowed"),
        ("cro,executive,,0,1,\nm1,rep,cro,1,1,\n", "reports to 'cro', an executive; a rep reports to a manager"),
        ("cro,executive,,0,1,\nm1,manager,cro,1,1,\na,rep,m1,1\n", "line 4: 4 fields, expected 6"),
        ("cro,executive,,0,1,\nm1,manager,cro,1,1,\n", "the roster has no reps"),
    ],
)
def test_a_malformed_roster_names_the_row(tmp_path: Path, body: str, expected: str):
    path = write(tmp_path, HEADER + body)
    with pytest.raises(RosterError) as err:
        load_roster(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_a_missing_or_misspelt_column_is_named(tmp_path: Path):
    with pytest.raises(RosterError, match="missing column 'tenure_weeks'"):
        load_roster(write(tmp_path, "id,role,manager_id,quota\ncro,executive,,0\n", "a.csv"))
    with pytest.raises(RosterError, match=r"unknown column 'tenure' \(did you mean tenure_weeks\?\)"):
        load_roster(write(tmp_path, "id,role,manager_id,quota,tenure\n", "b.csv"))


def test_a_missing_file_is_a_roster_error(tmp_path: Path):
    with pytest.raises(RosterError, match="no such roster file"):
        load_roster(tmp_path / "nope.csv")


def test_the_cli_refuses_a_bad_roster_before_running(tmp_path: Path, root: Path):
    path = write(tmp_path, HEADER + "cro,executive,,0,1,\nm1,manager,cro,1,1,\na,rep,m2,1,1,\n")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(root / "run.py"), "run", "baseline", "--org", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "line 4" in proc.stderr and "m2" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists()  # nothing ran on half a roster


def test_the_cli_runs_a_roster(tmp_path: Path, root: Path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            str(root / "run.py"),
            "run",
            "baseline",
            "--org",
            "scenarios/roster_template.csv",
            "--replications",
            "2",
            "--workers",
            "1",
            "--set",
            "sim.weeks=8",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "summary.csv").exists()
