"""The parameter registry: its integrity, and how check(), parse() and resolve() treat values."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import params as registry
from sim.params import REGISTRY, Param, ParameterError, by_kwarg, by_name, resolve

NUMERIC = [p for p in REGISTRY if p.choices is None and p.kind in (int, float)]
FLOATS = [p for p in NUMERIC if p.kind is float]
INTS = [p for p in NUMERIC if p.kind is int]
CHOICES = [p for p in REGISTRY if p.choices is not None]
BOOLS = [p for p in REGISTRY if p.kind is bool]
PATHS = [p for p in REGISTRY if p.kind is str and p.choices is None]
REQUIRED_VALUE = [p for p in REGISTRY if not p.nullable]
#: Parameters whose values are numbers, flags or choices (not file paths).
VALUED = [p for p in REGISTRY if p not in PATHS]

REQUIRED_NAMES = (
    "org.reps",
    "org.span_of_control",
    "org.managers_per_executive",
    "coaching.hours_per_rep_month",
    "coaching.allocation",
    "coaching.kpi_inspection",
    "manager.ride_along_habit",
    "coaching.framework",
    "meetings.cadence_weeks",
    "meetings.duration_hours",
    "manager.quota_share",
    "manager.admin_hours_per_week",
    "manager.admin_hours_per_rep",
    "manager.distraction_hours_per_week",
    "manager.training",
    "executive.coaching_hours_per_manager_month",
    "executive.field_visits_per_manager_quarter",
    "executive.deal_focus_share",
    "promotion.policy",
    "sim.weeks",
    "sim.warmup_weeks",
)


def ids(params: list[Param]) -> list[str]:
    """Test ids: the dotted names."""
    return [p.name for p in params]


# ----------------------------------------------------------------------------- integrity
def test_registry_names_are_unique_and_dotted():
    names = [p.name for p in REGISTRY]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z]+\.[a-z][a-z0-9_]*", name), name


def test_registry_holds_every_parameter_the_issue_names():
    missing = set(REQUIRED_NAMES) - {p.name for p in REGISTRY}
    assert not missing


@pytest.mark.parametrize("param", REGISTRY, ids=ids(list(REGISTRY)))
def test_every_parameter_is_documented(param: Param):
    assert param.unit.strip()
    assert param.help.strip()
    assert param.allowed().strip()
    if param.nullable:
        assert param.null_help.strip()


@pytest.mark.parametrize("param", REGISTRY, ids=ids(list(REGISTRY)))
def test_every_default_passes_its_own_check(param: Param):
    assert param.check(param.default) == param.default


@pytest.mark.parametrize("param", NUMERIC, ids=ids(NUMERIC))
def test_numeric_ranges_are_well_formed(param: Param):
    assert param.low is not None and param.high is not None
    assert param.low <= param.high


@pytest.mark.parametrize("param", CHOICES, ids=ids(CHOICES))
def test_choice_parameters_have_distinct_choices_of_their_kind(param: Param):
    assert param.choices
    assert len(set(param.choices)) == len(param.choices)
    assert all(type(c) is param.kind for c in param.choices)


def test_keyword_names_are_dotted_names_with_underscore():
    for p in REGISTRY:
        assert p.kwarg == p.name.replace(".", "_") == registry.kwarg_name(p.name)
        assert by_kwarg(p.kwarg) is p
        assert by_name(p.name) is p
        assert f"{p.section}.{p.key}" == p.name
    assert len({p.kwarg for p in REGISTRY}) == len(REGISTRY)


def test_defaults_cover_the_whole_registry():
    assert registry.defaults() == {p.name: p.default for p in REGISTRY}


# ----------------------------------------------------------------------------- check()


def assert_rejected(param: Param, *values: object) -> None:
    """Each value is rejected with a message naming the parameter and what is allowed."""
    for value in values:
        with pytest.raises(ParameterError) as err:
            param.check(value)
        assert param.name in str(err.value), value
        assert param.allowed() in str(err.value), value


@pytest.mark.parametrize("param", NUMERIC, ids=ids(NUMERIC))
def test_check_rejects_wrong_types_for_numbers(param: Param):
    assert_rejected(param, "3", "", [1], {"a": 1})


@pytest.mark.parametrize("param", NUMERIC, ids=ids(NUMERIC))
def test_check_rejects_a_bool_given_for_a_number(param: Param):
    assert_rejected(param, True, False)


@pytest.mark.parametrize("param", NUMERIC, ids=ids(NUMERIC))
def test_check_rejects_nan_and_infinity(param: Param):
    assert_rejected(param, math.nan, math.inf, -math.inf)


@pytest.mark.parametrize("param", NUMERIC, ids=ids(NUMERIC))
def test_check_rejects_values_out_of_range(param: Param):
    step = 1 if param.kind is int else max(abs(param.high - param.low) * 1e-3, 1e-9)
    assert_rejected(param, param.low - step, param.high + step)


@pytest.mark.parametrize("param", INTS, ids=ids(INTS))
def test_whole_number_parameters_reject_fractions_and_accept_integral_floats(param: Param):
    low = int(param.low)
    assert param.check(float(low)) == low
    assert type(param.check(float(low))) is int
    with pytest.raises(ParameterError, match="whole number"):
        param.check(low + 0.5)


@pytest.mark.parametrize("param", BOOLS, ids=ids(BOOLS))
def test_flags_accept_only_true_or_false(param: Param):
    assert param.check(True) is True
    assert param.check(False) is False
    assert_rejected(param, 1, 0, "true", 1.0)


@pytest.mark.parametrize("param", PATHS, ids=ids(PATHS))
def test_path_parameters_take_a_non_empty_string(param: Param):
    assert param.check("org.csv") == "org.csv"
    assert_rejected(param, "", "   ", 3, True)


def test_unknown_choice_is_rejected_with_a_did_you_mean():
    with pytest.raises(ParameterError) as err:
        by_name("coaching.allocation").check("equl", "here.toml")
    message = str(err.value)
    assert message.startswith("here.toml: coaching.allocation")
    assert "did you mean 'equal'?" in message
    for choice in by_name("coaching.allocation").choices:
        assert repr(choice) in message


def test_numeric_choices_reject_values_not_listed_and_bools():
    cadence = by_name("meetings.cadence_weeks")
    assert cadence.check(4.0) == 4
    for value in (3, True, "4"):
        with pytest.raises(ParameterError, match="one of"):
            cadence.check(value)


def test_coaching_hours_are_nullable_and_none_means_unset():
    hours = by_name("coaching.hours_per_rep_month")
    assert hours.nullable
    assert hours.check(None) is None
    assert '"unset"' in hours.allowed()
    assert hours.check("unset") is None
    assert hours.check(3) == 3.0


@pytest.mark.parametrize("param", REQUIRED_VALUE, ids=ids(REQUIRED_VALUE))
def test_only_nullable_parameters_accept_none(param: Param):
    with pytest.raises(ParameterError):
        param.check(None)


@pytest.mark.parametrize(
    ("name", "value"),
    [("org.reps", np.int64(16)), ("coaching.kpi_inspection", np.float64(0.5)), ("coaching.framework", np.bool_(True))],
    ids=["int64", "float64", "bool_"],
)
def test_check_accepts_numpy_scalars_as_from_a_numpy_sweep(name: str, value: object):
    # mesa.batch_run(SalesOrgModel, parameters={"org_reps": np.arange(16, 65, 16)}) passes numpy scalars.
    assert by_name(name).check(value) == value.item()


# ----------------------------------------------------------------------------- parse()
@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("org.reps", "16", 16),
        ("org.reps", " +16 ", 16),
        ("org.reps", "1e3", 1000),
        ("org.reps", "16.0", 16),
        ("coaching.kpi_inspection", "0.5", 0.5),
        ("coaching.kpi_inspection", "1", 1.0),
        ("coaching.hours_per_rep_month", "3", 3.0),
        ("coaching.hours_per_rep_month", "none", None),
        ("coaching.hours_per_rep_month", "unset", None),
        ("coaching.framework", "true", True),
        ("coaching.framework", "Yes", True),
        ("coaching.framework", "off", False),
        ("coaching.framework", "0", False),
        ("coaching.allocation", "needs", "needs"),
        ("meetings.cadence_weeks", "13", 13),
        ("promotion.policy", "hire_experienced", "hire_experienced"),
    ],
)
def test_parse_converts_command_line_strings(name: str, text: str, expected: object):
    value = by_name(name).parse(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("org.reps", "abc"),
        ("org.reps", "16.5"),
        ("org.reps", "0"),
        ("org.reps", ""),
        ("coaching.kpi_inspection", "nan"),
        ("coaching.kpi_inspection", "inf"),
        ("coaching.kpi_inspection", "1.5"),
        ("coaching.hours_per_rep_month", "lots"),
        ("coaching.framework", "maybe"),
        ("coaching.allocation", "Equal"),
        ("meetings.cadence_weeks", "3"),
    ],
)
def test_parse_rejects_bad_command_line_strings(name: str, text: str):
    with pytest.raises(ParameterError) as err:
        by_name(name).parse(text, "--set")
    assert str(err.value).startswith(f"--set: {name} = ")
    assert by_name(name).allowed() in str(err.value)


# ----------------------------------------------------------------------------- resolve()
def test_resolve_fills_defaults_and_applies_checked_values():
    values = resolve({"org.reps": 16.0, "coaching.hours_per_rep_month": 3})
    assert set(values) == {p.name for p in REGISTRY}
    assert values["org.reps"] == 16 and type(values["org.reps"]) is int
    assert values["coaching.hours_per_rep_month"] == 3.0
    untouched = {k: v for k, v in values.items() if k not in ("org.reps", "coaching.hours_per_rep_month")}
    assert untouched == {k: v for k, v in registry.defaults().items() if k in untouched}


@pytest.mark.parametrize(
    ("name", "closest"),
    [
        ("coaching.hours_per_rep_mnth", "coaching.hours_per_rep_month"),
        ("coachng.allocation", "coaching.allocation"),
        ("org_reps", "org.reps"),
        ("manager.quota_shares", "manager.quota_share"),
    ],
)
def test_resolve_rejects_unknown_names_with_the_closest_name(name: str, closest: str):
    with pytest.raises(ParameterError) as err:
        resolve({name: 1}, "my.toml")
    message = str(err.value)
    assert message.startswith("my.toml: ")
    assert repr(name) in message
    assert f"did you mean {closest}?" in message


def test_resolve_rejects_bad_values_naming_the_origin():
    with pytest.raises(ParameterError, match=r"^my\.toml: manager\.quota_share = 2 is not allowed"):
        resolve({"manager.quota_share": 2}, "my.toml")


# ----------------------------------------------------------------------------- properties
def as_text(value: object) -> str:
    """How a user would type ``value`` after ``--set key=``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else repr(value)


