"""The model takes its parameters by dotted name (``params=``) or by keyword, the same run either way.

Values are checked once: ``registry.resolve`` is cheap and idempotent, so values a caller resolved
already (a Scenario's ``values``) pass through the model's own check unchanged.
"""

from __future__ import annotations

import timeit

import numpy as np
import pytest

from sim import params as registry
from sim.metrics import CANONICAL
from sim.model import SalesOrgModel
from sim.params import ParameterError, kwarg_name
from sim.scenario import load

SMALL = {"org.reps": 16, "sim.weeks": 14, "sim.warmup_weeks": 2}


def _metrics(model: SalesOrgModel) -> dict[str, float]:
    model.run_model()
    return model.metrics()


def test_dotted_names_and_keywords_make_the_same_run():
    values = load("coaching_3h").with_overrides(SMALL).values
    by_name = SalesOrgModel(seed=3, params=values)
    by_keyword = SalesOrgModel(seed=3, **{kwarg_name(k): v for k, v in values.items()})
    assert by_name.params == by_keyword.params == values
    a, b = _metrics(by_name), _metrics(by_keyword)
    np.testing.assert_array_equal([a[m] for m in CANONICAL], [b[m] for m in CANONICAL])  # exactly; NaN is NaN


def test_dotted_names_and_keywords_combine_when_they_name_different_parameters():
    model = SalesOrgModel(seed=1, params={"org.reps": 16}, coaching_hours_per_rep_month=3.0)
    assert model.params["org.reps"] == 16 and model.params["coaching.hours_per_rep_month"] == 3.0


def test_a_parameter_given_both_ways_is_refused():
    with pytest.raises(ParameterError, match=r"org\.reps is given twice, in params and as org_reps="):
        SalesOrgModel(seed=1, params={"org.reps": 16}, org_reps=32)


def test_an_unknown_dotted_name_is_refused_with_a_suggestion():
    with pytest.raises(ParameterError, match=r"SalesOrgModel: unknown parameter 'org.rep'.*did you mean org\.reps"):
        SalesOrgModel(seed=1, params={"org.rep": 16})


def test_params_must_be_a_mapping():
    with pytest.raises(TypeError, match="expected a mapping"):
        SalesOrgModel(seed=1, params=[("org.reps", 16)])


def test_resolve_is_idempotent_and_cheap_so_checked_values_are_not_checked_at_a_cost():
    values = load("baseline").values  # resolved by the scenario, at the edge
    assert registry.resolve(values) == values
    seconds = min(timeit.repeat(lambda: registry.resolve(values), number=20, repeat=3)) / 20
    assert seconds < 0.005  # about a tenth of a millisecond; a model run takes a thousand times longer
