"""Initialisation (ODD 5): the org chart, and everyone's starting state.

A model holds one run or several side by side (``SalesOrgModel(seeds=[...])``): every array
has one row per seat of every run, run ``k``'s seats after run ``k - 1``'s, and each seat knows
its run and its number within the run (``org.rep_copy`` and ``org.rep_seat``, likewise for
managers and sellers), which is where its keyed random numbers come from (``sim.keys``). The
mechanisms then treat the rows alike: a team is a team whichever run it is in.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from sim.agents import Executive, Manager, Rep, Seats
from sim.calendar import WEEKS_PER_YEAR, weekly_hazard
from sim.development import MOTIVATION_RANGE
from sim.keys import Purpose, normals, uniforms
from sim.metrics import ACTIVITIES
from sim.numerics import TINY
from sim.roster import load_roster
from sim.runs import at, at_seats
from sim.samplers import gammas_each, geometric_each, poissons_each

if TYPE_CHECKING:
    from sim.model import SalesOrgModel

__all__ = ["build_org", "init_managers", "init_reps", "new_manager_state", "rep_aptitude", "segment_of"]

START = -1  # the week of the starting state's draws (sim.keys.INIT_WEEK)
APTITUDE_RANGE = (0.05, 0.98)  # aptitude is clipped to this range: no rep is hopeless or perfect
SEGMENT_Z = 0.8416  # standard normal quantile of 0.8: stars and strugglers are the top and bottom fifth
START_NOISE = 0.05  # relative spread of starting skill and absolute spread of starting motivation
SKILL_RANGE = (0.01, 1.0)
COACHING_SKILL_RANGE = (0.02, 0.95)
SELLING_SKILL_SD, SELLING_SKILL_RANGE = 0.08, (0.05, 1.0)  # managers' selling skill around its mean
STALLED_EXIT = 0.05  # weekly rate at which stalled deals leave in the starting pipeline's balance
START_ROLE_WEEKS = WEEKS_PER_YEAR  # weeks in role of the starting managers of a generated org
MIN_WEEKLY_QUIT = 1e-4  # floor of the quit rate behind the starting tenures (a geometric needs one above 0)
MAX_START_REACH = 0.99  # the starting coaching and attention stocks reach at most this share of their effect
SHARE_EDGE = 1e-9  # a habit of 0 or 1 is kept this far inside, so its log-odds stay finite


def build_org(model: SalesOrgModel) -> SimpleNamespace:
    """The org chart of every run: teams, executives, quotas, and each seat's run and number."""
    p, K = model.p, model.stack
    roster = model.roster = load_roster(p.org.roster) if p.org.roster else None
    if roster is not None:
        n_reps, n_mgr, n_exec = roster.n_reps, len(roster.manager_ids), len(roster.exec_ids)
        teams = [roster.rep_manager] * K
        exec_of_manager = roster.manager_exec
        rep_quota, mgr_quota = roster.rep_quota, roster.manager_quota
    else:
        n_reps = p.org.reps
        n_mgr = math.ceil(n_reps / p.org.span_of_control)
        n_exec = math.ceil(n_mgr / p.org.managers_per_executive)
        teams = [_teams(model, k, n_reps, n_mgr) for k in range(K)]  # real teams differ in size
        exec_of_manager = np.arange(n_mgr) // p.org.managers_per_executive
        rep_quota = np.ones(n_reps)  # times each run's rep.quota, below
        mgr_quota = np.ones(n_mgr)
    runs = np.arange(K)
    team = np.concatenate([t + n_mgr * k for k, t in enumerate(teams)])
    exec_of_manager = (exec_of_manager[None, :] + n_exec * runs[:, None]).ravel()
    order = np.argsort(team, kind="stable")
    org = SimpleNamespace(
        n_reps=K * n_reps,
        n_managers=K * n_mgr,
        n_executives=K * n_exec,
        reps_per_copy=n_reps,
        managers_per_copy=n_mgr,
        executives_per_copy=n_exec,
        team=team,
        exec_of_manager=exec_of_manager,
        exec_of_rep=exec_of_manager[team],
        managers_of_exec=np.bincount(exec_of_manager, minlength=K * n_exec).astype(float),
        seats_of_exec=np.bincount(exec_of_manager[team], minlength=K * n_exec).astype(float),
        # a team's seats are seat_order[team_bounds[m]:team_bounds[m + 1]]
        seat_order=order,
        team_bounds=np.searchsorted(team[order], np.arange(K * n_mgr + 1)),
        rep_quota=np.tile(rep_quota, K),  # annual, per seat
        manager_quota=np.tile(mgr_quota, K),  # annual personal quota, per manager seat
        # each seat's run and its number within the run: where its random numbers come from
        rep_copy=np.repeat(runs, n_reps),
        rep_seat=np.tile(np.arange(n_reps), K),
        manager_copy=np.repeat(runs, n_mgr),
        manager_seat=np.tile(np.arange(n_mgr), K),
    )
    if roster is None:  # a generated org's quotas are each run's
        org.rep_quota = org.rep_quota * at(p.rep.quota, org.rep_copy)
        org.manager_quota = org.manager_quota * at(p.manager.quota_share * p.rep.quota, org.manager_copy)
    # selling hours a week that carrying the personal quota takes
    mean_quota = np.array([max(float(org.rep_quota[s].mean()), TINY) for s in _runs(n_reps, K)])
    org.manager_selling_need = (
        org.manager_quota / mean_quota[org.manager_copy] * at(p.manager.selling_hours_per_quota, org.manager_copy)
    )
    # the pipelines: every rep seat's seller row, then every manager's; a manager sells as
    # seller number n_reps + m of their run
    org.seller_copy = np.concatenate((org.rep_copy, org.manager_copy))
    org.seller_seat = np.concatenate((org.rep_seat, n_reps + org.manager_seat))
    model.executive_agents = Seats(model, Executive, K * n_exec)
    model.executive_agents.fill(np.arange(K * n_exec))
    return org


