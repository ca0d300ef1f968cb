"""The people of the sales organisation as Mesa agents.

The agents are the identities and the org chart: the place to inspect one person. Their
numeric state lives in the model's arrays, one row per seat, and each agent reads its own row
(see ``SalesOrgModel``), so a week is a handful of compiled phases rather than a loop over
people.

A person's identity is a number, given when they take their seat (:class:`Seats`); their Mesa
agent is made the first time someone reads it: ``model.rep_agents[i]``, ``model.agents``,
``model.agents_by_type``. A run that nobody inspects person by person (a sweep's, a
calibration's) so never pays Mesa's registration of every agent, which was three quarters of
building a 100,000-rep org and a fifth of a week with its hires and departures. The identity is
the same whether or not the agent was made, so a run's tables do not depend on who looked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["Executive", "Manager", "Person", "Rep", "Seats"]


class Person(mesa.Agent):
    """Someone in the org chart who occupies seat ``index`` of their tier's arrays."""

    model: SalesOrgModel

    def __init__(self, model: SalesOrgModel, index: int, unique_id: int) -> None:
        """The Mesa agent of person ``unique_id``, in seat ``index``, registered with the model."""
        super().__init__(model)
        self.unique_id = unique_id  # the person's number, given when they took the seat
        self.index = index

    def __repr__(self) -> str:
        """Show the tier, the id and the seat."""
        return f"{type(self).__name__}(id={self.unique_id}, seat={self.index})"


class Executive(Person):
    """A sales executive: coaches managers, makes field visits, talks to reps about deals."""

    @property
    def managers(self) -> list[Manager]:
        """The managers currently in seats that report to this executive."""
        return [m for m in self.model.manager_agents if m and m.executive is self]

    @property
    def hours(self) -> dict[str, float]:
        """This week's hours by activity."""
        return self.model.executive_hours(self.index)


class Manager(Person):
    """A front-line sales manager: admin, meetings, coaching, and a personal quota."""

    @property
    def executive(self) -> Executive:
        """The executive this manager reports to."""
        return self.model.executive_agents[self.model.org.exec_of_manager[self.index]]

    @property
    def reps(self) -> list[Rep]:
        """The reps currently in this manager's team."""
        return [self.model.rep_agents[i] for i in self.model.team_seats(self.index) if self.model.rep_agents[i]]

    @property
    def coaching_skill(self) -> float:
        """Coaching skill (0-1) before the selling-framework multiplier."""
        return float(self.model.managers.coach_skill[self.index])

    @property
    def coaching_quality(self) -> float:
        """Quality (0-1) of this manager's coaching: skill times the framework factor."""
        return float(self.model.managers.quality[self.index])

    @property
    def hours(self) -> dict[str, float]:
        """This week's hours by activity."""
        return self.model.manager_hours(self.index)


class Rep(Person):
    """A sales rep: sells, is coached, has skill, motivation, a pipeline and a quota."""

    @property
    def manager(self) -> Manager | None:
        """The rep's manager, or None while the team is unmanaged."""
        return self.model.manager_agents[self.model.org.team[self.index]]

    @property
    def skill(self) -> float:
        """Selling skill (0-1)."""
        return float(self.model.reps.skill[self.index])

    @property
    def aptitude(self) -> float:
        """The rep's skill ceiling (0-1)."""
        return float(self.model.reps.aptitude[self.index])

    @property
    def motivation(self) -> float:
        """Motivation (0-1): the productive share of selling time."""
        return float(self.model.reps.motivation[self.index])

    @property
    def tenure_weeks(self) -> int:
        """Weeks since the rep started."""
        return int(self.model.reps.tenure[self.index])

    @property
    def pipeline(self) -> dict[str, int]:
        """Open opportunities by stage."""
        s = self.model.sellers  # a rep seat's pipeline is its seller row
        return {"active": int(s.active[self.index]), "stalled": int(s.stalled[self.index])}

    @property
    def hours(self) -> dict[str, float]:
        """This week's hours by activity."""
        return self.model.rep_hours(self.index)


class Seats:
    """The seats of one tier: who sits in each (a person's number, 0 for nobody), and their agents.

    ``seats[i]`` is the Mesa agent of the person in seat ``i`` (None for an empty seat), made on
    first reading and kept while they stay. People are numbered by the model in the order they
    take their seats (:meth:`fill`), from 1 as Mesa numbers agents.
    """

    def __init__(self, model: SalesOrgModel, kind: type[Person], n: int) -> None:
        """``n`` empty seats of people of ``kind``."""
        self.model, self.kind = model, kind
        self.ids = np.zeros(n, np.int64)
        self._agents: dict[int, Person] = {}

    def fill(self, seats: np.ndarray) -> None:
        """New people take ``seats`` (in that order): each gets the model's next number."""
        self.ids[seats] = self.model.next_person_ids(len(seats))

    def vacate(self, seats: np.ndarray) -> None:
        """The people in ``seats`` leave: their agents, if made, are removed from the model."""
        for i in seats:
            agent = self._agents.pop(int(i), None)
            if agent is not None:
                agent.remove()
        self.ids[seats] = 0

    def __getitem__(self, i: int) -> Person | None:
        """The agent of the person in seat ``i``, or None if the seat is empty."""
        i = int(i)
        agent = self._agents.get(i)
        if agent is None and self.ids[i]:
            agent = self._agents[i] = self.kind(self.model, i, int(self.ids[i]))
        return agent

    def __len__(self) -> int:
        """The number of seats, empty or not."""
        return self.ids.size

    def __iter__(self) -> Iterator[Person | None]:
        """Every seat's agent (None for an empty seat), in seat order."""
        return (self[i] for i in range(self.ids.size))

    def make_all(self) -> None:
        """Make the agent of everyone in seat (Mesa's ``model.agents`` then holds them all)."""
        for i in np.flatnonzero(self.ids):
            self[i]
