"""The Mesa conventions analysts rely on: default construction, seeded stepping, batch_run."""

from __future__ import annotations

import mesa
import numpy as np

from sim import CANONICAL, SalesOrgModel


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
    assert model.steps == 10
    assert np.isfinite(model.metrics()["attainment"])


def test_batch_run_rows_carry_canonical_metrics_that_differ():
    rows = mesa.batch_run(
        SalesOrgModel,
        parameters={"coaching_hours_per_rep_month": [0, 3], "org_reps": 40},
        iterations=2,
        max_steps=12,
        display_progress=False,
    )
    assert len(rows) == 4
    for row in rows:
        for name in CANONICAL:
            assert name in row
    assert len({round(row["attainment"], 12) for row in rows}) == 4
