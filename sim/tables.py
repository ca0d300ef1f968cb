"""The tables read at the end of a run (ODD 7.14): every rep who held a seat, every manager seat, the hours.

Pure readers of the model's arrays and ledger: they change nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.mesa_compat import steps
from sim.metrics import ACTIVITIES, SEGMENTS, WEEKS_PER_MONTH

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["hours_by_activity", "manager_table", "rep_records", "rep_table"]


def rep_records(model: SalesOrgModel, seats: np.ndarray, status: str) -> dict[str, np.ndarray]:
    """End-of-tenure records of the reps in ``seats``, as columns (cheap: no DataFrame)."""
    R, L = model.reps, model.ledger
    k = seats.size
    return {
        "seat": seats,
        "rep_id": model.rep_agents.ids[seats],
        "manager": model.org.team[seats],
        "status": np.full(k, status, dtype=object),
        "segment": R.segment[seats].copy(),
        "hire_week": R.hire_week[seats].copy(),
        "end_week": np.full(k, steps(model)),
        "tenure_weeks": R.tenure[seats].copy(),
        "aptitude": R.aptitude[seats].copy(),
        "skill": R.skill[seats].copy(),
        "motivation": R.motivation[seats].copy(),
        "counted_weeks": L.seat_weeks[seats].copy(),
        "bookings": L.seat_book[seats].copy(),
        "quota": L.seat_quota[seats].copy(),
        "coached_hours": L.seat_coached[seats].copy(),
    }


def rep_table(model: SalesOrgModel) -> pd.DataFrame:
    """Every rep who held a seat in the run: those who left, then those in seat now.

    For a stack, every copy's reps, with a ``copy`` column first; ``seat`` and ``manager``
    then number the seats of the whole stack (copy ``k``'s from ``k * reps_per_copy``).
    """
    current = rep_records(model, np.flatnonzero(model.reps.occupied), "in_seat")
    parts = [*model.departed, current]
    df = pd.DataFrame({c: np.concatenate([part[c] for part in parts]) for c in current})
    df["segment"] = np.asarray(SEGMENTS)[df["segment"].to_numpy()]
    quota, weeks = df["quota"].to_numpy(), df["counted_weeks"].to_numpy()
    df["attainment"] = np.divide(df["bookings"].to_numpy(), quota, out=np.full(len(df), np.nan), where=quota > 0)
    df["coaching_hours_per_month"] = np.divide(
        df.pop("coached_hours").to_numpy() * WEEKS_PER_MONTH, weeks, out=np.zeros(len(df)), where=weeks > 0
    )
    if model.stack > 1:
        df.insert(0, "copy", df["seat"].to_numpy() // model.org.reps_per_copy)
    return df


def manager_table(model: SalesOrgModel) -> pd.DataFrame:
    """Each manager seat: who holds it now, and the team's coaching story over the counted weeks.

    The coaching columns are per rep in seat and month of the counted weeks: as logged
    (one-on-ones including ride-alongs, what managers report), the real one-on-one part,
    the policy's target (NaN with no set hours) and the share of the target delivered.
    For a stack, every copy's managers, with a ``copy`` column first.
    """
    M, org, L = model.managers, model.org, model.ledger
    team_book = np.bincount(org.team, weights=L.seat_book, minlength=org.n_managers)
    team_quota = np.bincount(org.team, weights=L.seat_quota, minlength=org.n_managers)

    def per_rep_month(hours: np.ndarray) -> np.ndarray:
        weeks = L.team_rep_weeks
        return np.divide(hours * WEEKS_PER_MONTH, weeks, out=np.full(weeks.size, np.nan), where=weeks > 0)

    # each manager's run's target: NaN with no set hours (a target of 0 has no share delivered)
    target = model.run_records["coaching_hours_per_rep_month"][org.manager_copy]
    real = per_rep_month(L.team_real)
    df = pd.DataFrame(
        {
            "manager": np.arange(org.n_managers),
            "manager_id": np.where(model.manager_agents.ids > 0, model.manager_agents.ids, -1),
            "executive": org.exec_of_manager,
            "present": M.present,
            "weeks_in_role": M.weeks_in_role,
            "coaching_skill": M.coach_skill,
            "coaching_quality": M.quality,
            "selling_skill": M.sell_skill,
            "promoted_from_reps": M.promoted,
            "practises_coaching": M.coaches,
            "ride_along_habit": M.habit,
            "inspection_response": M.response,
            "inspection": M.inspection if steps(model) else np.nan,
            "team_seats": np.bincount(org.team, minlength=org.n_managers),
            "team_reps": np.bincount(org.team, weights=model.reps.occupied, minlength=org.n_managers),
            "team_attainment_current_reps": np.divide(
                team_book, team_quota, out=np.full(org.n_managers, np.nan), where=team_quota > 0
            ),
            "team_rep_weeks": L.team_rep_weeks,
            "logged_coaching_hours_per_rep_month": per_rep_month(L.team_logged),
            "coaching_hours_per_rep_month": real,
            "coaching_target_hours_per_rep_month": target,
            "delivered_share_of_target": np.divide(real, target, out=np.full(org.n_managers, np.nan), where=target > 0),
        }
    )
    if model.stack > 1:
        df.insert(0, "copy", df["manager"].to_numpy() // org.managers_per_copy)
    return df


def hours_by_activity(model: SalesOrgModel) -> pd.DataFrame:
    """Counted hours by tier and activity, with each tier's shares (the first copy's)."""
    rows = [
        {"tier": tier, "activity": a, "hours": float(h[0])}
        for tier, hours in model.ledger.hours.items()
        for a, h in zip(ACTIVITIES[tier], hours, strict=True)
    ]
    df = pd.DataFrame(rows)
    df["share"] = df["hours"] / df.groupby("tier")["hours"].transform("sum")
    return df