@st.composite
def in_range(draw: st.DrawFn) -> tuple[Param, object]:
    """A parameter and any value its registry entry allows."""
    param = draw(st.sampled_from(VALUED))
    if param.choices is not None:
        value = draw(st.sampled_from(param.choices))
    elif param.kind is bool:
        value = draw(st.booleans())
    elif param.kind is int:
        value = draw(st.integers(int(param.low), int(param.high)))
    else:
        value = draw(st.floats(param.low, param.high, allow_nan=False, allow_infinity=False))
    if param.nullable:
        value = draw(st.sampled_from([None, value]))
    return param, value


@given(in_range())
def test_any_in_range_value_is_accepted_and_round_trips(case: tuple[Param, object]):
    param, value = case
    checked = param.check(value)
    assert checked == value
    assert param.check(checked) == checked
    assert param.parse(as_text(value)) == value


@given(st.sampled_from(FLOATS), st.floats(min_value=1e-6, max_value=1e6), st.booleans())
def test_any_float_outside_the_range_is_rejected(param: Param, excess: float, above: bool):
    value = param.high + excess if above else param.low - excess
    if value == (param.high if above else param.low):  # excess lost to rounding
        return
    with pytest.raises(ParameterError):
        param.check(value)


def test_every_fitted_parameter_says_it_is_calibrated():
    from analysis.evidence.calibration import FREE

    for name in FREE:
        assert "calibrated" in by_name(name).source, name
