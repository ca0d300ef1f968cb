"""People as Mesa agents, made when first read: the same people, numbers and tables whoever looks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import Executive, Manager, Rep, SalesOrgModel

ORG = {"org_reps": 120, "sim_warmup_weeks": 0, "sim_weeks": 60}


def _people_in_seats(model: SalesOrgModel) -> set[tuple[type, int, int]]:
    seats = [(Rep, model.rep_agents), (Manager, model.manager_agents), (Executive, model.executive_agents)]
    return {(kind, int(i), int(s.ids[i])) for kind, s in seats for i in np.flatnonzero(s.ids)}


def test_mesa_holds_exactly_the_people_in_seats_after_a_year_of_turnover():
    model = SalesOrgModel(seed=5, **ORG)
    model.run_model()
    assert model.departed, "the year should see someone leave"
    agents = {(type(a), a.index, a.unique_id) for a in model.agents}
    assert agents == _people_in_seats(model)
    assert {Rep, Manager, Executive} == set(model.agent_types)
    assert len(model.agents_by_type[Rep]) == int(model.reps.occupied.sum())
    ids = [a.unique_id for a in model.agents]
    assert len(ids) == len(set(ids))


def test_reading_agents_early_changes_no_number_nor_identity():
    looked, unread = SalesOrgModel(seed=6, **ORG), SalesOrgModel(seed=6, **ORG)
    for week in range(ORG["sim_weeks"]):
        if week % 7 == 0:
            assert len(looked.agents) > 0  # makes every agent, and keeps them through turnover
        looked.step()
        unread.step()
    assert looked.metrics() == unread.metrics()
    pd.testing.assert_frame_equal(looked.rep_table(), unread.rep_table(), check_exact=True)
    pd.testing.assert_frame_equal(looked.manager_table(), unread.manager_table(), check_exact=True)
    assert {(type(a), a.index, a.unique_id) for a in looked.agents} == _people_in_seats(unread)


def test_an_agent_is_a_view_of_its_seat_and_goes_when_its_person_leaves():
    model = SalesOrgModel(seed=7, **ORG)
    seat = int(np.flatnonzero(model.reps.occupied)[0])
    rep = model.rep_agents[seat]
    assert rep is model.rep_agents[seat]  # made once, kept
    assert rep.skill == model.reps.skill[seat]
    assert rep in model.agents
    while model.rep_agents.ids[seat] == rep.unique_id and model.running:
        model.step()
    if model.rep_agents.ids[seat] != rep.unique_id:  # the person left: their agent is gone from Mesa
        assert rep not in model.agents
        assert rep.unique_id in set(pd.concat([pd.DataFrame(d) for d in model.departed])["rep_id"])


def test_an_empty_seat_has_no_agent():
    model = SalesOrgModel(seed=8, **ORG)
    vacant = np.flatnonzero(~model.reps.occupied)
    assert vacant.size, "a generated org starts with a few seats between a quit and a hire"
    assert all(model.rep_agents[i] is None for i in vacant)
    assert len(model.rep_agents) == model.org.n_reps
