"""The seven questions the model exists to answer (docs/ODD.md, section 1), and the shipped
scenarios that answer each.

A question is answered by a paired comparison of its scenarios with its reference: the typical
org, except for where coaching should go (question 7), whose reference is the same coaching
spread equally. ``python run.py workshop --full`` runs all seven.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["QUESTIONS", "Question", "answered_by"]


@dataclass(frozen=True)
class Question:
    """One question: its number, its words, its reference scenario and the scenarios compared."""

    number: int
    text: str
    baseline: str
    scenarios: tuple[str, ...]

    @property
    def compared(self) -> tuple[str, ...]:
        """The reference first, then the scenarios compared with it."""
        return (self.baseline, *(s for s in self.scenarios if s != self.baseline))


QUESTIONS: tuple[Question, ...] = (
    Question(
        1,
        "What does a coaching-hours policy (0 to 6 hours a rep a month) do to attainment, and how much of it "
        "is delivered when managers also carry quota and admin?",
        "baseline",
        (
            "coaching_0h",
            "coaching_1h",
            "coaching_2h",
            "coaching_3h",
            "coaching_4h",
            "coaching_6h",
            "coaching_3h_unprotected",
        ),
    ),
    Question(
        2,
        "What does the manager's personal quota load cost in team attainment, against what the manager sells?",
        "baseline",
        ("quota_share_0", "quota_share_50"),
    ),
    Question(
        3,
        "Does coaching the coaches (executive time with managers, field visits and debriefs) pay?",
        "baseline",
        ("coaching_the_coaches", "executive_field_visits"),
    ),
    Question(
        4,
        "Weekly, fortnightly, monthly or quarterly team meetings?",
        "baseline",
        ("meetings_weekly", "meetings_fortnightly", "meetings_quarterly"),
    ),
    Question(
        5,
        "Does a coaching KPI, training managers to coach, or a common selling framework change outcomes?",
        "baseline",
        ("coaching_kpi", "manager_training", "selling_framework"),
    ),
    Question(
        6,
        "Promote the top rep or hire an experienced manager?",
        "baseline",
        ("hire_experienced",),
    ),
    Question(
        7,
        "Where should coaching go: equally, to strugglers, to the core, to stars, to new hires?",
        "allocation_equal",
        ("allocation_needs", "allocation_core", "allocation_top", "allocation_new_hires"),
    ),
)


def answered_by(scenario: str) -> list[int]:
    """The numbers of the questions a shipped scenario helps answer."""
    return [q.number for q in QUESTIONS if scenario in q.compared]
