"""Scenario files: loading shipped and user TOML, `extends`, and one clear message per mistake."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from sim import params as registry
from sim.params import ParameterError
from sim.scenario import Scenario, ScenarioError, load, shipped

WriteToml = Callable[[str, str], Path]


def load_error(ref: str | Path) -> str:
    """The message of the error raised by loading ``ref`` (its type is checked separately)."""
    with pytest.raises(ParameterError) as err:
        load(ref)
    return str(err.value)


# ----------------------------------------------------------------------------- loading
def test_baseline_is_shipped_with_a_description():
    assert "baseline" in shipped()
    scenario = load("baseline")
    assert isinstance(scenario, Scenario)
    assert scenario.name == "baseline"
    assert scenario.description.strip()


def test_baseline_loads_the_same_by_name_and_by_path(root: Path):
    by_name = load("baseline")
    by_path = load(root / "scenarios" / "baseline.toml")
    by_relative_text = load("scenarios/baseline.toml")
    assert by_name.path == by_path.path == by_relative_text.path
    assert by_name.overrides == by_path.overrides == by_relative_text.overrides
    assert by_name.values == by_path.values


def test_baseline_is_the_typical_org_of_the_model_spec():
    values = load("baseline").values
    assert values["coaching.kpi_inspection"] == 0
    assert 0 < values["manager.quota_share"] < 1
    assert values["meetings.cadence_weeks"] == 4
    assert values["coaching.hours_per_rep_month"] is None


def test_keys_left_out_take_registry_defaults(write_toml: WriteToml):
    path = write_toml("three", 'description = "Three hours."\n[coaching]\nhours_per_rep_month = 3\n')
    scenario = load(path)
    assert scenario.name == "three"
    assert scenario.description == "Three hours."
    assert scenario.overrides == {"coaching.hours_per_rep_month": 3.0}
    expected = {**registry.defaults(), "coaching.hours_per_rep_month": 3.0}
    assert scenario.values == expected


def test_values_are_converted_to_the_parameter_type(write_toml: WriteToml):
    path = write_toml("types", "[org]\nreps = 16.0\n[coaching]\nkpi_inspection = 1\n")
    values = load(path).values
    assert values["org.reps"] == 16 and type(values["org.reps"]) is int
    assert values["coaching.kpi_inspection"] == 1.0 and type(values["coaching.kpi_inspection"]) is float


def test_an_empty_file_is_the_default_org(write_toml: WriteToml):
    assert load(write_toml("empty", "")).values == registry.defaults()


# ----------------------------------------------------------------------------- extends
def test_extends_a_shipped_scenario_and_child_keys_override_the_parent(write_toml: WriteToml):
    path = write_toml(
        "protected",
        'extends = "baseline"\n[coaching]\nhours_per_rep_month = 3\nkpi_inspection = 1.0\n',
    )
    parent = load("baseline").values
    values = load(path).values
    assert values["coaching.hours_per_rep_month"] == 3.0
    assert values["coaching.kpi_inspection"] == 1.0  # overridden: baseline sets 0
    assert values["manager.quota_share"] == parent["manager.quota_share"]  # inherited
    assert values["meetings.cadence_weeks"] == parent["meetings.cadence_weeks"]


def test_extends_a_file_relative_to_the_child_through_a_chain(write_toml: WriteToml):
    write_toml("grandparent", "[org]\nreps = 16\n[manager]\nquota_share = 0.5\n")
    write_toml("parent", 'extends = "grandparent.toml"\n[manager]\nquota_share = 0.1\ntraining = 1.0\n')
    child = write_toml("child", 'extends = "parent"\n[manager]\ntraining = 0.5\n')
    values = load(child).values
    assert values["org.reps"] == 16  # from the grandparent
    assert values["manager.quota_share"] == 0.1  # the parent overrides the grandparent
    assert values["manager.training"] == 0.5  # the child overrides the parent


def test_missing_parent_is_a_clear_error(write_toml: WriteToml):
    child = write_toml("orphan", 'extends = "no_such_parent"\n')
    message = load_error(child)
    assert "orphan.toml" in message
    assert "extends" in message
    assert "'no_such_parent'" in message
    assert "baseline" in message  # what is allowed: the shipped scenarios


@pytest.mark.parametrize("length", [1, 2, 3])
def test_an_extends_cycle_is_a_clear_error(write_toml: WriteToml, length: int):
    names = [f"loop{i}" for i in range(length)]
    paths = [write_toml(name, f'extends = "{names[(i + 1) % length]}.toml"\n') for i, name in enumerate(names)]
    message = load_error(paths[0])
    assert "cycle" in message
    for name in names:
        assert f"{name}.toml" in message


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("text", "needles"),
    [
        pytest.param(
            "[coaching]\nhours_per_rep_mnth = 3\n",
            ["'coaching.hours_per_rep_mnth'", "did you mean coaching.hours_per_rep_month?", "run.py params"],
            id="typo-in-key",
        ),
        pytest.param(
            "[coaching]\nbudget = 3\n",
            ["'coaching.budget'", "run.py params"],
            id="unknown-key",
        ),
        pytest.param(
            "[coachng]\nhours_per_rep_month = 3\n",
            ["'coachng'", "did you mean coaching?", "[coaching]", "[manager]", "description", "extends"],
            id="typo-in-section",
        ),
        pytest.param(
            "[budget]\nhours = 3\n",
            ["'budget'", "[coaching]", "[org]"],
            id="unknown-section",
        ),
        pytest.param(
            "reps = 16\n",
            ["'reps'", "did you mean", "[org]"],
            id="parameter-outside-its-section",
        ),
        pytest.param(
            "[coaching]\nkpi_inspection = 1.5\n",
            ["coaching.kpi_inspection = 1.5", "a number from 0 to 1"],
            id="out-of-range",
        ),
        pytest.param(
            "[org]\nreps = 0\n",
            ["org.reps = 0", "a whole number from 1 to"],
            id="below-range",
        ),
        pytest.param(
            '[coaching]\nhours_per_rep_month = "three"\n',
            ["coaching.hours_per_rep_month = 'three'", "a number from 0 to 40", '"unset"'],
            id="string-for-number",
        ),
        pytest.param(
            "[coaching]\nframework = 1\n",
            ["coaching.framework = 1", "true or false"],
            id="number-for-flag",
        ),
        pytest.param(
            "[manager]\nquota_share = true\n",
            ["manager.quota_share = true", "a number from 0 to 1"],
            id="bool-for-number",
        ),
        pytest.param(
            '[coaching]\nallocation = "needz"\n',
            ["coaching.allocation = 'needz'", "'equal', 'needs'", "did you mean 'needs'?"],
            id="unknown-choice",
        ),
        pytest.param(
            "[coaching]\nkpi_inspection = nan\n",
            ["coaching.kpi_inspection = nan", "a number from 0 to 1"],
            id="nan",
        ),
        pytest.param(
            "[manager]\nhours_per_week = inf\n",
            ["manager.hours_per_week = inf", "a number from 10 to 90"],
            id="inf",
        ),
        pytest.param(
            "[manager]\nhours_per_week = -inf\n",
            ["manager.hours_per_week = -inf", "a number from 10 to 90"],
            id="minus-inf",
        ),
        pytest.param(
            "coaching = 3\n",
            ["coaching", "must be a section [coaching]"],
            id="section-given-as-a-value",
        ),
        pytest.param(
            "[coaching.hours_per_rep_month]\nvalue = 3\n",
            ["coaching.hours_per_rep_month", "must be a value"],
            id="value-given-as-a-section",
        ),
        pytest.param(
            "description = 3\n",
            ["description", "must be a string"],
            id="description-not-text",
        ),
        pytest.param(
            "[coaching]\nhours_per_rep_month = 3\nhours_per_rep_month = 4\n",
            ["not valid TOML"],
            id="duplicate-key",
        ),
        pytest.param(
            "[coaching\nhours_per_rep_month = 3\n",
            ["not valid TOML", "line 1"],
            id="malformed-section",
        ),
        pytest.param(
            "[coaching]\nhours_per_rep_month 3\n",
            ["not valid TOML", "line 2"],
            id="malformed-line",
        ),
    ],
)
def test_bad_scenario_files_get_one_message_naming_file_key_and_what_is_allowed(
    write_toml: WriteToml, text: str, needles: list[str]
):
    path = write_toml("bad", text)
    message = load_error(path)
    assert message.startswith(str(path.resolve()) + ": "), message
    assert "\n" not in message
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"


@pytest.mark.parametrize(
    "text",
    [
        "[coaching]\nhours_per_rep_mnth = 3\n",
        "[coaching]\nkpi_inspection = 1.5\n",
        '[coaching]\nhours_per_rep_month = "three"\n',
        "[coaching]\nkpi_inspection = nan\n",
        "[coachng]\nhours_per_rep_month = 3\n",
        "[coaching\n",
    ],
    ids=["unknown-key", "out-of-range", "wrong-type", "nan", "unknown-section", "malformed"],
)
def test_every_problem_in_a_file_is_a_scenario_error(write_toml: WriteToml, text: str):
    # sim/scenario.py promises "any problem raises ScenarioError", so callers can catch that one type
    with pytest.raises(ScenarioError):
        load(write_toml("bad", text))


def test_a_missing_file_is_a_clear_error(tmp_path: Path):
    missing = tmp_path / "missing.toml"
    message = load_error(missing)
    assert str(missing) in message
    assert "shipped scenarios: " in message and "baseline" in message


def test_an_unknown_scenario_name_suggests_the_closest_shipped_one():
    message = load_error("baselin")
    assert "'baselin'" in message
    assert "did you mean baseline?" in message


def test_a_file_that_is_not_text_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00[coaching]\n")
    message = load_error(path)
    assert message.startswith(f"{path.resolve()}: ")
    assert "not a text file" in message


def test_an_unreadable_file_is_a_clear_error(write_toml: WriteToml, monkeypatch: pytest.MonkeyPatch):
    path = write_toml("locked", "[org]\nreps = 16\n").resolve()
    real_open = Path.open

    def deny(self: Path, *args: object, **kwargs: object):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    # chmod cannot lock a file against root, so the refusal is simulated where the file is opened
    monkeypatch.setattr(Path, "open", deny)
    message = load_error(path)
    assert re.fullmatch(rf"{re.escape(str(path))}: cannot read the file: Permission denied", message), message


def test_overrides_are_checked_and_named_by_origin():
    scenario = load("baseline").with_overrides({"org.reps": 16.0})
    assert scenario.values["org.reps"] == 16
    with pytest.raises(ParameterError) as err:
        load("baseline").with_overrides({"org.rep": 16})
    assert str(err.value).startswith("--set: unknown parameter 'org.rep' (did you mean org.reps?)")
    with pytest.raises(ParameterError, match=r"^--set: org\.reps = 0 is not allowed"):
        load("baseline").with_overrides({"org.reps": 0})


def test_an_unstaffable_policy_is_not_an_error(write_toml: WriteToml):
    path = write_toml("heavy", 'extends = "baseline"\n[coaching]\nhours_per_rep_month = 40\n')
    assert load(path).values["coaching.hours_per_rep_month"] == 40.0


def test_a_child_can_unset_a_nullable_parameter_and_inherits_the_description(tmp_path):
    parent = tmp_path / "parent.toml"
    parent.write_text('description = "three hours"\n[coaching]\nhours_per_rep_month = 3\n')
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\n[coaching]\nhours_per_rep_month = "unset"\n')
    from sim.scenario import load

    scenario = load(child)
    assert scenario.values["coaching.hours_per_rep_month"] is None
    assert scenario.description == "three hours"