def _teams(model: SalesOrgModel, k: int, n_reps: int, n_mgr: int) -> np.ndarray:
    """Each rep seat's team in run ``k`` of a generated org: teams of uneven size around the mean span.

    With ``org.span_sd`` 0 the teams are full spans in seat order. Otherwise each team's
    size is one rep plus a share of the remaining seats in proportion to a gamma weight
    (largest remainders), the weights' spread set so that team sizes have a standard
    deviation of about ``span_sd`` reps.
    """
    span, sd = model.p.org.span_of_control, model.p.org.span_sd
    extra = n_reps - n_mgr
    if sd <= 0 or n_mgr == 1 or extra == 0:
        return np.arange(n_reps) // span
    shape = (extra / n_mgr / sd) ** 2  # weights of coefficient of variation sd / (extra seats a team)
    seats = np.arange(n_mgr)
    weight = gammas_each(model.keys, k, START, Purpose.TEAM_WEIGHT, seats, np.full(n_mgr, shape)) / shape
    total = weight.sum()
    if not 0 < total < np.inf:  # a spread so wide that every weight underflows: all on one team
        weight, total = (seats == np.argmax(weight)).astype(float), 1.0
    ideal = extra * weight / total
    sizes = np.floor(ideal).astype(np.int64)
    short = extra - int(sizes.sum())
    sizes[np.argsort(sizes - ideal, kind="stable")[:short]] += 1
    return np.repeat(seats, sizes + 1)


def rep_aptitude(model: SalesOrgModel, seats: np.ndarray, week: int) -> np.ndarray:
    """Aptitude of the people who take rep ``seats`` in ``week`` (``START``: the starting reps)."""
    p, org = model.p, model.org
    runs = org.rep_copy[seats]
    z = normals(model.keys, runs, week, Purpose.APTITUDE, org.rep_seat[seats])
    return np.clip(at(p.rep.aptitude_mean, runs) + at(p.rep.aptitude_sd, runs) * z, *APTITUDE_RANGE)


def segment_of(model: SalesOrgModel, seats: np.ndarray, aptitude: np.ndarray, new_hire: np.ndarray) -> np.ndarray:
    """Star, core or struggler by aptitude (top and bottom fifth) of the people in rep ``seats``; new hires apart."""
    runs = model.org.rep_copy[seats]
    cut = SEGMENT_Z * at(model.p.rep.aptitude_sd, runs)
    mean = at(model.p.rep.aptitude_mean, runs)
    seg = np.where(aptitude >= mean + cut, 0, np.where(aptitude <= mean - cut, 2, 1))
    return np.where(new_hire, 3, seg).astype(np.int8)


