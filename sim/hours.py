"""The week's hours: who spends which hour on what (ODD 7.2, 7.4 and 7.6).

Every hour of every person has a named use, decided by one rule that is the same with or
without a coaching policy. The rules are pure functions of arrays (one entry per person), so
that they can be read, and tested, apart from the model that calls them.

The manager's rule (:func:`manager_week`) is the heart of the model's "what gives":

1. fixed demands first (admin, distractions, the team meeting when due); what is left is the
   manager's *discretionary* week;
2. the typical week: own selling toward the personal quota first, raised by quota pressure when
   the manager is behind (article A001: they carry a big quota and struggle to find time to do
   much other than chase it);
3. the spare hours go where they go in the typical org, by habit: a share to customer service
   and delivery work (article A003: managers "hang on to existing customers, and get engaged in
   customer service or delivery work"), the rest to the team;
4. the time with the team is real coaching and riding along on the reps' deals (joint selling)
   in the manager's habitual mix (article A003: managers who ride along believe they are
   coaching);
5. a coaching policy sets a **floor** of real one-on-one coaching; the inspected share of it is
   protected (article A000: people respect what you inspect). What the habitual coaching leaves
   of it is taken from customer work, then from own selling (inspection keeps the floor out of
   quota pressure's reach) and, only when neither has hours left, from riding along.

The model applies the rule rep by rep (``SalesOrgModel._plan_hours``): the typical week's time
with the team is spread by the manager's habit, which leans toward the reps furthest behind
(``manager.remediation_tilt``), and the policy's floor is each rep's own, as the allocation rule
sets it; a rep whose habitual coaching is above it keeps that, so the team's floor is the sum
over its reps of the larger of the two, and a target only adds to what a rep receives.

A policy changes what it sets and nothing else: a manager whose habit already gives the
protected floor keeps the typical week, and for the others a target can only move hours from
customer work and own selling to real coaching, and from riding along to real coaching.
No hour is left idle; a team with no one in seat gets none of the manager's time: customer work
keeps its share of the spare hours and the rest goes to the manager's own deals.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["ManagerWeek", "effective_inspection", "manager_week"]


class ManagerWeek(NamedTuple):
    """A manager's discretionary week: own selling, customer work, and the time with the team."""

    selling: np.ndarray  #: hours on the manager's own deals
    customer_work: np.ndarray  #: spare hours absorbed by customer service and delivery work
    with_team: np.ndarray  #: hours with the reps: real coaching and ride-alongs together
    coaching: np.ndarray  #: of those, hours offered as real one-on-one coaching


def manager_week(
    discretionary: np.ndarray,
    floor: np.ndarray,
    inspection: np.ndarray,
    selling_need: np.ndarray,
    pressure: np.ndarray,
    customer_share: float,
    habit: np.ndarray,
    has_team: np.ndarray,
) -> ManagerWeek:
    """Split each manager's discretionary hours between own selling and the team.

    Args:
        discretionary: Hours a week left after admin, distractions and the team meeting.
        floor: The policy's floor of real coaching for the whole team, hours a week (0: none).
        inspection: How strongly the manager's coaching is inspected, 0-1 (per manager).
        selling_need: Selling hours a week the personal quota asks for, before pressure.
        pressure: Extra selling per hour of need from being behind plan.
        customer_share: Share of the spare hours that customer service and delivery work absorb.
        habit: The manager's habitual share of time with the team spent riding along (0-1).
        has_team: Whether the manager has anyone in seat to spend time with.

    Returns:
        Own selling, customer work, time with the team and the real coaching offered within
        it. Own selling, customer work and time with the team add up to ``discretionary``: no
        hour is idle.
    """
    discretionary = np.maximum(discretionary, 0.0)
    # the typical week: own selling, then customer work's share of the spare hours, then the team
    selling = np.minimum(selling_need * (1 + pressure), discretionary)
    spare = discretionary - selling
    customer_work = customer_share * spare
    with_team = np.where(has_team, spare - customer_work, 0.0)
    selling = discretionary - customer_work - with_team
    coaching = (1 - habit) * with_team
    # the floor: the inspected share of the policy's hours that the habit does not already give
    protected = np.where(has_team, np.minimum(inspection * floor, discretionary), 0.0)
    short = np.maximum(protected - coaching, 0.0)
    from_customer = np.minimum(short, customer_work)
    from_selling = np.minimum(short - from_customer, selling)
    from_rides = np.minimum(short - from_customer - from_selling, with_team - coaching)
    customer_work = customer_work - from_customer
    selling = selling - from_selling
    with_team = with_team + from_customer + from_selling
    coaching = coaching + from_customer + from_selling + from_rides
    return ManagerWeek(selling, customer_work, with_team, coaching)


def effective_inspection(kpi: float, visit_pressure: np.ndarray, response: np.ndarray) -> np.ndarray:
    """How strongly each manager treats their coaching as inspected (0-1).

    The coaching KPI and the executive's field visits are independent protections (ODD 7.3);
    a manager's ``response`` (median 1) scales how strongly they react to both. A full KPI
    (``kpi = 1``) binds every manager; partial inspection binds the responsive more.
    """
    kept = np.power(1.0 - kpi, response) if kpi < 1 else np.zeros_like(response)
    return 1.0 - kept * np.exp(-response * visit_pressure)
