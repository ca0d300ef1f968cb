"""The Mesa conventions analysts rely on: default construction, seeded stepping, batch_run."""

from __future__ import annotations

import inspect

import mesa
import numpy as np

from sim import CANONICAL, SalesOrgModel
from sim.mesa_compat import steps


def test_default_model_builds_a_sensible_org():
    model = SalesOrgModel()
    assert model.org.n_reps == 64
    assert model.org.n_managers == 8
    assert model.org.n_executives == 1
    # a few seats start between a quit and a hire, as in the steady state; the rest hold a Rep
    occupied = int(model.reps.occupied.sum())
    assert 56 <= occupied <= 64
    assert len(model.agents) == occupied + 8 + 1


def test_seed_42_steps_ten_times():
    model = SalesOrgModel(seed=42, sim_warmup_weeks=0)  # count from week 1 (the default warms up a year)
    for _ in range(10):
        model.step()
    assert steps(model) == 10
    assert np.isfinite(model.metrics()["attainment"])


def test_batch_run_rows_carry_canonical_metrics_that_differ():
    # Mesa 3.4 and later take a seed per iteration (rng=[...], handed to the model's seed=) and
    # deprecate iterations=; Mesa 3.3 has only iterations=, whose runs are unseeded.
    seeded = "rng" in inspect.signature(mesa.batch_run).parameters
    # the policy, inspected from week 0, so that two runs on one seed differ
    policy = {"coaching_kpi_inspection": 1.0, "org_reps": 40, "sim_warmup_weeks": 0}
    parameters = {"coaching_hours_per_rep_month": [0, 3], **policy}
    rows = mesa.batch_run(
        SalesOrgModel,
        parameters=parameters,
        **({"rng": [1, 2]} if seeded else {"iterations": 2}),
        max_steps=12,
        display_progress=False,
    )
    assert len(rows) == 4
    for row in rows:
        for name in CANONICAL:
            assert name in row
    assert len({round(row["attainment"], 12) for row in rows}) == 4
    if seeded:  # each row is the model run alone with that seed (a row's policy column holds the metric)
        alone = []
        for seed in (1, 2):
            for hours in (0, 3):
                model = SalesOrgModel(seed=seed, coaching_hours_per_rep_month=hours, **policy)
                for _ in range(12):
                    model.step()
                alone.append((seed, model.datacollector.get_model_vars_dataframe()["attainment"].iloc[-1]))
        assert sorted((row["seed"], row["attainment"]) for row in rows) == sorted(alone)
