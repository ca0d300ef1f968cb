"""coachsim: coaching, quota load and attainment in a sales organisation.

An agent-based model of executives, front-line managers and sales reps, after the domain
specification (docs/ODD.md) and its sources: the Sales Executive Council finding that reps
coached three or more hours a month attain about 107% of goal against 88-90% for those coached
two hours or less (article A003), the reasons managers do not coach (article A001: quota, no training,
no common language, no KPI), coaching the coaches (articles A000 and A004), meetings and ride-alongs
(article A003), and promotion of top reps (article A002). The model is described in ODD form in
docs/ODD.md, and each of its submodels lives in the module named after it:

- ``sim.initialisation``: the org chart and everyone's starting state (ODD 5);
- ``sim.hours``: the week's hours, who spends which hour on what (ODD 7.1-7.6);
- ``sim.development``: coaching builds skill and motivation; managers learn to coach (7.7-7.9);
- ``sim.selling``: pipelines, wins and bookings (7.10-7.11);
- ``sim.turnover``: people leave and are replaced (7.12-7.13);
- ``sim.metrics`` and ``sim.tables``: the ledger, the metrics and the tables of a run (7.14-7.15);
- ``sim.keys`` and ``sim.samplers``: the keyed random numbers every draw comes from.

One step is one week.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import params as registry
from sim import tables
from sim.development import develop_people, update_quality
from sim.hours import plan_hours
from sim.initialisation import build_org, init_managers, init_reps
from sim.keys import check_seed, run_key
from sim.mesa_compat import rng_argument, steps
from sim.metrics import CANONICAL, Ledger
from sim.runs import records, stacked
from sim.selling import sell
from sim.turnover import turn_over

__all__ = ["SalesOrgModel"]


def _resolve_each(runs: Sequence[Mapping[str, Any]], common: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each run's parameters checked and completed; a set of values the runs repeat is checked once."""
    checked: dict[tuple, dict[str, Any]] = {}
    out = []
    for run in runs:
        values = {**run, **common}
        try:
            key = tuple(sorted(values.items(), key=lambda item: item[0]))
            hash(key)
        except TypeError:  # a value that cannot be a key is checked (and refused) by resolve
            out.append(registry.resolve(values, "SalesOrgModel"))
            continue
        if key not in checked:
            checked[key] = registry.resolve(values, "SalesOrgModel")
        out.append(checked[key])
    return out


