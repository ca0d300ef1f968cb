"""coachsim: coaching, quota load and attainment in a sales organisation.

An agent-based model of executives, front-line managers and sales reps, after the domain
specification (docs/ODD.md) and its sources: the Sales Executive Council finding that reps
coached three or more hours a month attain about 107% of goal against 88-90% for those coached
two hours or less (article A003), the reasons managers do not coach (article A001: quota, no training,
no common language, no KPI), coaching the coaches (articles A000 and A004), meetings and ride-alongs
(article A003), and promotion of top reps (article A002). The model is described in ODD form in
docs/ODD.md.

One step is one week. Each week every person's hours are planned against competing demands,
coaching develops skill and motivation, reps and managers sell from a pipeline, and people
leave and are replaced.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import params as registry
from sim.agents import Executive, Manager, Rep
from sim.hours import effective_inspection, manager_week
from sim.mesa_compat import rng_argument, steps
from sim.metrics import ACTIVITIES, CANONICAL, RAMP_BENCHMARK_WEEKS, RAMP_TRACK_WEEKS, SEGMENTS, WEEKS_PER_MONTH, Ledger
from sim.roster import load_roster
from sim.selling import deal_timing, joint_win_rate
from sim.streams import check_seed, generators, seed_words

__all__ = ["SalesOrgModel"]

WEEKS_PER_QUARTER = 13.0
QUOTA_YEAR_WEEKS = 52  # the quota year starts at week 0 (so a warm-up year ends one)
STREAM_INIT, STREAM_SELL, STREAM_TURNOVER = 0, 1, 2
#: children of each stream drawn in a week: inputs, then the seven draws of selling, then the
#: turnover draws and the hiring that follows them
STREAM_CHILDREN = {STREAM_INIT: 4, STREAM_SELL: 7, STREAM_TURNOVER: 2}
ROLLING_WEEKS = 13.0  # memory of the rolling attainment that drives pressure and quitting
TINY = 1e-12


def _sections(values: Mapping[str, Any]) -> SimpleNamespace:
    """Turn dotted names into nested namespaces: ``p.coaching.kpi_inspection``."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        section, key = name.split(".", 1)
        out.setdefault(section, {})[key] = value
    return SimpleNamespace(**{s: SimpleNamespace(**kv) for s, kv in out.items()})


def _saturating(x: np.ndarray | float, scale: float) -> np.ndarray | float:
    """Diminishing returns: 1 - exp(-x / scale), 0 at 0 and approaching 1."""
    return -np.expm1(-np.asarray(x) / scale)


