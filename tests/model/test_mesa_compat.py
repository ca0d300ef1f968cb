"""sim.mesa_compat on the installed Mesa: each branch is the one this Mesa needs, and does its job.

CI runs this file on Mesa 3.3 (Python 3.11) and on Mesa 3.5 (Python 3.12), so both branches of
every bridge run somewhere; each test says which Mesa takes which branch.
"""

from __future__ import annotations

import gc
import random
import warnings
import weakref

import mesa
import numpy as np
import pytest
from packaging.version import Version

from analysis.runs import runner
from sim import SalesOrgModel, mesa_compat
from sim.mesa_compat import AGENT_IDS_LEAK, STEP_COUNTER, release, rng_argument, steps

mesa_version = Version(mesa.__version__)
TINY = {"org_reps": 8, "sim_warmup_weeks": 0, "sim_weeks": 6}


def test_the_branches_taken_are_the_ones_documented_for_this_mesa():
    documented_counter = "time" if mesa_version >= Version("3.5") else "steps"
    documented_leak = mesa_version < Version("3.4.2")
    assert documented_counter == mesa_compat.STEP_COUNTER
    assert documented_leak == mesa_compat.AGENT_IDS_LEAK


def test_steps_counts_the_steps_begun_and_agrees_with_mesa():
    model = SalesOrgModel(seed=1, **TINY)
    assert steps(model) == 0
    seen = []
    model.step = _spy(model.step, lambda: seen.append(steps(model)))
    for _ in range(3):
        model.step()
    assert steps(model) == 3
    assert seen == [0, 1, 2]  # read just before each step, as the model reads it inside: 1, 2, 3
    assert model.ledger.weeks == 3
    if hasattr(model, "steps"):  # Mesa 3 (4.0 has only time)
        assert model.steps == 3
    if STEP_COUNTER == "time":  # Mesa 3.5 and later
        assert model.time == 3.0


def _spy(step, before):
    def wrapped():
        before()
        step()

    return wrapped


def test_a_run_stops_after_its_weeks_whichever_counter_mesa_keeps():
    model = SalesOrgModel(seed=2, **TINY)
    model.run_model()
    assert steps(model) == model.total_weeks == 6
    assert not model.running
    assert len(model.datacollector.get_model_vars_dataframe()) == 7  # week 0 and each week


@pytest.mark.parametrize("seed", [0, 7, 2**40 + 3])
def test_rng_argument_seeds_mesa_as_seed_did(seed):
    model = mesa.Model(rng=rng_argument(seed=seed))
    np.testing.assert_array_equal(model.rng.random(5), np.random.default_rng(seed).random(5))
    if mesa_version < Version("4.0.0a0"):
        # Mesa 4 seeds model.random from its scenario's rng state instead; the model draws only
        # from model.rng, so its runs do not change
        expected = random.Random(seed)
        assert [model.random.random() for _ in range(3)] == [expected.random() for _ in range(3)]
    if mesa_version < Version("3.5"):  # where seed= is not deprecated, it gives the very same generators
        old = mesa.Model(seed=seed)
        assert old.rng.bit_generator.state == mesa.Model(rng=seed).rng.bit_generator.state
        assert old.random.getstate() == mesa.Model(rng=seed).random.getstate()


def test_rng_argument_passes_an_rng_through_and_refuses_both():
    gen = np.random.default_rng(5)
    assert rng_argument(rng=gen) is gen
    assert rng_argument() is None
    with pytest.raises(ValueError, match="not both"):
        rng_argument(seed=1, rng=2)
    with pytest.raises(ValueError, match="not both"):
        SalesOrgModel(seed=1, rng=2, **TINY)


def test_building_and_stepping_the_model_warns_of_nothing_mesa_deprecates():
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        for model in (SalesOrgModel(seed=3, **TINY), SalesOrgModel(seeds=[3, 4], **TINY), SalesOrgModel(**TINY)):
            model.run_model()
            steps(model)


def test_seed_and_rng_of_the_same_number_give_the_same_run():
    a, b = SalesOrgModel(seed=11, **TINY), SalesOrgModel(rng=11, **TINY)
    a.run_model()
    b.run_model()
    np.testing.assert_equal(a.metrics(), b.metrics())  # NaN where no rep finished a year


def _dropped_model_ref(read_agents: bool = True, **kwargs) -> weakref.ref:
    model = SalesOrgModel(seed=4, **TINY, **kwargs)
    model.run_model()
    if read_agents:
        assert len(model.agents) > 0  # makes every person's Mesa agent
    return weakref.ref(model)


def test_a_model_whose_agents_nobody_read_is_never_kept_alive():
    ref = _dropped_model_ref(read_agents=False)
    gc.collect()
    assert ref() is None


def test_a_dropped_model_stays_alive_exactly_where_mesa_leaks_it():
    ref = _dropped_model_ref()
    gc.collect()
    try:
        assert (ref() is not None) == AGENT_IDS_LEAK
    finally:
        if ref() is not None:
            release(ref())


def test_release_lets_a_finished_model_go_on_every_mesa():
    model = SalesOrgModel(seed=5, **TINY)
    model.run_model()
    ref = weakref.ref(model)
    release(model)
    del model
    gc.collect()
    assert ref() is None


def test_release_touches_mesa_only_where_it_leaks(monkeypatch):
    """Where Mesa does not leak, release leaves ``mesa.Agent`` alone, even one with an ``_ids``."""
    model = SalesOrgModel(seed=6, **TINY)
    fake = {model: object()}
    monkeypatch.setattr(mesa.Agent, "_ids", fake, raising=False)
    monkeypatch.setattr(mesa_compat, "AGENT_IDS_LEAK", False)
    release(model)
    assert model in fake
    monkeypatch.setattr(mesa_compat, "AGENT_IDS_LEAK", True)
    release(model)
    assert model not in fake


def test_the_runner_releases_through_the_compat_module():
    assert runner.release is release
