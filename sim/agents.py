"""The people of the sales organisation as Mesa agents.

The agents are the identities and the org chart: the place to inspect one person. Their
numeric state lives in the model's arrays, one row per seat, and each agent reads its own row
(see ``SalesOrgModel``), so a week is a handful of vectorised phases rather than a loop over
people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["Executive", "Manager", "Person", "Rep"]


class Person(mesa.Agent):
    """Someone in the org chart who occupies seat ``index`` of their tier's arrays."""

    model: SalesOrgModel

    def __init__(self, model: SalesOrgModel, index: int) -> None:
        """Create the person in seat ``index`` and register them with the model."""
        super().__init__(model)
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