class SalesOrgModel(mesa.Model):
    """A sales organisation of executives, managers and reps, stepped a week at a time.

    Every parameter of the registry (``python run.py params``) is a keyword argument, spelled
    with ``_`` for the dot: ``coaching.hours_per_rep_month`` is ``coaching_hours_per_rep_month``.
    Parameters left out take their registry defaults, which describe a typical organisation.

    A model can also hold a *stack* of replications: ``seeds=[s0, s1, ...]`` builds one copy of
    the organisation per seed, side by side in the same arrays, and steps them together. Copy
    ``k`` is bit for bit the run ``SalesOrgModel(seed=seeds[k])`` (each copy draws from its own
    streams; ``tests/sweeps/test_stack.py`` checks it), and ``stack_metrics()`` gives each copy's
    metrics. A stack pays numpy's per-call overhead once a week for all its copies, which is
    what makes many small runs cheap (``analysis.sweeps`` runs a point's replications this way).
    A stack records no weekly DataCollector rows; its arrays hold all copies, copy ``k``'s rep
    seats being ``k * reps_per_copy`` onwards (``org.reps_per_copy``, likewise for managers and
    executives).

    Args:
        seed: Seed for the random number generator; a seed fixes the whole run.
        rng: A numpy seed-like or Generator, as an alternative to ``seed``.
        seeds: Seeds of a stack of replications, instead of ``seed`` and ``rng``.
        params: Model parameters by dotted name, ``{"coaching.hours_per_rep_month": 3}``: the
            spelling of scenario files, ``--set`` and ``Scenario.values``.
        **kwargs: Model parameters by keyword name (see ``sim.params.REGISTRY``), as Mesa's
            ``batch_run`` passes them; a parameter given both ways is refused.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        rng: Any = None,
        seeds: Sequence[int] | None = None,
        params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if seeds is not None:
            if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence | np.ndarray):
                raise TypeError(f"seeds={seeds!r}: expected a list of seeds")
            seeds = [check_seed(s, "seeds") for s in seeds]
            if not seeds or seed is not None or rng is not None:
                raise ValueError("seeds= takes a non-empty list of seeds, and replaces seed= and rng=")
        elif seed is not None:
            seed = check_seed(seed)
        super().__init__(rng=rng_argument(seeds[0] if seeds else seed, rng))
        # One check of every value, whichever way it came: resolve is cheap (a tenth of a
        # millisecond) and idempotent, so values a caller resolved already pass through unchanged.
        if params is not None and not isinstance(params, Mapping):
            raise TypeError(f"params={params!r}: expected a mapping of dotted parameter names to values")
        dotted = dict(params or {})
        for kwarg, value in kwargs.items():
            try:
                name = registry.by_kwarg(kwarg).name
            except KeyError:
                raise registry.unknown(kwarg.replace("_", ".", 1), "SalesOrgModel") from None
            if name in dotted:
                raise registry.ParameterError(
                    f"SalesOrgModel: {name} is given twice, in params and as {kwarg}=; give it once"
                )
            dotted[name] = value
        self.params: dict[str, Any] = registry.resolve(dotted, "SalesOrgModel")
        self.p = p = _sections(self.params)
        self.total_weeks = p.sim.warmup_weeks + p.sim.weeks

        # All randomness derives from model.rng, so a seed fixes the run. Each process draws from
        # its own stream, re-derived every week (SeedSequence spawn keys), so that two policies
        # run with the same seed share their luck: a difference in one week's draws does not
        # shift every later draw (common random numbers that stay common).
        # A stack's copy k draws what SalesOrgModel(seed=seeds[k]) would: its own model.rng's first
        # draw is its entropy.
        if seeds is None:
            self._entropy = [int(self.rng.integers(2**63))]
        else:
            self._entropy = [int(np.random.default_rng(s).integers(2**63)) for s in seeds]
        self.stack = len(self._entropy)
        self._collect = seeds is None
        self._stream_table: dict[int, np.ndarray] = {}
        # initialisation: reps, pipelines, managers and the teams each draw from their own stream,
        # so that changing one (say the managers' quota, hence their pipelines) leaves the others alike
        self._rng_reps, self._rng_pipeline, self._rng_hire, rng_teams = self._streams(STREAM_INIT, 4)

        self._build_org(rng_teams)
        self._init_reps()
        self._init_managers()
        self.ledger = Ledger(self.org.reps_per_copy, self.stack, self.org.managers_per_copy)
        self.departed: list[dict[str, np.ndarray]] = []
        self.datacollector = mesa.DataCollector(model_reporters={name: _reporter(name) for name in CANONICAL})
        self.running = True
        if self._collect:
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ construction
    def _build_org(self, rng_teams: Sequence[np.random.Generator]) -> None:
        p = self.p
        self.roster = load_roster(p.org.roster) if p.org.roster else None
        if self.roster is not None:
            ros = self.roster
            n_reps, n_mgr, n_exec = ros.n_reps, len(ros.manager_ids), len(ros.exec_ids)
            team, exec_of_manager = ros.rep_manager, ros.manager_exec
            rep_quota, mgr_quota = ros.rep_quota, ros.manager_quota
        else:
            n_reps = p.org.reps
            n_mgr = math.ceil(n_reps / p.org.span_of_control)
            n_exec = math.ceil(n_mgr / p.org.managers_per_executive)
            team = None  # drawn per copy: real teams differ in size
            exec_of_manager = np.arange(n_mgr) // p.org.managers_per_executive
            rep_quota = np.full(n_reps, p.rep.quota)
            mgr_quota = np.full(n_mgr, p.manager.quota_share * p.rep.quota)
        # selling hours a week that carrying the personal quota takes
        selling_need = mgr_quota / max(float(rep_quota.mean()), TINY) * p.manager.selling_hours_per_quota
        # a stack repeats the organisation; copy k's indices are offset by k copies
        K = self.stack
        copies = np.arange(K)
        if team is None:
            team = np.concatenate([self._teams(rng, n_reps, n_mgr) + n_mgr * c for c, rng in enumerate(rng_teams)])
        else:
            team = (team[None, :] + n_mgr * copies[:, None]).ravel()
        exec_of_manager = (exec_of_manager[None, :] + n_exec * copies[:, None]).ravel()
        order = np.argsort(team, kind="stable")
        n_sell = n_reps + n_mgr
        self.org = SimpleNamespace(
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
            # a team's seats are order[bounds[m]:bounds[m + 1]]
            seat_order=order,
            team_bounds=np.searchsorted(team[order], np.arange(K * n_mgr + 1)),
            rep_quota=np.tile(rep_quota, K),  # annual, per seat
            manager_quota=np.tile(mgr_quota, K),  # annual personal quota, per manager seat
            manager_selling_need=np.tile(selling_need, K),
            copy_of_rep=np.repeat(copies, n_reps),
            # sellers (reps, then managers, of each copy in turn) in the pipeline arrays
            rep_seller=(np.arange(n_reps)[None, :] + n_sell * copies[:, None]).ravel(),
            manager_seller=(np.arange(n_reps, n_sell)[None, :] + n_sell * copies[:, None]).ravel(),
            seller_bounds=n_sell * np.arange(K + 1),
        )
        self.executive_agents = [Executive(self, i) for i in range(K * n_exec)]

    def _teams(self, rng: np.random.Generator, n_reps: int, n_mgr: int) -> np.ndarray:
        """Each rep seat's team in a generated org: teams of uneven size around the mean span.

        With ``org.span_sd`` 0 the teams are full spans in seat order. Otherwise each team's
        size is one rep plus a share of the remaining seats in proportion to a gamma weight
        (largest remainders), the weights' spread set so that team sizes have a standard
        deviation of about ``span_sd`` reps.
        """
        span, sd = self.p.org.span_of_control, self.p.org.span_sd
        extra = n_reps - n_mgr
        if sd <= 0 or n_mgr == 1 or extra == 0:
            return np.arange(n_reps) // span
        shape = (extra / n_mgr / sd) ** 2  # weights of coefficient of variation sd / (extra seats a team)
        weight = rng.gamma(shape, 1 / shape, n_mgr)
        total = weight.sum()
        if not 0 < total < np.inf:  # a spread so wide that every weight underflows: all on one team
            weight, total = (np.arange(n_mgr) == np.argmax(weight)).astype(float), 1.0
        ideal = extra * weight / total
        sizes = np.floor(ideal).astype(np.int64)
        short = extra - int(sizes.sum())
        sizes[np.argsort(sizes - ideal, kind="stable")[:short]] += 1
        return np.repeat(np.arange(n_mgr), sizes + 1)

    def _streams(self, stream: int, k: int) -> list[list[np.random.Generator]]:
        """``k`` independent generators for ``stream`` in the current week, each for every copy.

        Generator ``i`` is seeded by ``SeedSequence(entropy, spawn_key=(stream, week, i))``, the
        ``i``-th child that ``SeedSequence(entropy, spawn_key=(stream, week)).spawn(k)`` gives.
        The seed words of every week are computed at once (``sim.streams``), bit for bit as
        numpy would, for a fraction of the cost of building each SeedSequence. Each of the
        ``k`` items is a list with one generator per copy of the stack.
        """
        week = steps(self)
        table = self._stream_table.get(stream)
        if table is None or week >= table.shape[1]:
            weeks = week + 1 if stream == STREAM_INIT else max(week + 1, self.total_weeks + 1)
            if table is not None:
                weeks = max(weeks, 2 * table.shape[1])
            n = STREAM_CHILDREN[stream]
            keys = np.stack(
                [np.full(weeks * n, stream), np.repeat(np.arange(weeks), n), np.tile(np.arange(n), weeks)], axis=1
            )
            table = seed_words(self._entropy, keys).reshape(self.stack, weeks, n, 4)
            self._stream_table[stream] = table
        if k > table.shape[2]:
            raise ValueError(f"stream {stream} has {table.shape[2]} children a week, asked for {k}")
        made = generators(table[:, week, :k].reshape(-1, 4))  # copy by copy, k children each
        return [made[i::k] for i in range(k)]

    def _by_copy(self, seats: np.ndarray, per_copy: int) -> list[tuple[int, np.ndarray]]:
        """``(copy, its seats)`` for each copy with any of ``seats`` (``per_copy`` seats a copy)."""
        if self.stack == 1:
            return [(0, seats)]
        copy = seats // per_copy
        return [(int(k), seats[copy == k]) for k in np.unique(copy)]

    def _copies(self, n_per: int) -> list[slice]:
        """Each copy's slice of an array with ``n_per`` entries per copy."""
        return [slice(k * n_per, (k + 1) * n_per) for k in range(self.stack)]

    def _per_copy_sum(self, values: np.ndarray) -> np.ndarray | float:
        """Each copy's sum of a per-seat array (a plain sum for a single run: the same float)."""
        if self.stack == 1:
            return values.sum()
        return values.reshape(self.stack, -1).sum(axis=1)

    def _join(self, rep: np.ndarray, manager: np.ndarray) -> np.ndarray:
        """A pipeline (seller) array from a rep array and a manager array, copy by copy."""
        K = self.stack
        if K == 1:
            return np.concatenate((rep, manager))
        return np.concatenate((rep.reshape(K, -1), manager.reshape(K, -1)), axis=1).ravel()

    def _split(self, seller: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rep part and the manager part of a seller array (views where numpy can: read only)."""
        n, K = self.org.reps_per_copy, self.stack
        if K == 1:
            return seller[:n], seller[n:]
        both = seller.reshape(K, -1)
        return both[:, :n].ravel(), both[:, n:].ravel()

    def _typical_weekly_quit(self) -> float:
        """Weekly quit probability of a rep at the starting motivation who is on plan."""
        p = self.p
        base = -math.log1p(-min(p.rep.attrition_per_year, 0.999)) / 52
        hazard = base * math.exp(p.rep.attrition_motivation_sensitivity * (1 - p.rep.initial_motivation))
        return max(-math.expm1(-hazard), 1e-4)

    def _draw_aptitude(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.clip(rng.normal(self.p.rep.aptitude_mean, self.p.rep.aptitude_sd, n), 0.05, 0.98)

    def _segment_of(self, aptitude: np.ndarray, new_hire: np.ndarray) -> np.ndarray:
        """Star, core or struggler by aptitude (top and bottom fifth); new hires apart."""
        cut = 0.8416 * self.p.rep.aptitude_sd
        mean = self.p.rep.aptitude_mean
        seg = np.where(aptitude >= mean + cut, 0, np.where(aptitude <= mean - cut, 2, 1))
        return np.where(new_hire, 3, seg).astype(np.int8)

    def _start_draws(self, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """One copy's random starting state of its rep seats, in the order the draws are made."""
        p, n = self.p, self.org.reps_per_copy
        aptitude = self._draw_aptitude(rng, n)
        if self.roster is not None:
            tenure = self.roster.rep_tenure.copy()
            aptitude = _order_like(aptitude, self.roster.rep_attainment, rng)
        else:
            # tenure of a workforce with a constant quit rate is geometric; the rate is a typical
            # rep's (at the starting motivation, on plan), not the base rate of a fully motivated one
            tenure = rng.geometric(self._typical_weekly_quit(), n) - 1
        skill_noise = rng.standard_normal(n)
        motivation_noise = rng.standard_normal(n)
        # in a steady state some seats are between a quit and a hire
        lag = p.rep.hiring_lag_weeks
        if self.roster is None and lag:
            q = self._typical_weekly_quit()
            vacant = rng.random(n) < lag * q / (1 + lag * q)
        else:
            vacant = np.zeros(n, bool)
        wait = rng.integers(1, max(lag, 1) + 1, n)
        return aptitude, tenure, skill_noise, motivation_noise, vacant, wait

    def _init_reps(self) -> None:
        p, n = self.p, self.org.n_reps
        draws = zip(*(self._start_draws(rng) for rng in self._rng_reps), strict=True)
        aptitude, tenure, skill_noise, motivation_noise, vacant, wait = (np.concatenate(d) for d in draws)
        ramp = p.rep.ramp_weeks
        share = np.where(
            tenure < ramp,
            p.rep.new_hire_skill_share
            + (p.rep.initial_skill_share - p.rep.new_hire_skill_share) * tenure / max(ramp, 1),
            p.rep.initial_skill_share,
        )
        skill = np.clip(aptitude * share * (1 + 0.05 * skill_noise), 0.01, 1)
        motivation = np.clip(p.rep.initial_motivation + 0.05 * motivation_noise, 0.02, 1)
        # the coaching and attention received recently, consistent with the starting state
        fp = p.rep.practice_share
        reach = np.clip((p.rep.initial_skill_share - fp) / max(1 - fp, TINY), 0, 0.99)
        lift = np.clip(
            (p.rep.initial_motivation - p.motivation.base) / max(p.motivation.coaching_effect, TINY), 0, 0.99
        )
        weekly_quota = self.org.rep_quota / 52
        self.reps = SimpleNamespace(
            occupied=~vacant,
            vacancy_left=np.where(vacant, wait, 0),
            aptitude=aptitude,
            skill=skill,
            motivation=motivation,
            tenure=tenure.astype(np.int64),
            segment=self._segment_of(aptitude, tenure < ramp),
            coach_stock=np.full(n, -p.coaching.dose_scale * math.log1p(-reach)),
            attention=np.full(n, -p.motivation.attention_scale * math.log1p(-lift)),
            roll_book=weekly_quota.copy(),
            roll_quota=weekly_quota.copy(),
            ytd_book=np.zeros(n),
            ytd_quota=np.zeros(n),
            hire_week=-tenure.astype(np.int64),
        )
        self._week_hours_init()
        # a pipeline in its steady state for the starting selling hours
        selling = max(p.rep.hours_per_week - p.rep.admin_hours_per_week, 0)
        new_rate = self._join(
            selling * motivation * p.pipeline.opportunities_per_hour,
            self.org.manager_selling_need * p.manager.motivation * p.pipeline.opportunities_per_hour,
        )
        leave = 1 / p.pipeline.cycle_weeks + p.pipeline.stall_rate
        stall_share = p.pipeline.stall_rate / (p.pipeline.stalled_loss_rate + 0.05)
        # each copy's generator draws the active pipelines, then the stalled ones
        bounds, rngs = self.org.seller_bounds, self._rng_pipeline
        active = _each(rngs, bounds, "poisson", new_rate / leave).astype(np.int64)
        stalled = _each(rngs, bounds, "poisson", new_rate / leave * stall_share).astype(np.int64)
        self.sellers = SimpleNamespace(active=active, stalled=stalled)
        empty = self.org.rep_seller[vacant]
        self.sellers.active[empty] = self.sellers.stalled[empty] = 0
        self.rep_agents: list[Rep | None] = [None if vacant[i] else Rep(self, i) for i in range(n)]

    def _new_manager_state(self, idx: np.ndarray | int, promoted: np.ndarray | bool, skill_mean: float) -> None:
        """New people in manager seats ``idx``, drawn from their copy's hiring stream.

        Managers differ: in coaching and selling skill, in their habit of riding along rather
        than coaching (spread on the log-odds scale around the median of their kind: a rep just
        promoted from the team, or any other manager), and in how strongly they respond to
        inspection (median 1, spread on the log scale). ``skill_mean`` is the mean coaching
        skill of a new person who was not promoted from the team.
        """
        m, p = self.managers, self.p
        idx = np.atleast_1d(idx)
        promoted = np.broadcast_to(promoted, idx.shape)
        skill = np.where(promoted, p.promotion.promoted_coaching_skill, skill_mean)
        for k, seats in self._by_copy(idx, self.org.managers_per_copy):
            rng, mine = self._rng_hire[k], np.isin(idx, seats)
            m.coach_base[seats] = np.clip(rng.normal(skill[mine], p.manager.coaching_skill_sd), 0.02, 0.95)
            m.sell_skill[seats] = np.clip(rng.normal(p.manager.selling_skill_mean, 0.08, seats.size), 0.05, 1)
            # some managers consistently practise coaching, most ride along by habit (article A003);
            # a rep just promoted keeps selling on the team's deals (article A002)
            coach = (rng.random(seats.size) < p.manager.coach_share) & ~promoted[mine]
            median = np.where(coach, p.manager.coach_ride_along_habit, p.manager.ride_along_habit)
            median = np.where(promoted[mine], p.promotion.promoted_ride_along_habit, median)
            m.habit[seats] = _logistic(
                _logit(median) + p.manager.ride_along_habit_spread * rng.standard_normal(seats.size)
            )
            m.response[seats] = np.exp(p.manager.inspection_response_spread * rng.standard_normal(seats.size))
            m.coaches[seats] = coach
        m.promoted[idx] = promoted
        m.coach_skill[idx] = m.coach_base[idx]
        m.extra_selling[idx] = np.where(promoted, p.promotion.promoted_extra_selling_hours, 0.0)
        m.weeks_in_role[idx] = 0
        m.present[idx] = True
        m.practice[idx] = 0.0
        m.exec_stock[idx] = 0.0

    def _init_managers(self) -> None:
        p, n = self.p, self.org.n_managers
        self.managers = SimpleNamespace(
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
            exec_stock=np.full(n, p.executive.coaching_hours_per_manager_month),
            visit_stock=np.full(n, p.executive.field_visits_per_manager_quarter),
            meet_stock=np.full(n, 1 / (1 - (1 - p.meetings.memory_decay) ** p.meetings.cadence_weeks)),
            roll_book=self.org.manager_quota / 52,
            roll_quota=self.org.manager_quota / 52,
        )
        # the starting managers are the typical org's population (of every background); promoted
        # top reps and experienced hires arrive as managers leave (promotion.policy)
        self._new_manager_state(np.arange(n), False, p.manager.coaching_skill_mean)
        tenure = 52 if self.roster is None else np.tile(self.roster.manager_tenure, self.stack)
        self.managers.weeks_in_role[:] = tenure
        self.managers.exec_stock[:] = p.executive.coaching_hours_per_manager_month
        self._update_quality()
        self.manager_agents: list[Manager | None] = [Manager(self, i) for i in range(n)]

    def _week_hours_init(self) -> None:
        n, m, e = self.org.n_reps, self.org.n_managers, self.org.n_executives
        self.week_hours = {
            "rep": {a: np.zeros(n) for a in ACTIVITIES["rep"]},
            "manager": {a: np.zeros(m) for a in ACTIVITIES["manager"]},
            "executive": {a: np.zeros(e) for a in ACTIVITIES["executive"]},
        }

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week: plan everyone's hours, develop people, sell, then people come and go."""
        self._plan_hours()
        self._develop_people()
        self._sell()
        self._turn_over()
        self._close_week()

    def _plan_hours(self) -> None:
        """Split each tier's week between its competing demands (``sim.hours``)."""
        p, org, R, M = self.p, self.org, self.reps, self.managers
        week = steps(self) - 1  # Mesa counts the step before running it
        if week % QUOTA_YEAR_WEEKS == 0:  # a new quota year
            R.ytd_book[:] = R.ytd_quota[:] = 0.0
        team_n = np.bincount(org.team, weights=R.occupied, minlength=org.n_managers)
        self.meeting = M.present & (week % p.meetings.cadence_weeks == 0)

        # executives: deal talks, then coaching and field visits; the rest is internal work
        eh = p.executive.hours_per_week
        discretionary = eh * (1 - p.executive.internal_share)
        deal = discretionary * p.executive.deal_focus_share
        rest = discretionary - deal
        coach_need = p.executive.coaching_hours_per_manager_month * org.managers_of_exec / WEEKS_PER_MONTH
        visit_need = (
            p.executive.field_visits_per_manager_quarter
            * org.managers_of_exec
            / WEEKS_PER_QUARTER
            * p.executive.field_visit_hours
        )
        scale = np.minimum(1.0, rest / np.maximum(coach_need + visit_need, TINY))
        E = self.week_hours["executive"]
        E["deal_focus"][:] = deal
        E["coaching_managers"][:] = coach_need * scale
        E["field_visits"][:] = visit_need * scale
        E["internal"][:] = np.maximum(eh - deal - E["coaching_managers"] - E["field_visits"], 0.0)
        per_mgr = 1 / org.managers_of_exec[org.exec_of_manager]
        self.exec_coaching_month = E["coaching_managers"][org.exec_of_manager] * per_mgr * WEEKS_PER_MONTH
        visits_quarter = (
            E["field_visits"][org.exec_of_manager] * per_mgr / p.executive.field_visit_hours * WEEKS_PER_QUARTER
        )
        M.visit_stock += (visits_quarter - M.visit_stock) / WEEKS_PER_QUARTER
        # inspection: a coaching KPI, strengthened by field visits that see the coaching
        M.inspection = effective_inspection(
            p.coaching.kpi_inspection, p.executive.visit_protection * M.visit_stock, M.response
        )

        # managers: fixed demands first, then the discretionary week (sim.hours.manager_week)
        mh = p.manager.hours_per_week
        admin = p.manager.admin_hours_per_week + p.manager.admin_hours_per_rep * team_n
        meet = self.meeting * p.meetings.duration_hours
        fixed = admin + p.manager.distraction_hours_per_week + meet
        squeeze = np.minimum(1.0, mh / np.maximum(fixed, TINY))
        present = M.present
        behind = np.clip(1 - M.roll_book / np.maximum(M.roll_quota, TINY), 0, 1) * (M.roll_quota > 0)
        week_args = dict(
            discretionary=np.maximum(mh - fixed, 0.0) * present,
            inspection=M.inspection,
            selling_need=org.manager_selling_need + M.extra_selling * np.exp(-M.weeks_in_role / 52),
            pressure=p.manager.quota_pressure * behind,
            customer_share=p.manager.customer_work_share,
            habit=M.habit,
            has_team=team_n > 0,
        )
        typical = manager_week(floor=np.zeros(org.n_managers), **week_args)
        # the typical week's time with the team is spread by the manager's habit; a policy's
        # floor is each rep's own, spread by the allocation rule (so the target is the team's
        # average: "equal" gives every rep the floor), and a rep whose habitual coaching is above
        # it keeps that: the team's floor is the sum over its reps of the larger of the two
        ranked = p.coaching.allocation in ("needs", "core", "top") or p.manager.remediation_tilt > 0
        pct = self._team_percentile() if ranked else None
        habit_share = self._team_share(self._habit_weights(pct) * R.occupied)
        habitual = typical.coaching[org.team] * habit_share
        target = p.coaching.hours_per_rep_month
        if target:
            rule = self._team_share(self._allocation_weights(pct) * R.occupied)
            short = np.maximum(target * team_n[org.team] * rule / WEEKS_PER_MONTH - habitual, 0.0) * R.occupied
            team_short = np.bincount(org.team, weights=short, minlength=org.n_managers)
            split = manager_week(floor=typical.coaching + team_short, **week_args)
            filled = (split.coaching - typical.coaching) / np.maximum(team_short, TINY)
            offered = habitual + short * np.minimum(filled, 1.0)[org.team]
        else:
            split, offered = typical, habitual
        with_rep = offered + (split.with_team - split.coaching)[org.team] * habit_share

        H = self.week_hours["manager"]
        H["admin"][:] = admin * squeeze * present
        H["distractions"][:] = p.manager.distraction_hours_per_week * squeeze * present + split.customer_work
        H["team_meeting"][:] = meet * squeeze
        H["selling"][:] = split.selling
        self.meeting_rep = self.meeting[org.team] & R.occupied

        # reps: admin and meetings first, then being coached, then deal talks; selling is the rest
        rh = p.rep.hours_per_week
        r_admin = min(p.rep.admin_hours_per_week, rh) * R.occupied
        r_meet = np.minimum(self.meeting_rep * p.meetings.duration_hours, rh - r_admin) * R.occupied
        free = rh * R.occupied - r_admin - r_meet
        coached = np.minimum(offered, free)
        if np.any(offered - coached > TINY):  # a rep without the hours for their share
            coached, with_rep = self._pass_on(offered, coached, with_rep, free, offered)
        talk_need = (E["deal_focus"] / np.maximum(org.seats_of_exec, 1))[org.exec_of_rep] * R.occupied
        talk = np.minimum(talk_need, free - coached)
        r = self.week_hours["rep"]
        r["admin"][:] = r_admin
        r["team_meeting"][:] = r_meet
        r["being_coached"][:] = coached
        r["executive_deal_talks"][:] = talk
        r["selling"][:] = free - coached - talk
        # time with a rep that is not a one-on-one (by habit, or because the rep had no hours for
        # one) is spent riding along on the rep's deals: joint selling, inside the rep's selling time
        self.ride_rep = with_rep - coached
        H["coaching"][:] = np.bincount(org.team, weights=coached, minlength=org.n_managers)
        H["ride_alongs"][:] = np.bincount(org.team, weights=self.ride_rep, minlength=org.n_managers)

    def _team_share(self, weights: np.ndarray) -> np.ndarray:
        """Each rep's share of their team's total of ``weights``."""
        team = self.org.team
        return weights / np.maximum(np.bincount(team, weights=weights, minlength=self.org.n_managers), TINY)[team]

    def _pass_on(
        self, offered: np.ndarray, coached: np.ndarray, with_rep: np.ndarray, free: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Coaching a rep has no free hours for goes to teammates who have them, by their weights.

        The team's coaching is then delivered up to the team's free hours, as the floor of an
        inspected target requires. The manager's other time with the team (ride-alongs) is spread
        again over the reps whose share of it the coaching did not fill, so no rep's is negative.
        """
        team, n = self.org.team, self.org.n_managers
        for _ in range(int(np.bincount(team).max(initial=0))):  # a rep fills up at each pass at least
            excess = np.bincount(team, weights=offered - coached, minlength=n)
            room = free - coached
            open_ = weights * (room > TINY)
            total = np.bincount(team, weights=open_, minlength=n)
            if not np.any((excess > TINY) & (total > 0)):
                break
            offered = coached + excess[team] * open_ / np.maximum(total, TINY)[team] * (total[team] > 0)
            coached = np.minimum(offered, free)
        ride_team = np.bincount(team, weights=with_rep, minlength=n) - np.bincount(team, weights=coached, minlength=n)
        left = np.maximum(with_rep - coached, 0.0)
        spread = np.bincount(team, weights=left, minlength=n)
        ride = left * (np.maximum(ride_team, 0.0) / np.maximum(spread, TINY))[team]
        return coached, coached + ride

    def _team_percentile(self) -> np.ndarray:
        """Each rep's percentile of rolling attainment within the team, 0 = lowest, 1 = highest."""
        R, org = self.reps, self.org
        att = np.where(R.occupied, R.roll_book / np.maximum(R.roll_quota, TINY), np.inf)
        order = np.lexsort((att, org.team))
        sorted_team = org.team[order]
        first = np.searchsorted(sorted_team, sorted_team, side="left")
        counts = np.bincount(org.team, weights=R.occupied, minlength=org.n_managers)
        pct = np.empty(org.n_reps)
        pct[order] = (np.arange(org.n_reps) - first) / np.maximum(counts[sorted_team] - 1, 1)
        return pct

    def _allocation_weights(self, pct: np.ndarray | None) -> np.ndarray:
        """Relative weights of the policy's floor within each team under ``coaching.allocation``.

        ``pct`` is :meth:`_team_percentile` (needed by the ``needs``, ``core`` and ``top`` rules).
        """
        rule, R = self.p.coaching.allocation, self.reps
        if rule == "equal":
            return np.ones(self.org.n_reps)
        if rule == "new_hires":
            return np.where(R.tenure < max(self.p.rep.ramp_weeks, 1), 3.0, 0.5)
        if rule == "needs":
            return _needs_weight(pct)
        if rule == "top":
            return 0.25 + 1.5 * pct
        return 1.75 - 3.0 * np.abs(pct - 0.5)  # core

    def _habit_weights(self, pct: np.ndarray | None) -> np.ndarray:
        """Relative weights of the manager's habitual time with the team (the typical week's real
        coaching and ride-alongs): even, leaning toward the reps furthest behind in the team by
        ``manager.remediation_tilt`` (1: as the ``needs`` rule) **[A39]**."""
        tilt = self.p.manager.remediation_tilt
        if not tilt:
            return np.ones(self.org.n_reps)
        return 1.0 + tilt * (_needs_weight(pct) - 1.0)

    def _update_quality(self) -> None:
        M, p = self.managers, self.p
        mult = p.coaching.framework_multiplier if p.coaching.framework else 1.0
        M.quality = np.minimum(1.0, M.coach_skill * mult) * M.present

    def _develop_people(self) -> None:
        """Coaching builds skill and motivation over weeks; managers learn to coach."""
        p, org, R, M = self.p, self.org, self.reps, self.managers
        r = self.week_hours["rep"]
        q = M.quality[org.team]
        real, ride, talk = r["being_coached"], self.ride_rep, r["executive_deal_talks"]
        memory = 1 / p.coaching.memory_weeks
        # skill: a target set by practice and a saturating coaching dose (quantity x quality)
        dose = (real * (1 - p.coaching.pipeline_review_share) + ride * p.coaching.ride_along_teaching) * q
        R.coach_stock += memory * (dose * WEEKS_PER_MONTH - R.coach_stock)
        nominal = max(p.rep.hours_per_week - p.rep.admin_hours_per_week, TINY)
        practice = np.minimum(1.0, r["selling"] / nominal)
        fp = p.rep.practice_share
        target = R.aptitude * (fp * practice + (1 - fp) * _saturating(R.coach_stock, p.coaching.dose_scale))
        rate = np.where(
            target > R.skill,
            np.where(R.tenure < p.rep.ramp_weeks, p.rep.ramp_learning_rate, p.rep.learning_rate),
            p.rep.skill_decay,
        )
        R.skill += rate * (target - R.skill) * R.occupied
        # motivation: attention and regular meetings raise it, falling behind lowers it
        # a ride-along is the manager selling, not attention to the rep's development (article A003)
        attention = real + ride * p.coaching.ride_along_teaching + talk
        R.attention += memory * (attention * WEEKS_PER_MONTH - R.attention)
        M.meet_stock = M.meet_stock * (1 - p.meetings.memory_decay) + self.meeting * min(1.0, p.meetings.duration_hours)
        meet_effect = np.minimum(1.0, p.meetings.memory_decay * M.meet_stock)[org.team]
        m_target = (
            p.motivation.base
            + p.motivation.coaching_effect * _saturating(R.attention, p.motivation.attention_scale)
            + p.motivation.meeting_effect * meet_effect
            - p.motivation.behind_effect * self._rep_behind()
        )
        R.motivation += p.motivation.adjust_rate * (np.clip(m_target, 0.02, 1.0) - R.motivation) * R.occupied
        # managers' coaching skill: training, executive coaching, debriefs, practice
        M.exec_stock += (self.exec_coaching_month - M.exec_stock) / WEEKS_PER_QUARTER
        team_n = np.bincount(org.team, weights=R.occupied, minlength=org.n_managers)
        per_rep = self.week_hours["manager"]["coaching"] / np.maximum(team_n, 1) * WEEKS_PER_MONTH
        M.practice += (per_rep - M.practice) / WEEKS_PER_QUARTER
        q_target = (
            M.coach_base
            + p.manager.training * p.manager.training_gain
            + p.executive.coaching_gain * _saturating(M.exec_stock, p.executive.coaching_scale)
            + p.executive.visit_skill_gain * _saturating(M.visit_stock, 1.0)
            + p.manager.practice_gain * _saturating(M.practice, 2.0)
        )
        M.coach_skill += p.manager.skill_adjust_rate * (np.minimum(q_target, 1.0) - M.coach_skill) * M.present
        self._update_quality()

    def _rep_behind(self) -> np.ndarray:
        """Each rep's shortfall (0-1) of recent bookings against what is expected of them now.

        A tenured rep is expected to book their quota; a new hire in the ramp is expected to
        book a share of it rising with tenure, as ramped quotas for new hires set it **[A32]**,
        so the ramp itself is not taken for falling behind.
        """
        R, ramp = self.reps, self.p.rep.ramp_weeks
        expected = np.minimum(1.0, (R.tenure + 1) / ramp) if ramp else 1.0
        return np.clip(1 - R.roll_book / np.maximum(R.roll_quota * expected, TINY), 0, 1)

    def _sell(self) -> None:
        """Create, progress, stall, unstick, win and lose deals; book the wins."""
        p, org, R, M, S = self.p, self.org, self.reps, self.managers, self.sellers
        pp = p.pipeline
        r = self.week_hours["rep"]
        q = M.quality[org.team]
        review = r["being_coached"] * p.coaching.pipeline_review_share * q
        boost = p.coaching.deal_strategy_boost * review + p.executive.deal_win_boost * _saturating(
            r["executive_deal_talks"], 0.25
        )
        hours = self._join(r["selling"] * R.motivation, self.week_hours["manager"]["selling"] * p.manager.motivation)
        active_reps, _ = self._split(S.active)
        win_reps = np.minimum(pp.win_rate_at_full_skill * R.skill * (1 + boost), 0.95)
        # a rep's own productivity, for the ramp (T7): the manager's joint selling is not the rep's
        self._track_ramp(active_reps * (win_reps * pp.deal_size / pp.cycle_weeks))
        # open deals resolve at the usual rate, or faster or slower around the quota year's end
        left = QUOTA_YEAR_WEEKS - (steps(self) - 1) % QUOTA_YEAR_WEEKS
        gap = R.ytd_quota + left * org.rep_quota / 52 - R.ytd_book
        timing = deal_timing(left, WEEKS_PER_QUARTER, gap, active_reps * win_reps * pp.deal_size, pp.quota_timing)
        resolve = np.minimum(self._join(timing, np.ones(org.n_managers)) / pp.cycle_weeks, 1.0)
        # ride-alongs are joint selling, bounded by what the manager's own selling would book
        win_manager = np.minimum(pp.win_rate_at_full_skill * M.sell_skill, 0.95)
        win_reps = joint_win_rate(
            win_reps,
            win_manager[org.team],
            self.ride_rep,
            active_reps * self._split(resolve)[0],
            pp.opportunities_per_hour,
            p.manager.motivation,
        )
        win = self._join(win_reps, win_manager)
        unstick = self._join(
            -np.expm1(-(pp.review_unstick * review + pp.meeting_unstick * self.meeting_rep)), np.zeros(org.n_managers)
        )
        g_new, g_res, g_win, g_stall, g_revive, g_lost, g_value = self._streams(STREAM_SELL, 7)
        bounds = org.seller_bounds
        lam = hours * pp.opportunities_per_hour
        new = _each(g_new, bounds, "poisson", lam)
        resolved = _binomial(g_res, bounds, S.active, resolve)
        won = _binomial(g_win, bounds, resolved, win)
        S.active -= resolved
        stalls = _binomial(g_stall, bounds, S.active, pp.stall_rate)
        revived = _binomial(g_revive, bounds, S.stalled, unstick)
        S.stalled -= revived
        S.stalled -= _binomial(g_lost, bounds, S.stalled, pp.stalled_loss_rate)
        S.stalled += stalls
        S.active += revived + new - stalls
        value = np.zeros(won.size)
        winners = np.flatnonzero(won)
        cv2 = pp.deal_size_cv**2
        # a sum of `won` deal sizes
        value[winners] = _each(g_value, bounds, "gamma", won[winners] / cv2, pp.deal_size * cv2, at=winners)
        self.rep_book, self.mgr_book = self._split(value)
        self.rep_quota = R.occupied * (org.rep_quota / 52)
        self.mgr_quota = M.present * (org.manager_quota / 52)
        R.ytd_book += self.rep_book
        R.ytd_quota += self.rep_quota
        R.roll_book += (self.rep_book - R.roll_book) / ROLLING_WEEKS * R.occupied
        R.roll_quota += (self.rep_quota - R.roll_quota) / ROLLING_WEEKS * R.occupied
        M.roll_book += (self.mgr_book - M.roll_book) / ROLLING_WEEKS
        M.roll_quota += (self.mgr_quota - M.roll_quota) / ROLLING_WEEKS
        self.worked = R.occupied.copy()  # who held a seat this week, before anyone leaves
        if steps(self) > p.sim.warmup_weeks:
            L = self.ledger
            L.seat_book += self.rep_book
            L.seat_quota += self.rep_quota
            L.seat_weeks += self.worked
            L.seat_coached += r["being_coached"]
            K, copy = self.stack, org.copy_of_rep[self.worked]
            heads = np.bincount(copy, minlength=K)
            L.rep_weeks += heads
            L.mgr_weeks += M.present.reshape(K, -1).sum(axis=1)
            per_head = np.maximum(heads, 1)
            L.skill_sum += np.bincount(copy, weights=R.skill[self.worked], minlength=K) / per_head
            L.motivation_sum += np.bincount(copy, weights=R.motivation[self.worked], minlength=K) / per_head

    def _track_ramp(self, expected: np.ndarray) -> None:
        """Record expected weekly bookings by tenure for hires, against tenured reps."""
        R, L, K, copy = self.reps, self.ledger, self.stack, self.org.copy_of_rep
        hired = R.occupied & (R.hire_week >= 0) & (R.tenure < RAMP_TRACK_WEEKS)
        cell = copy[hired] * RAMP_TRACK_WEEKS + R.tenure[hired]
        L.ramp_sum += np.bincount(cell, weights=expected[hired], minlength=K * RAMP_TRACK_WEEKS).reshape(K, -1)
        L.ramp_n += np.bincount(cell, minlength=K * RAMP_TRACK_WEEKS).reshape(K, -1)
        tenured = R.occupied & (R.tenure >= RAMP_BENCHMARK_WEEKS)
        L.tenured_sum += np.bincount(copy[tenured], weights=expected[tenured], minlength=K)
        L.tenured_n += np.bincount(copy[tenured], minlength=K)

    def _turn_over(self) -> None:
        """Reps and managers leave; vacancies are filled after a lag; managers are replaced."""
        p, R, M = self.p, self.reps, self.managers
        week = steps(self) - 1
        leaving, self._rng_hire = self._streams(STREAM_TURNOVER, 2)
        # this week's draws are made for every seat, so policies keep their draws aligned
        org = self.org
        if self.stack == 1:
            u_rep, u_mgr = leaving[0].random(org.n_reps), leaving[0].random(org.n_managers)
        else:
            u_rep, u_mgr = np.empty(org.n_reps), np.empty(org.n_managers)
            for rng, reps, managers in zip(
                leaving, self._copies(org.reps_per_copy), self._copies(org.managers_per_copy), strict=True
            ):
                u_rep[reps] = rng.random(org.reps_per_copy)
                u_mgr[managers] = rng.random(org.managers_per_copy)
        # reps quit with a hazard raised by low motivation and falling behind
        behind = self._rep_behind()
        base = -math.log1p(-min(p.rep.attrition_per_year, 0.999)) / 52
        hazard = base * np.exp(
            p.rep.attrition_motivation_sensitivity * (1 - R.motivation)
            + p.rep.attrition_attainment_sensitivity * behind
        )
        R.vacancy_left -= ~R.occupied
        quits = np.flatnonzero(R.occupied & (u_rep < -np.expm1(-hazard)))
        if quits.size:
            self._vacate_reps(quits, week, "quit")
            if steps(self) > p.sim.warmup_weeks:
                self.ledger.departures += np.bincount(org.copy_of_rep[quits], minlength=self.stack)
        # managers leave and are replaced by the promotion policy (a promotion vacates a rep seat)
        M.vacancy_left -= ~M.present
        m_base = -math.log1p(-min(p.manager.attrition_per_year, 0.999)) / 52
        for i in np.flatnonzero(M.present & (u_mgr < -math.expm1(-m_base))):
            self._replace_manager(int(i), week)
        for i in np.flatnonzero(~M.present & (M.vacancy_left <= 0)):
            self._new_manager_state(i, False, p.promotion.experienced_coaching_skill)
            self.manager_agents[i] = Manager(self, int(i))
        self._update_quality()
        # vacancies whose hiring lag has run out are filled: a lag of L weeks leaves L weeks empty
        fill = np.flatnonzero(~R.occupied & (R.vacancy_left <= 0))
        if fill.size:
            self._hire_reps(fill, week)
        R.tenure += R.occupied
        M.weeks_in_role += M.present

    def _hire_reps(self, seats: np.ndarray, week: int) -> None:
        p, R, S = self.p, self.reps, self.sellers
        k = seats.size
        R.occupied[seats] = True
        for c, mine in self._by_copy(seats, self.org.reps_per_copy):  # each copy's own hiring stream
            R.aptitude[mine] = self._draw_aptitude(self._rng_hire[c], mine.size)
        R.skill[seats] = R.aptitude[seats] * p.rep.new_hire_skill_share
        R.motivation[seats] = p.rep.new_hire_motivation
        R.tenure[seats] = 0
        R.hire_week[seats] = week
        R.segment[seats] = self._segment_of(R.aptitude[seats], np.ones(k, bool))
        R.coach_stock[seats] = 0.0
        R.attention[seats] = 0.0
        R.roll_book[seats] = R.roll_quota[seats] = self.org.rep_quota[seats] / 52
        R.ytd_book[seats] = R.ytd_quota[seats] = 0.0
        sellers = self.org.rep_seller[seats]
        S.active[sellers] = S.stalled[sellers] = 0
        self.ledger.reset_seats(seats)
        for i in seats:
            self.rep_agents[i] = Rep(self, int(i))

    def _vacate_reps(self, seats: np.ndarray, week: int, reason: str) -> None:
        R, S, ledger = self.reps, self.sellers, self.ledger
        self.departed.append(self._rep_records(seats, reason))
        ledger.fold_leavers(seats)
        for i in seats:
            self.rep_agents[i].remove()
            self.rep_agents[i] = None
        R.occupied[seats] = False
        R.vacancy_left[seats] = self.p.rep.hiring_lag_weeks
        sellers = self.org.rep_seller[seats]
        S.active[sellers] = S.stalled[sellers] = 0
        ledger.reset_seats(seats)

    def _replace_manager(self, i: int, week: int) -> None:
        """A manager leaves: promote the team's top rep or start hiring an experienced one."""
        p, M, R, S = self.p, self.managers, self.reps, self.sellers
        own = self.org.manager_seller[i]
        self.manager_agents[i].remove()
        self.manager_agents[i] = None
        S.active[own] = S.stalled[own] = 0
        seats = self.team_seats(i)
        seats = seats[R.occupied[seats]]
        if p.promotion.policy == "promote_top_rep" and seats.size:
            top = seats[np.argmax(R.roll_book[seats] / np.maximum(R.roll_quota[seats], TINY))]
            self._new_manager_state(i, True, p.manager.coaching_skill_mean)
            M.sell_skill[i] = R.skill[top]
            # the new manager keeps their own deals and keeps selling them
            top_seller = self.org.rep_seller[top]
            S.active[own], S.stalled[own] = S.active[top_seller], S.stalled[top_seller]
            self._vacate_reps(np.array([top]), week, "promoted")
            self.manager_agents[i] = Manager(self, i)
        else:
            M.present[i] = False
            M.vacancy_left[i] = p.promotion.hire_lag_weeks

    def _close_week(self) -> None:
        """Add the week to the ledger if it is counted, then collect the metrics."""
        if steps(self) > self.p.sim.warmup_weeks:
            L, total = self.ledger, self._per_copy_sum
            for tier, acts in self.week_hours.items():
                L.hours[tier] += np.array([total(arr) for arr in acts.values()]).reshape(len(acts), -1)
            L.weeks += 1
            L.rep_book += total(self.rep_book)
            L.rep_quota += total(self.rep_quota)
            L.mgr_book += total(self.mgr_book)
            L.mgr_quota += total(self.mgr_quota)
            L.coached += total(self.week_hours["rep"]["being_coached"])
            H = self.week_hours["manager"]
            L.team_logged += H["coaching"] + H["ride_alongs"]
            L.team_real += H["coaching"]
            L.team_rep_weeks += np.bincount(self.org.team, weights=self.worked, minlength=self.org.n_managers)
        self.running = steps(self) < self.total_weeks
        if self._collect:
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ reading the model
    def team_seats(self, manager: int) -> np.ndarray:
        """Rep seat indices of a manager's team."""
        b = self.org.team_bounds
        return self.org.seat_order[b[manager] : b[manager + 1]]

    def rep_hours(self, i: int) -> dict[str, float]:
        """Rep seat ``i``'s hours by activity this week."""
        return {a: float(v[i]) for a, v in self.week_hours["rep"].items()}

    def manager_hours(self, i: int) -> dict[str, float]:
        """Manager ``i``'s hours by activity this week."""
        return {a: float(v[i]) for a, v in self.week_hours["manager"].items()}

    def executive_hours(self, i: int) -> dict[str, float]:
        """Executive ``i``'s hours by activity this week."""
        return {a: float(v[i]) for a, v in self.week_hours["executive"].items()}

    @property
    def counted_weeks(self) -> int:
        """Weeks counted so far (after the warm-up)."""
        return self.ledger.weeks

    def metrics(self) -> dict[str, float]:
        """The canonical metrics over the counted weeks so far (of the first copy of a stack)."""
        return self.ledger.metrics()

    def stack_metrics(self) -> list[dict[str, float]]:
        """The canonical metrics of each copy of the stack, in the order of ``seeds``."""
        return [self.ledger.metrics(k) for k in range(self.stack)]

    def hours_by_activity(self) -> pd.DataFrame:
        """Counted hours by tier and activity, with each tier's shares (the first copy's)."""
        rows = [
            {"tier": tier, "activity": a, "hours": float(h[0])}
            for tier, hours in self.ledger.hours.items()
            for a, h in zip(ACTIVITIES[tier], hours, strict=True)
        ]
        df = pd.DataFrame(rows)
        df["share"] = df["hours"] / df.groupby("tier")["hours"].transform("sum")
        return df

    def _rep_records(self, seats: np.ndarray, status: str) -> dict[str, np.ndarray]:
        """End-of-tenure records of the reps in ``seats``, as columns (cheap: no DataFrame)."""
        R, L = self.reps, self.ledger
        k = seats.size
        return {
            "seat": seats,
            "rep_id": np.fromiter((self.rep_agents[i].unique_id for i in seats), np.int64, k),
            "manager": self.org.team[seats],
            "status": np.full(k, status, dtype=object),
            "segment": R.segment[seats].copy(),
            "hire_week": R.hire_week[seats].copy(),
            "end_week": np.full(k, steps(self)),
            "tenure_weeks": R.tenure[seats].copy(),
            "aptitude": R.aptitude[seats].copy(),
            "skill": R.skill[seats].copy(),
            "motivation": R.motivation[seats].copy(),
            "counted_weeks": L.seat_weeks[seats].copy(),
            "bookings": L.seat_book[seats].copy(),
            "quota": L.seat_quota[seats].copy(),
            "coached_hours": L.seat_coached[seats].copy(),
        }

    def rep_table(self) -> pd.DataFrame:
        """Every rep who held a seat in the run: those who left, then those in seat now.

        For a stack, every copy's reps, with a ``copy`` column first; ``seat`` and ``manager``
        then number the seats of the whole stack (copy ``k``'s from ``k * reps_per_copy``).
        """
        current = self._rep_records(np.flatnonzero(self.reps.occupied), "in_seat")
        parts = [*self.departed, current]
        df = pd.DataFrame({c: np.concatenate([part[c] for part in parts]) for c in current})
        df["segment"] = np.asarray(SEGMENTS)[df["segment"].to_numpy()]
        quota, weeks = df["quota"].to_numpy(), df["counted_weeks"].to_numpy()
        df["attainment"] = np.divide(df["bookings"].to_numpy(), quota, out=np.full(len(df), np.nan), where=quota > 0)
        df["coaching_hours_per_month"] = np.divide(
            df.pop("coached_hours").to_numpy() * WEEKS_PER_MONTH, weeks, out=np.zeros(len(df)), where=weeks > 0
        )
        if self.stack > 1:
            df.insert(0, "copy", df["seat"].to_numpy() // self.org.reps_per_copy)
        return df

    def manager_table(self) -> pd.DataFrame:
        """Each manager seat: who holds it now, and the team's coaching story over the counted weeks.

        The coaching columns are per rep in seat and month of the counted weeks: as logged
        (one-on-ones including ride-alongs, what managers report), the real one-on-one part,
        the policy's target (NaN with no set hours) and the share of the target delivered.
        For a stack, every copy's managers, with a ``copy`` column first.
        """
        M, org, L = self.managers, self.org, self.ledger
        team_book = np.bincount(org.team, weights=L.seat_book, minlength=org.n_managers)
        team_quota = np.bincount(org.team, weights=L.seat_quota, minlength=org.n_managers)

        def per_rep_month(hours: np.ndarray) -> np.ndarray:
            weeks = L.team_rep_weeks
            return np.divide(hours * WEEKS_PER_MONTH, weeks, out=np.full(weeks.size, np.nan), where=weeks > 0)

        target = self.p.coaching.hours_per_rep_month
        real = per_rep_month(L.team_real)
        df = pd.DataFrame(
            {
                "manager": np.arange(org.n_managers),
                "manager_id": [a.unique_id if a else -1 for a in self.manager_agents],
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
                "inspection": M.inspection if steps(self) else np.nan,
                "team_seats": np.bincount(org.team, minlength=org.n_managers),
                "team_reps": np.bincount(org.team, weights=self.reps.occupied, minlength=org.n_managers),
                "team_attainment_current_reps": np.divide(
                    team_book, team_quota, out=np.full(org.n_managers, np.nan), where=team_quota > 0
                ),
                "team_rep_weeks": L.team_rep_weeks,
                "logged_coaching_hours_per_rep_month": per_rep_month(L.team_logged),
                "coaching_hours_per_rep_month": real,
                "coaching_target_hours_per_rep_month": np.nan if target is None else target,
                "delivered_share_of_target": real / target if target else np.nan,
            }
        )
        if self.stack > 1:
            df.insert(0, "copy", df["manager"].to_numpy() // org.managers_per_copy)
        return df


def _needs_weight(pct: np.ndarray) -> np.ndarray:
    """The ``needs`` rule's weight of a rep at team percentile ``pct``: 1.75 at the bottom, 0.25 at the top."""
    return 1.75 - 1.5 * pct


def _logit(share: np.ndarray) -> np.ndarray:
    """Log-odds of a share, kept finite at 0 and 1 (a habit of 0 or 1 then has no spread to speak of)."""
    share = np.clip(share, 1e-9, 1 - 1e-9)
    return np.log(share / (1 - share))


def _logistic(x: np.ndarray) -> np.ndarray:
    """The share whose log-odds is ``x``."""
    return 1 / (1 + np.exp(-x))


def _order_like(values: np.ndarray, key: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reassign ``values`` so their order follows ``key`` (NaN keys get the rest at random)."""
    out = np.empty_like(values)
    known = np.flatnonzero(np.isfinite(key))
    ranked = np.sort(values)
    # spread the known ranks evenly over the sorted values; the unknown get what is left
    slots = np.round(np.linspace(0, values.size - 1, known.size)).astype(int) if known.size else np.array([], int)
    out[known[np.argsort(key[known], kind="stable")]] = ranked[slots]
    rest = np.setdiff1d(np.arange(values.size), slots)
    unknown = np.flatnonzero(~np.isfinite(key))
    out[unknown] = rng.permutation(ranked[rest])
    return out


def _binomial(
    rngs: Sequence[np.random.Generator], bounds: np.ndarray, n: np.ndarray, p: np.ndarray | float
) -> np.ndarray:
    """Binomial draws, made only where there is something to draw (numpy's cost is per element).

    Copy ``k`` of a stack holds entries ``bounds[k]:bounds[k + 1]`` and draws from ``rngs[k]``.
    """
    out = np.zeros(n.shape, np.int64)
    some = np.flatnonzero(n)
    out[some] = _each(rngs, bounds, "binomial", n[some], p[some] if np.ndim(p) else p, at=some)
    return out


def _each(
    rngs: Sequence[np.random.Generator], bounds: np.ndarray, method: str, *args: Any, at: np.ndarray | None = None
) -> np.ndarray:
    """Draw ``method`` with per-entry arguments, copy ``k`` taking entries ``bounds[k]:bounds[k + 1]``.

    Scalar arguments are shared; array arguments are split by copy, and each copy draws from its
    own generator, so a copy draws exactly what it would alone. With ``at`` (sorted entry
    indices) the array arguments are for those entries only.
    """
    if len(rngs) == 1:
        return getattr(rngs[0], method)(*args)
    if at is not None:
        bounds = np.searchsorted(at, bounds)
    parts = [
        getattr(rng, method)(*(x[a:b] if np.ndim(x) else x for x in args))
        for rng, a, b in zip(rngs, bounds[:-1], bounds[1:], strict=True)
    ]
    return np.concatenate(parts)


def _reporter(name: str):
    """A DataCollector model reporter for one canonical metric."""

    def report(model: SalesOrgModel) -> float:
        return model.ledger.metric(name)

    report.__name__ = name
    return report