def typical_weekly_quit(model: SalesOrgModel) -> float | np.ndarray:
    """Weekly quit probability of a rep at the starting motivation who is on plan (per run where runs differ)."""
    p = model.p
    sensitivity = p.rep.attrition_motivation_sensitivity * (1 - p.rep.initial_motivation)
    if isinstance(sensitivity, np.ndarray) or isinstance(p.rep.attrition_per_year, np.ndarray):
        hazard = weekly_hazard(np.asarray(p.rep.attrition_per_year, np.float64)) * np.exp(sensitivity)
        return np.maximum(-np.expm1(-hazard), MIN_WEEKLY_QUIT)
    hazard = weekly_hazard(p.rep.attrition_per_year) * math.exp(sensitivity)
    return max(-math.expm1(-hazard), MIN_WEEKLY_QUIT)


def _starting_reps(model: SalesOrgModel) -> tuple[np.ndarray, ...]:
    """The random part of the starting reps: aptitude, tenure, noise, vacant seats and their wait."""
    p, org = model.p, model.org
    seats = np.arange(org.n_reps)
    place = (model.keys, org.rep_copy, START)
    aptitude = rep_aptitude(model, seats, START)
    if model.roster is not None:
        tenure = np.tile(model.roster.rep_tenure, model.stack)
        shuffle = uniforms(*place, Purpose.ROSTER_ORDER, org.rep_seat)
        known = model.roster.rep_attainment
        aptitude = np.concatenate(
            [_order_like(aptitude[s], known, shuffle[s]) for s in _runs(org.reps_per_copy, model.stack)]
        )
    else:
        # tenure of a workforce with a constant quit rate is geometric; the rate is a typical
        # rep's (at the starting motivation, on plan), not the base rate of a fully motivated one
        tenure = geometric_each(*place, Purpose.TENURE, org.rep_seat, at(typical_weekly_quit(model), org.rep_copy))
    skill_noise = normals(*place, Purpose.SKILL_NOISE, org.rep_seat)
    motivation_noise = normals(*place, Purpose.MOTIVATION_NOISE, org.rep_seat)
    # in a steady state some seats are between a quit and a hire
    lag = at(p.rep.hiring_lag_weeks, org.rep_copy)
    if model.roster is None and np.any(lag):
        q = at(typical_weekly_quit(model), org.rep_copy)
        vacant = uniforms(*place, Purpose.VACANT, org.rep_seat) < lag * q / (1 + lag * q)
    else:
        vacant = np.zeros(org.n_reps, bool)
    wait = 1 + np.floor(uniforms(*place, Purpose.VACANCY_WAIT, org.rep_seat) * np.maximum(lag, 1)).astype(np.int64)
    return aptitude, tenure, skill_noise, motivation_noise, vacant, wait


def _runs(per_run: int, runs: int) -> list[slice]:
    return [slice(k * per_run, (k + 1) * per_run) for k in range(runs)]