class SalesOrgModel(mesa.Model):
    """A sales organisation of executives, managers and reps, stepped a week at a time.

    Every parameter of the registry (``python run.py params``) is a keyword argument, spelled
    with ``_`` for the dot: ``coaching.hours_per_rep_month`` is ``coaching_hours_per_rep_month``.
    Parameters left out take their registry defaults, which describe a typical organisation.

    A model can also hold a *stack* of replications: ``seeds=[s0, s1, ...]`` builds one copy of
    the organisation per seed, side by side in the same arrays, and steps them together. Copy
    ``k`` is bit for bit the run ``SalesOrgModel(seed=seeds[k])`` (each copy's numbers are keyed
    by its own seed; ``tests/sweeps/test_stack.py`` checks it), and ``stack_metrics()`` gives each copy's
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
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
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
        per_run = params is not None and not isinstance(params, Mapping)
        if per_run:
            if isinstance(params, (str, bytes)) or not isinstance(params, Sequence) or seeds is None:
                raise TypeError(
                    f"params={params!r}: expected a mapping of dotted parameter names to values, "
                    "or, with seeds=, a list of such mappings, one for each seed"
                )
            if len(params) != len(seeds) or not all(isinstance(v, Mapping) for v in params):
                raise ValueError(f"params= holds {len(params)} items for {len(seeds)} seeds: give one mapping a seed")
        dotted = {} if per_run or params is None else dict(params)
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
        if per_run:
            self.run_params = _resolve_each(params, dotted)
        else:
            self.run_params = [registry.resolve(dotted, "SalesOrgModel")] * (len(seeds) if seeds else 1)
        #: the parameters by dotted name (of the first run of a stack; ``run_params`` has each run's)
        self.params: dict[str, Any] = self.run_params[0]
        #: the parameters by section, as the mechanisms read them: an array with an entry per run
        #: where the runs of a stack differ (sim.runs)
        self.p = p = stacked(self.run_params)
        self.total_weeks = p.sim.warmup_weeks + p.sim.weeks

        # All randomness is keyed (sim.keys): a number is a function of the run's key and where it
        # is drawn (week, purpose, seat), so two policies run on one seed share their luck seat by
        # seat and week by week, and a run draws the same numbers however it is batched. The key
        # comes from the first draw of model.rng, so seed= and rng= keep their Mesa meaning; a
        # stack's copy k draws what SalesOrgModel(seed=seeds[k]) would.
        if seeds is None:
            entropy = [int(self.rng.integers(2**63))]
        else:
            entropy = [int(np.random.default_rng(s).integers(2**63)) for s in seeds]
        self.keys = np.stack([run_key(e) for e in entropy])
        self.stack = len(entropy)
        #: every numeric parameter of each run, as the compiled phases read it (sim.runs.records)
        self.run_records = records(p, self.stack)
        self._collect = seeds is None
        self._people = 0  # people numbered so far (sim.agents.Seats)
        self.org = build_org(self)
        init_reps(self)
        init_managers(self)
        update_quality(self)
        self.ledger = Ledger(self.org.reps_per_copy, self.stack, self.org.managers_per_copy)
        self.departed: list[dict[str, np.ndarray]] = []
        self.datacollector = mesa.DataCollector(model_reporters={name: _reporter(name) for name in CANONICAL})
        self.running = True
        if self._collect:
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week: plan everyone's hours, develop people, sell, then people come and go."""
        week = steps(self) - 1  # Mesa counts the step before running it
        counted = week >= self.p.sim.warmup_weeks
        plan_hours(self, week)
        develop_people(self)
        sell(self, week)
        if counted:
            self._count_sales()
        turn_over(self, week)
        if counted:
            self._count_week()
        self.running = week + 1 < self.total_weeks
        if self._collect:
            self.datacollector.collect(self)

    def _count_sales(self) -> None:
        """Add the week's bookings and the people who sold them to the ledger, before anyone leaves."""
        self.ledger.count_sales(
            self.reps,
            self.worked,
            self.managers.present,
            self.rep_book,
            self.rep_quota,
            self.week_hours["rep"]["being_coached"],
        )

    def _count_week(self) -> None:
        """Add the week's hours and totals to the ledger."""
        self.ledger.count_week(
            self.week_hours,
            (self.rep_book, self.rep_quota, self.week_hours["rep"]["being_coached"]),
            (self.mgr_book, self.mgr_quota),
            self.org.team,
            self.worked,
        )

    # ------------------------------------------------------------------ people and their agents
    def next_person_ids(self, k: int) -> np.ndarray:
        """Numbers for ``k`` people taking their seats, from 1 on, in the order they come."""
        ids = np.arange(self._people + 1, self._people + 1 + k)
        self._people += k
        return ids

    def _make_agents(self) -> None:
        for seats in (self.executive_agents, self.rep_agents, self.manager_agents):
            seats.make_all()

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Every person in a seat as a Mesa agent (made now if nobody had read them before)."""
        self._make_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, mesa.agent.AgentSet]:
        """The people in seats by kind (Executive, Rep, Manager), as Mesa agent sets."""
        self._make_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """The kinds of people in seats."""
        self._make_agents()
        return super().agent_types

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
        return tables.hours_by_activity(self)

    def rep_table(self) -> pd.DataFrame:
        """Every rep who held a seat in the run: those who left, then those in seat now.

        For a stack, every copy's reps, with a ``copy`` column first; ``seat`` and ``manager``
        then number the seats of the whole stack (copy ``k``'s from ``k * reps_per_copy``).
        """
        return tables.rep_table(self)

    def manager_table(self) -> pd.DataFrame:
        """Each manager seat: who holds it now, and the team's coaching story over the counted weeks."""
        return tables.manager_table(self)


def _reporter(name: str):
    """A DataCollector model reporter for one canonical metric."""

    def report(model: SalesOrgModel) -> float:
        return model.ledger.metric(name)

    report.__name__ = name
    return report
