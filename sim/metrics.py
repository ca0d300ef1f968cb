"""The canonical metrics (docs/ODD.md) and the ledger that accumulates them over counted weeks.

Every metric is a run-to-date value over the counted weeks (after the warm-up): the value the
DataCollector records in the last week is the run's result, and earlier rows are the year to
date, which is how a sales organisation reads its own numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.calendar import WEEKS_PER_MONTH
from sim.compiled import kernel

__all__ = [
    "ACTIVITIES",
    "CANONICAL",
    "COACHED_LITTLE_HOURS",
    "COACHED_WELL_HOURS",
    "CROSS_SECTION",
    "METRICS",
    "MIN_WEEKS_FOR_REP_ATTAINMENT",
    "SEGMENTS",
    "Ledger",
    "Metric",
]


#: A rep counts in ``rep_attainment_mean`` and ``reps_at_quota`` after this many counted weeks
#: in seat (a quarter), so that a rep hired in the last week is not scored on one week of quota.
MIN_WEEKS_FOR_REP_ATTAINMENT = 13

#: The cross-section of the study behind T1 and T2 (Sales Executive Council, quoted in "Most Sales Managers Aren't Willing to Do This"): reps whose real coaching received
#: over the counted weeks averaged at least this many hours a month...
COACHED_WELL_HOURS = 3.0
#: ...against reps who received this many or fewer.
COACHED_LITTLE_HOURS = 2.0
#: Float slack on the group bounds, so that a policy of exactly 3 hours delivered in full counts.
_EDGE = 1e-9
#: The cross-section's figures (``Ledger.cross_section``): each group's mean attainment and share
#: of the reps scored (13+ counted weeks in seat), and where the org's own attainment lies
#: between the two groups' (0 at the little-coached group's, 1 at the well-coached group's).
CROSS_SECTION = (
    "attainment_coached_3h_plus",
    "attainment_coached_2h_or_less",
    "share_coached_3h_plus",
    "share_coached_2h_or_less",
    "attainment_between_groups",
)

#: New hires' productivity is tracked by tenure week up to this tenure (T7).
RAMP_TRACK_WEEKS = 104
#: Reps past their first year are the ramp's benchmark: older cohorts are survivors of attrition
#: (which falls hardest on low performers) and out-sell the average fully-ramped rep.
RAMP_BENCHMARK_WEEKS = 52
#: A new hire is fully productive when a month's expected bookings reach this share of the
#: tenured reps' average.
RAMP_FULL_SHARE = 0.9

#: Rep segments, fixed for each person when they take their seat.
SEGMENTS = ("star", "core", "struggler", "new_hire")


@dataclass(frozen=True)
class Metric:
    """A canonical outcome: its name, unit, meaning, name in plain words, and which way is good.

    ``better`` is ``"higher"`` or ``"lower"`` when a change in that direction is good for the
    business (more bookings, less turnover), ``None`` when the metric describes how time is spent
    and a change is neither good nor bad in itself.
    """

    name: str
    unit: str
    help: str
    label: str
    better: str | None = None


METRICS: tuple[Metric, ...] = (
    Metric(
        "attainment",
        "fraction",
        "Total bookings / total quota, reps and managers' personal quota together.",
        "attainment",
        better="higher",
    ),
    Metric(
        "rep_attainment_mean",
        "fraction",
        "Mean over reps of bookings / quota prorated to weeks in seat (reps with 13+ counted weeks).",
        "mean rep attainment",
        better="higher",
    ),
    Metric(
        "reps_at_quota",
        "fraction",
        "Share of reps (13+ counted weeks in seat) at or above 100% of quota.",
        "share of reps at quota",
        better="higher",
    ),
    Metric(
        "bookings",
        "currency",
        "Total bookings of reps and managers.",
        "bookings",
        better="higher",
    ),
    Metric(
        "coaching_hours_per_rep_month",
        "hours/rep/month",
        "Real one-on-one coaching delivered per rep in seat (ride-alongs excluded).",
        "coaching delivered (hours a rep a month)",
    ),
    Metric(
        "manager_coaching_share",
        "fraction",
        "Share of manager hours in coaching as managers report it: one-on-ones with ride-alongs, plus team meetings.",
        "manager time coaching, as managers report it",
    ),
    Metric(
        "manager_selling_share",
        "fraction",
        "Share of manager hours spent on their own selling.",
        "manager time on own deals",
    ),
    Metric(
        "rep_selling_share",
        "fraction",
        "Share of rep hours spent selling.",
        "rep time selling",
        better="higher",
    ),
    Metric(
        "rep_turnover",
        "1/year",
        "Reps leaving per rep in seat, annualised.",
        "rep turnover",
        better="lower",
    ),
    Metric(
        "mean_skill",
        "skill (0-1)",
        "Mean selling skill of reps in seat, averaged over counted weeks.",
        "mean rep skill",
        better="higher",
    ),
    Metric(
        "mean_motivation",
        "motivation (0-1)",
        "Mean motivation of reps in seat, averaged over counted weeks.",
        "mean rep motivation",
        better="higher",
    ),
)
CANONICAL: tuple[str, ...] = tuple(m.name for m in METRICS)

ACTIVITIES = {
    "rep": ("selling", "admin", "team_meeting", "being_coached", "executive_deal_talks"),
    "manager": ("admin", "distractions", "team_meeting", "coaching", "ride_alongs", "selling"),
    "executive": ("internal", "coaching_managers", "field_visits", "deal_focus"),
}


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else float("nan")


def _sum_in_order(values: Iterable[float]) -> float:
    """Floats added left to right, the same to the last bit on every Python.

    From Python 3.12 the built-in ``sum`` adds floats with compensated (Neumaier) summation,
    which can differ from Python 3.11's plain left-to-right addition in the last bit; a seed
    gives the same numbers on both of coachsim's Pythons with this one.
    """
    total = 0.0
    for value in values:
        total += value
    return total


class Ledger:
    """Totals over the counted weeks, from which every canonical metric is computed.

    A model holding a stack of ``copies`` replications keeps one ledger with a total per copy:
    every total is an array with an entry per copy, and the per-seat arrays hold the copies'
    seats one copy after another (``seats_per_copy`` each).
    """

    def __init__(self, seats_per_copy: int, copies: int = 1, managers_per_copy: int = 0) -> None:
        """Start empty; per-seat accumulators are for the seat's current occupant."""
        k, n = copies, seats_per_copy
        self.copies, self.seats_per_copy = k, n
        self.rep_copy = np.repeat(np.arange(k), n)  # each rep seat's copy
        self.weeks = 0
        # counted hours by tier: one row per activity (in ACTIVITIES order), one column per copy
        self.hours = {tier: np.zeros((len(acts), k)) for tier, acts in ACTIVITIES.items()}
        # the week's totals of the reps' and of the managers' rows, added by count_week (views)
        self._rep_totals, self._manager_totals = np.zeros((3, k)), np.zeros((2, k))
        self.rep_book, self.rep_quota, self.coached = self._rep_totals
        self.mgr_book, self.mgr_quota = self._manager_totals
        self.rep_weeks, self.mgr_weeks = np.zeros(k, np.int64), np.zeros(k, np.int64)
        self.departures = np.zeros(k, np.int64)
        self.skill_sum, self.motivation_sum = np.zeros(k), np.zeros(k)
        # per seat, the current occupant
        self.seat_book = np.zeros(k * n)
        self.seat_quota = np.zeros(k * n)
        self.seat_weeks = np.zeros(k * n)
        self.seat_coached = np.zeros(k * n)
        # per manager seat, over the counted weeks: the team's coaching as logged (one-on-ones
        # including ride-alongs), the real one-on-one part, and the team's rep-weeks in seat
        m = k * managers_per_copy
        self.team_logged, self.team_real, self.team_rep_weeks = np.zeros(m), np.zeros(m), np.zeros(m)
        # occupants who have left their seat, folded in
        self.done_n = np.zeros(k, np.int64)
        self.done_at_quota = np.zeros(k, np.int64)
        self.done_att_sum = np.zeros(k)
        # ... and by the coaching they received (the cross-section): [well coached, little coached]
        self.done_group_n = np.zeros((k, 2), np.int64)
        self.done_group_sum = np.zeros((k, 2))
        # the ramp of new hires (all weeks, warm-up included: it is a property of the org)
        self.ramp_sum = np.zeros((k, RAMP_TRACK_WEEKS))
        self.ramp_n = np.zeros((k, RAMP_TRACK_WEEKS), np.int64)
        self.tenured_sum = np.zeros(k)
        self.tenured_n = np.zeros(k, np.int64)

    def track_ramp(self, reps: object, expected: np.ndarray) -> None:
        """Record expected weekly bookings by tenure for hires, against tenured reps (ODD 7.15)."""
        R = reps
        _track_ramp(
            R.occupied,
            R.hire_week,
            R.tenure,
            expected,
            self.seats_per_copy,
            self.ramp_sum,
            self.ramp_n,
            self.tenured_sum,
            self.tenured_n,
        )

    def count_sales(
        self,
        reps: object,
        worked: np.ndarray,
        present: np.ndarray,
        book: np.ndarray,
        quota: np.ndarray,
        coached: np.ndarray,
    ) -> None:
        """Count a week's bookings, quota, heads, skill and motivation of the reps who ``worked``."""
        _count_sales(
            worked,
            present,
            book,
            quota,
            coached,
            reps.skill,
            reps.motivation,
            self.seats_per_copy,
            (self.seat_book, self.seat_quota, self.seat_weeks, self.seat_coached),
            (self.rep_weeks, self.mgr_weeks),
            (self.skill_sum, self.motivation_sum),
        )

    def count_week(
        self,
        week_hours: dict[str, dict[str, np.ndarray]],
        reps: tuple[np.ndarray, np.ndarray, np.ndarray],
        managers: tuple[np.ndarray, np.ndarray],
        team: np.ndarray,
        worked: np.ndarray,
    ) -> None:
        """Add a counted week: each copy's hours by tier and activity, the reps' bookings, quota
        and coaching received (``reps``), the managers' bookings and quota (``managers``), and
        each team's coaching and rep-weeks in seat."""
        for totals, arrays in (
            *((self.hours[tier], tuple(acts.values())) for tier, acts in week_hours.items()),
            (self._rep_totals, reps),
            (self._manager_totals, managers),
        ):
            _add_totals(totals, arrays, arrays[0].size // self.copies)
        self.weeks += 1
        H = week_hours["manager"]
        _count_teams(
            team, worked, H["coaching"], H["ride_alongs"], self.team_logged, self.team_real, self.team_rep_weeks
        )

    def reset_seats(self, seats: np.ndarray) -> None:
        """Clear the per-seat accumulators for new occupants."""
        for arr in (self.seat_book, self.seat_quota, self.seat_weeks, self.seat_coached):
            arr[seats] = 0.0

    def fold_leavers(self, seats: np.ndarray) -> None:
        """Fold the occupants leaving ``seats`` into the per-rep attainment statistics."""
        ok = seats[self.seat_weeks[seats] >= MIN_WEEKS_FOR_REP_ATTAINMENT]
        att = self.seat_book[ok] / self.seat_quota[ok]
        copy = ok // self.seats_per_copy
        self.done_n += np.bincount(copy, minlength=self.copies)
        self.done_at_quota += np.bincount(copy[att >= 1.0], minlength=self.copies)
        self.done_att_sum += np.bincount(copy, weights=att, minlength=self.copies)
        for g, member in enumerate(self._groups(ok)):
            self.done_group_n[:, g] += np.bincount(copy[member], minlength=self.copies)
            self.done_group_sum[:, g] += np.bincount(copy[member], weights=att[member], minlength=self.copies)

    def coached_per_month(self, seats: np.ndarray) -> np.ndarray:
        """Real coaching received by the occupants of ``seats``, hours a month over their counted weeks."""
        weeks = self.seat_weeks[seats]
        return np.divide(self.seat_coached[seats] * WEEKS_PER_MONTH, weeks, out=np.zeros(seats.size), where=weeks > 0)

    def _groups(self, seats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``seats`` were well coached (3+ h a month) and which little (2 h or less)."""
        hours = self.coached_per_month(seats)
        return hours >= COACHED_WELL_HOURS - _EDGE, hours <= COACHED_LITTLE_HOURS + _EDGE

    def cross_section(self, copy: int = 0) -> dict[str, float]:
        """The T1/T2 study read as the cross-section it is: attainment by real coaching received.

        Reps scored as in ``rep_attainment_mean`` (13+ counted weeks in seat, leavers included)
        are grouped by their real one-on-one coaching over their counted weeks: 3 hours a month
        or more, and 2 hours or less. Each group's mean attainment (NaN if empty), its share
        of the reps scored, and the position of the org's ``attainment`` between the groups'
        means: inside [0, 1] when the org is the mix of its groups that it should be.
        """
        n = self.seats_per_copy
        seats = np.arange(copy * n, (copy + 1) * n)
        seats = seats[self.seat_weeks[seats] >= MIN_WEEKS_FOR_REP_ATTAINMENT]
        att = self.seat_book[seats] / self.seat_quota[seats]
        counts, sums = self.done_group_n[copy].astype(float), self.done_group_sum[copy].copy()
        for g, member in enumerate(self._groups(seats)):
            counts[g] += np.count_nonzero(member)
            sums[g] += att[member].sum()
        scored = seats.size + self.done_n[copy]
        well, little = (_ratio(s, c) for s, c in zip(sums, counts, strict=True))
        shares = [_ratio(c, scored) for c in counts]
        between = _ratio(self.metric("attainment", copy) - little, well - little) if well > little else float("nan")
        return dict(zip(CROSS_SECTION, [well, little, *shares, between], strict=True))

    def ramp_profile(self, copy: int = 0) -> np.ndarray:
        """Hires' expected weekly bookings by tenure month, relative to tenured reps."""
        month = (np.arange(RAMP_TRACK_WEEKS) // WEEKS_PER_MONTH).astype(int)
        s = np.bincount(month, weights=self.ramp_sum[copy])
        n = np.bincount(month, weights=self.ramp_n[copy])
        tenured = self.tenured_sum[copy] / self.tenured_n[copy] if self.tenured_n[copy] else np.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            return s / n / tenured

    def ramp_months(self, copy: int = 0) -> float:
        """Months until a new hire's expected bookings reach 90% of a benchmark rep's (T7).

        Month m's ratio is placed at the end of that month and the crossing of
        ``RAMP_FULL_SHARE`` is interpolated linearly between months (from 0 at hire), so the
        answer is not rounded up to whole months.
        """
        profile = self.ramp_profile(copy)
        reached = np.flatnonzero(profile >= RAMP_FULL_SHARE)
        if not reached.size:
            return float("nan")
        m = int(reached[0])
        before = profile[m - 1] if m > 0 else 0.0
        if not np.isfinite(before):
            return float(m + 1)
        return float(m + (RAMP_FULL_SHARE - before) / (profile[m] - before))

    def _current_attainments(self, copy: int) -> np.ndarray:
        seats = slice(copy * self.seats_per_copy, (copy + 1) * self.seats_per_copy)
        ok = self.seat_weeks[seats] >= MIN_WEEKS_FOR_REP_ATTAINMENT
        return self.seat_book[seats][ok] / self.seat_quota[seats][ok]

    def _hours_of(self, tier: str, copy: int) -> dict[str, float]:
        return dict(zip(ACTIVITIES[tier], self.hours[tier][:, copy].tolist(), strict=True))

    def metrics(self, copy: int = 0) -> dict[str, float]:
        """Every canonical metric, to date (of copy ``copy`` of a stack)."""
        return {name: self.metric(name, copy) for name in CANONICAL}

    def metric(self, name: str, copy: int = 0) -> float:
        """One canonical metric, to date (NaN before the first counted week)."""
        k = copy
        if name == "attainment":
            return _ratio(self.rep_book[k] + self.mgr_book[k], self.rep_quota[k] + self.mgr_quota[k])
        if name in ("rep_attainment_mean", "reps_at_quota"):
            att = self._current_attainments(k)
            n = len(att) + self.done_n[k]
            if name == "reps_at_quota":
                return _ratio(np.count_nonzero(att >= 1.0) + self.done_at_quota[k], n)
            return _ratio(att.sum() + self.done_att_sum[k], n)
        if name == "bookings":
            return float(self.rep_book[k] + self.mgr_book[k]) if self.weeks else float("nan")
        if name == "coaching_hours_per_rep_month":
            return _ratio(self.coached[k] * WEEKS_PER_MONTH, self.rep_weeks[k])
        if name == "manager_coaching_share":
            m = self._hours_of("manager", k)
            return _ratio(m["coaching"] + m["ride_alongs"] + m["team_meeting"], _sum_in_order(m.values()))
        if name == "manager_selling_share":
            m = self._hours_of("manager", k)
            return _ratio(m["selling"], _sum_in_order(m.values()))
        if name == "rep_selling_share":
            r = self._hours_of("rep", k)
            return _ratio(r["selling"], _sum_in_order(r.values()))
        if name == "rep_turnover":
            return _ratio(self.departures[k] * 52.0, self.rep_weeks[k])
        if name == "mean_skill":
            return _ratio(self.skill_sum[k], self.weeks)
        if name == "mean_motivation":
            return _ratio(self.motivation_sum[k], self.weeks)
        raise KeyError(name)


# ============================================================================== compiled tallies
@kernel
def _add_totals(totals, arrays, per_copy):
    """``totals[a, k]`` += copy ``k``'s sum of ``arrays[a]`` (its rows ``k * per_copy`` onwards, in order)."""
    for a in range(len(arrays)):
        x = arrays[a]
        for k in range(totals.shape[1]):
            s = 0.0
            for i in range(k * per_copy, (k + 1) * per_copy):
                s += x[i]
            totals[a, k] += s


@kernel
def _count_teams(team, worked, coaching, rides, logged, real, rep_weeks):
    """Each team's coaching as logged (one-on-ones and ride-alongs) and real, and its rep-weeks in seat."""
    for m in range(logged.size):
        logged[m] += coaching[m] + rides[m]
        real[m] += coaching[m]
    for i in range(team.size):
        rep_weeks[team[i]] += worked[i]


@kernel
def _count_sales(worked, present, book, quota, coached, skill, motivation, per_copy, seats, weeks, sums):
    """The ledger's counts of a week's sales (see ``Ledger.count_sales``), in place."""
    seat_book, seat_quota, seat_weeks, seat_coached = seats
    rep_weeks, mgr_weeks = weeks
    skill_sum, motivation_sum = sums
    copies = rep_weeks.size
    managers_per_copy = present.size // copies
    for k in range(copies):
        heads, skills, motivations = 0, 0.0, 0.0
        for i in range(k * per_copy, (k + 1) * per_copy):
            seat_book[i] += book[i]
            seat_quota[i] += quota[i]
            seat_weeks[i] += worked[i]
            seat_coached[i] += coached[i]
            if worked[i]:
                heads += 1
                skills += skill[i]
                motivations += motivation[i]
        rep_weeks[k] += heads
        for j in range(k * managers_per_copy, (k + 1) * managers_per_copy):
            mgr_weeks[k] += present[j]
        skill_sum[k] += skills / max(heads, 1)
        motivation_sum[k] += motivations / max(heads, 1)


@kernel
def _track_ramp(occupied, hire_week, tenure, expected, per_copy, ramp_sum, ramp_n, tenured_sum, tenured_n):
    """Hires' expected weekly bookings by run and tenure, and tenured reps', added in seat order."""
    for i in range(occupied.size):
        if not occupied[i]:
            continue
        k = i // per_copy
        if hire_week[i] >= 0 and tenure[i] < RAMP_TRACK_WEEKS:
            ramp_sum[k, tenure[i]] += expected[i]
            ramp_n[k, tenure[i]] += 1
        if tenure[i] >= RAMP_BENCHMARK_WEEKS:
            tenured_sum[k] += expected[i]
            tenured_n[k] += 1