def init_reps(model: SalesOrgModel) -> None:
    """The starting reps, their recent coaching and attention, and their pipelines in steady state."""
    org = model.org
    n = org.n_reps
    p = model.p
    r = at_seats(p.rep, org.rep_copy)  # the rep parameters of each seat's run
    aptitude, tenure, skill_noise, motivation_noise, vacant, wait = _starting_reps(model)
    ramp = r.ramp_weeks
    share = np.where(
        tenure < ramp,
        r.new_hire_skill_share + (r.initial_skill_share - r.new_hire_skill_share) * tenure / np.maximum(ramp, 1),
        r.initial_skill_share,
    )
    skill = np.clip(aptitude * share * (1 + START_NOISE * skill_noise), *SKILL_RANGE)
    motivation = np.clip(r.initial_motivation + START_NOISE * motivation_noise, *MOTIVATION_RANGE)
    # the coaching and attention received recently, consistent with the starting state
    fp = r.practice_share
    reach = np.clip((r.initial_skill_share - fp) / np.maximum(1 - fp, TINY), 0, MAX_START_REACH)
    lift = np.clip(
        (r.initial_motivation - at(p.motivation.base, org.rep_copy))
        / np.maximum(at(p.motivation.coaching_effect, org.rep_copy), TINY),
        0,
        MAX_START_REACH,
    )
    weekly_quota = org.rep_quota / WEEKS_PER_YEAR
    model.reps = SimpleNamespace(
        occupied=~vacant,
        vacancy_left=np.where(vacant, wait, 0),
        aptitude=aptitude,
        skill=skill,
        motivation=motivation,
        tenure=tenure.astype(np.int64),
        segment=segment_of(model, np.arange(n), aptitude, tenure < ramp),
        coach_stock=np.full(n, -at(p.coaching.dose_scale, org.rep_copy) * np.log1p(-reach)),
        attention=np.full(n, -at(p.motivation.attention_scale, org.rep_copy) * np.log1p(-lift)),
        roll_book=weekly_quota.copy(),
        roll_quota=weekly_quota.copy(),
        ytd_book=np.zeros(n),
        ytd_quota=np.zeros(n),
        hire_week=-tenure.astype(np.int64),
    )
    model.week_hours = {tier: {a: np.zeros(size) for a in ACTIVITIES[tier]} for tier, size in _tiers(org)}
    # a pipeline in its steady state for the starting selling hours
    selling = np.maximum(r.hours_per_week - r.admin_hours_per_week, 0)
    s = at_seats(p.pipeline, org.seller_copy)  # the pipeline parameters of each seller's run
    new_rate = (
        np.concatenate(
            (
                np.full(n, selling) * motivation,
                org.manager_selling_need * at(p.manager.motivation, org.manager_copy),
            )
        )
        * s.opportunities_per_hour
    )
    leave = 1 / s.cycle_weeks + s.stall_rate
    stall_share = s.stall_rate / (s.stalled_loss_rate + STALLED_EXIT)
    place = (model.keys, org.seller_copy, START)
    active = poissons_each(*place, Purpose.PIPELINE_ACTIVE, org.seller_seat, new_rate / leave)
    stalled = poissons_each(*place, Purpose.PIPELINE_STALLED, org.seller_seat, new_rate / leave * stall_share)
    active[:n][vacant] = stalled[:n][vacant] = 0
    model.sellers = SimpleNamespace(active=active, stalled=stalled)
    model.rep_agents = Seats(model, Rep, n)
    model.rep_agents.fill(np.flatnonzero(~vacant))


def _tiers(org: SimpleNamespace) -> list[tuple[str, int]]:
    return [("rep", org.n_reps), ("manager", org.n_managers), ("executive", org.n_executives)]


def new_manager_state(
    model: SalesOrgModel, idx: np.ndarray | int, promoted: np.ndarray | bool, skill_mean: float, week: int
) -> None:
    """New people in manager seats ``idx`` in ``week`` (``START``: the starting managers).

    Managers differ: in coaching and selling skill, in their habit of riding along rather
    than coaching (spread on the log-odds scale around the median of their kind: a rep just
    promoted from the team, or any other manager), and in how strongly they respond to
    inspection (median 1, spread on the log scale). ``skill_mean`` is the mean coaching
    skill of a new person who was not promoted from the team.
    """
    m, org = model.managers, model.org
    idx = np.atleast_1d(idx)
    promoted = np.broadcast_to(promoted, idx.shape)
    place = (model.keys, org.manager_copy[idx], week)
    seat = org.manager_seat[idx]
    # the parameters of each seat's run
    p = SimpleNamespace(**{s: at_seats(getattr(model.p, s), org.manager_copy[idx]) for s in ("manager", "promotion")})

    def z(purpose: Purpose) -> np.ndarray:
        return normals(*place, purpose, seat)

    skill = np.where(promoted, p.promotion.promoted_coaching_skill, skill_mean)
    m.coach_base[idx] = np.clip(
        skill + p.manager.coaching_skill_sd * z(Purpose.MANAGER_COACHING_SKILL), *COACHING_SKILL_RANGE
    )
    m.sell_skill[idx] = np.clip(
        p.manager.selling_skill_mean + SELLING_SKILL_SD * z(Purpose.MANAGER_SELLING_SKILL), *SELLING_SKILL_RANGE
    )
    # some managers consistently practise coaching, most ride along by habit (article A003);
    # a rep just promoted keeps selling on the team's deals (article A002)
    coach = (uniforms(*place, Purpose.MANAGER_COACHES, seat) < p.manager.coach_share) & ~promoted
    median = np.where(coach, p.manager.coach_ride_along_habit, p.manager.ride_along_habit)
    median = np.where(promoted, p.promotion.promoted_ride_along_habit, median)
    m.habit[idx] = _logistic(_logit(median) + p.manager.ride_along_habit_spread * z(Purpose.MANAGER_HABIT))
    m.response[idx] = np.exp(p.manager.inspection_response_spread * z(Purpose.MANAGER_RESPONSE))
    m.coaches[idx] = coach
    m.promoted[idx] = promoted
    m.coach_skill[idx] = m.coach_base[idx]
    m.extra_selling[idx] = np.where(promoted, p.promotion.promoted_extra_selling_hours, 0.0)
    m.weeks_in_role[idx] = 0
    m.present[idx] = True
    m.practice[idx] = 0.0
    m.exec_stock[idx] = 0.0


def init_managers(model: SalesOrgModel) -> None:
    """The starting managers: the typical org's population of every background, long in role."""
    p, org = model.p, model.org
    n = org.n_managers
    runs = org.manager_copy
    model.managers = SimpleNamespace(
        present=np.ones(n, bool),
        vacancy_left=np.zeros(n, np.int64),
        coach_base=np.zeros(n),
        coach_skill=np.zeros(n),
        habit=np.zeros(n),
        promoted=np.zeros(n, bool),
        coaches=np.zeros(n, bool),
        response=np.ones(n),
        inspection=np.zeros(n),
        quality=np.zeros(n),
        sell_skill=np.zeros(n),
        extra_selling=np.zeros(n),
        weeks_in_role=np.zeros(n, np.int64),
        practice=np.zeros(n),
        exec_stock=np.zeros(n),
        visit_stock=np.full(n, at(p.executive.field_visits_per_manager_quarter, runs), np.float64),
        meet_stock=np.full(n, at(1 / (1 - (1 - p.meetings.memory_decay) ** p.meetings.cadence_weeks), runs)),
        roll_book=org.manager_quota / WEEKS_PER_YEAR,
        roll_quota=org.manager_quota / WEEKS_PER_YEAR,
    )
    # promoted top reps and experienced hires arrive as managers leave (promotion.policy)
    new_manager_state(model, np.arange(n), False, at(p.manager.coaching_skill_mean, runs), START)
    roster = model.roster
    model.managers.weeks_in_role[:] = (
        START_ROLE_WEEKS if roster is None else np.tile(roster.manager_tenure, model.stack)
    )
    model.managers.exec_stock[:] = at(p.executive.coaching_hours_per_manager_month, runs)
    model.manager_agents = Seats(model, Manager, n)
    model.manager_agents.fill(np.arange(n))


def _logit(share: np.ndarray) -> np.ndarray:
    """Log-odds of a share, kept finite at 0 and 1 (a habit of 0 or 1 then has no spread to speak of)."""
    share = np.clip(share, SHARE_EDGE, 1 - SHARE_EDGE)
    return np.log(share / (1 - share))


def _logistic(x: np.ndarray) -> np.ndarray:
    """The share whose log-odds is ``x``."""
    return 1 / (1 + np.exp(-x))


def _order_like(values: np.ndarray, key: np.ndarray, shuffle: np.ndarray) -> np.ndarray:
    """Reassign ``values`` so their order follows ``key``; NaN keys get the rest, shuffled by ``shuffle``."""
    out = np.empty_like(values)
    known = np.flatnonzero(np.isfinite(key))
    ranked = np.sort(values)
    # spread the known ranks evenly over the sorted values; the unknown get what is left
    slots = np.round(np.linspace(0, values.size - 1, known.size)).astype(int) if known.size else np.array([], int)
    out[known[np.argsort(key[known], kind="stable")]] = ranked[slots]
    rest = np.setdiff1d(np.arange(values.size), slots)
    unknown = np.flatnonzero(~np.isfinite(key))
    out[unknown] = ranked[rest][np.argsort(shuffle[unknown], kind="stable")]
    return out
