"""The parameter registry: every model parameter is defined here, once.

Validation, TOML scenario files, ``run.py params``, the model's keyword arguments and
(later) the dashboard's controls are all derived from :data:`REGISTRY`; nothing else
restates a default, a unit or a range.

A parameter has a dotted name ``section.key`` (used in TOML and on the command line) and a
keyword name where the dot becomes ``_`` (``coaching.hours_per_rep_month`` is
``coaching_hours_per_rep_month``).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "REGISTRY",
    "Param",
    "ParameterError",
    "by_kwarg",
    "by_name",
    "defaults",
    "display",
    "kwarg_name",
    "resolve",
    "suggest",
]


class ParameterError(ValueError):
    """A parameter name or value that the registry does not allow.

    The message names the origin (file or option), the key and what is allowed.
    """


@dataclass(frozen=True)
class Param:
    """One model parameter: its name, default, unit, valid values, meaning and source."""

    name: str
    default: Any
    unit: str
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None
    kind: type = float
    source: str = ""
    nullable: bool = False
    null_help: str = ""
    lever: bool = False
    #: The uniform prior of the calibrated ensemble (analysis/evidence/ensemble.py): the values the
    #: parameter may plausibly take before the published targets are applied. For a calibrated
    #: parameter it is also the fit's search range; for an assumption, the range around the
    #: assumed value that docs/ODD.md (section 8) states. None: not uncertain (a setting, a lever).
    prior: tuple[float, float] | None = None

    @property
    def kwarg(self) -> str:
        """The keyword-argument spelling: the dot becomes an underscore."""
        return kwarg_name(self.name)

    @property
    def section(self) -> str:
        """The TOML section the parameter lives in."""
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        """The key inside its TOML section."""
        return self.name.split(".", 1)[1]

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and the reference."""
        if self.choices is not None:
            text = "one of " + ", ".join(_show(c) for c in self.choices)
        elif self.kind is bool:
            text = "true or false"
        elif self.kind is str:
            text = "a file path"
        else:
            noun = "a whole number" if self.kind is int else "a number"
            text = f"{noun} from {_show(self.low)} to {_show(self.high)}"
        if self.nullable:
            text += ' (or "unset": ' + self.null_help + ")"
        return text

    def check(self, value: Any, origin: str = "") -> Any:
        """Return ``value`` converted to this parameter's type, or raise ParameterError."""
        if isinstance(value, np.generic):  # numpy scalars, as from a numpy-built sweep
            value = value.item()
        where = f"{origin}: " if origin else ""
        bad = f"{where}{self.name} = {_show(value)} is not allowed; expected {self.allowed()}"
        if value is None or (self.nullable and isinstance(value, str) and value.strip().lower() in UNSET):
            if self.nullable:
                return None
            raise ParameterError(bad)
        if self.choices is not None:
            for choice in self.choices:
                if isinstance(value, bool) == isinstance(choice, bool) and value == choice:
                    return choice
            if isinstance(value, str):
                close = difflib.get_close_matches(value, [str(c) for c in self.choices], n=1)
                if close:
                    bad += f" (did you mean {close[0]!r}?)"
            raise ParameterError(bad)
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            raise ParameterError(bad)
        if self.kind is str:
            if isinstance(value, str) and value.strip():
                return value
            raise ParameterError(bad)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(bad)
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(bad)
        if self.kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ParameterError(bad)
            value = int(value)
        else:
            value = float(value)
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ParameterError(bad)
        return value

    def parse(self, text: str, origin: str = "") -> Any:
        """Convert a command-line string to a value and check it."""
        raw = text.strip()
        if self.nullable and raw.lower() in {*UNSET, ""}:
            return None
        if self.kind is bool:
            low = raw.lower()
            if low in {"true", "1", "yes", "on"}:
                return True
            if low in {"false", "0", "no", "off"}:
                return False
            return self.check(raw, origin)
        if self.choices is not None and all(isinstance(c, str) for c in self.choices):
            return self.check(raw, origin)
        try:
            number: Any = int(raw) if self.kind is int and raw.lstrip("+-").isdigit() else float(raw)
        except ValueError:
            return self.check(raw, origin)
        return self.check(number, origin)


def display(value: Any) -> str:
    """A parameter value as a person or the command line writes it: exact, "unset" for no value."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _show(value: Any) -> str:
    """A value in an error message: strings quoted, so a stray space or empty string shows."""
    return repr(value) if isinstance(value, str) else display(value)


#: The spellings of "no value" for a nullable parameter (TOML has no null).
UNSET = ("unset", "none", "null")


def kwarg_name(name: str) -> str:
    """Return the keyword-argument spelling of a dotted parameter name."""
    return name.replace(".", "_")


# The sources, named by title: the five articles the project comes from and the studies they
# quote (docs/ODD.md, "References", lists them in full). Kept short here.
A000 = '"Sales Executives Need to be Coaching their Sales Managers"'
A001 = '"Why Your Sales Manager Doesn\'t Coach"'
A002 = 'Kloefkorn, "Sales Management: Oversight #2" (EcSell, 2015)'
A003 = '"Most Sales Managers Aren\'t Willing to Do This" (Sales Strategies)'
A004 = 'Eckstrom, "Elevate Your Sales Coaching" (EcSell, 2013)'
SEC = f"Sales Executive Council study of about 2,000 reps, quoted in {A003}"
CSO = "CSO Insights 2008-2015"
SEC_COACHING = "Sales Executive Council coaching research, reported in Dixon and Adamson, The Challenger Sale (2011)"
FIT = "calibrated: fitted to the published figures T1-T7, T1x, T2x, C and D of docs/ODD.md by analysis/evidence/calibration.py"
ASSUMED = "modelling assumption (no published figure); see docs/ODD.md"

P = Param
REGISTRY: tuple[Param, ...] = (
    # --- simulation -------------------------------------------------------------------
    P("sim.weeks", 52, "weeks", "Weeks counted in results, after the warm-up.", 1, 1040, kind=int),
    P(
        "sim.warmup_weeks",
        52,
        "weeks",
        "Weeks simulated before counting starts, the policy already in force: 52 shows the steady state "
        "the published figures describe, 0 the first year after a change.",
        0,
        520,
        kind=int,
        source=ASSUMED,
    ),
    # --- organisation -----------------------------------------------------------------
    P("org.reps", 64, "reps", "Number of sales-rep seats.", 1, 1_000_000, kind=int, lever=True),
    P("org.span_of_control", 8, "reps per manager", "Rep seats per front-line manager.", 1, 100, kind=int, lever=True),
    P(
        "org.span_sd",
        0.7403,
        "reps",
        "Spread (standard deviation) of team sizes around the mean span: real teams are not all the same size.",
        0,
        50,
        source=FIT,
        prior=(0.0, 4.0),
    ),
    P(
        "org.roster",
        None,
        "path",
        "A CSV roster of a real org (id, role, manager_id, quota, tenure_weeks[, last_year_attainment]); it replaces the generated org chart, and managers' personal quotas come from it instead of manager.quota_share.",
        kind=str,
        nullable=True,
        null_help="generate the org from org.reps, org.span_of_control and org.managers_per_executive",
    ),
    P(
        "org.managers_per_executive",
        8,
        "managers per executive",
        "Managers reporting to one executive.",
        1,
        100,
        kind=int,
    ),
    # --- reps ------------------------------------------------------------------------------
    P("rep.hours_per_week", 45.0, "hours/week", "A rep's working week.", 10, 80, source=ASSUMED, prior=(40.0, 55.0)),
    P(
        "rep.admin_hours_per_week",
        26.1686,
        "hours/week",
        "Rep admin: CRM, internal meetings, reporting, travel, training.",
        0,
        80,
        source=f"{FIT}; T6 is {CSO}: reps sell 41% of their time",
        prior=(18.0, 32.0),
    ),
    P(
        "rep.quota",
        1_000_000.0,
        "currency/year",
        "Annual quota of one rep (attainment is a ratio, so only deal size relative to quota matters).",
        1,
        1e12,
    ),
    P(
        "rep.aptitude_mean",
        0.7,
        "skill (0-1)",
        "Mean of reps' individual skill ceilings (aptitude).",
        0.05,
        0.95,
        source=ASSUMED,
        prior=(0.6, 0.8),
    ),
    P(
        "rep.aptitude_sd",
        0.1021,
        "skill (0-1)",
        "Spread of aptitude across reps (stars to strugglers).",
        0,
        0.4,
        source=FIT,
        prior=(0.05, 0.25),
    ),
    P(
        "rep.initial_skill_share",
        0.678,
        "share of aptitude",
        "Tenured reps' skill at the start, as a share of their aptitude (the typical org's steady state).",
        0,
        1,
        source=FIT,
    ),
    P(
        "rep.initial_motivation",
        0.807,
        "motivation (0-1)",
        "Tenured reps' motivation at the start (the typical org's steady state).",
        0,
        1,
        source=FIT,
    ),
    P(
        "rep.new_hire_skill_share",
        0.3,
        "share of aptitude",
        "A new hire's starting skill as a share of aptitude.",
        0,
        1,
        source=ASSUMED,
        prior=(0.15, 0.45),
    ),
    P(
        "rep.new_hire_motivation",
        0.8,
        "motivation (0-1)",
        "A new hire's starting motivation.",
        0,
        1,
        source=ASSUMED,
        prior=(0.65, 0.95),
    ),
    P(
        "rep.ramp_weeks",
        26,
        "weeks",
        "Weeks of onboarding during which a new hire learns at the ramp rate.",
        0,
        104,
        kind=int,
        source="CSO Insights: ~9 months to full productivity (T7)",
    ),
    P(
        "rep.ramp_learning_rate",
        0.354,
        "1/week",
        "Weekly share of the gap to target skill closed during onboarding.",
        0,
        1,
        source=FIT,
        prior=(0.03, 0.5),
    ),
    P(
        "rep.learning_rate",
        0.0242,
        "1/week",
        "Weekly share of the gap to target skill closed when skill is rising.",
        0,
        1,
        source=FIT,
        prior=(0.01, 0.2),
    ),
    P(
        "rep.skill_decay",
        0.03,
        "1/week",
        "Weekly share of the gap closed when skill is above its target (decay).",
        0,
        1,
        source=ASSUMED,
        prior=(0.015, 0.06),
    ),
    P(
        "rep.practice_share",
        0.5945,
        "share of aptitude",
        "Share of aptitude reachable by selling practice alone, without coaching.",
        0,
        1,
        source=FIT,
        prior=(0.2, 0.9),
    ),
    P(
        "rep.attrition_per_year",
        0.1339,
        "1/year",
        "Annual quit rate of a fully motivated rep on plan; lower motivation and falling behind raise it.",
        0,
        1,
        source=FIT,
        prior=(0.02, 0.3),
    ),
    P(
        "rep.attrition_motivation_sensitivity",
        2.0,
        "log-hazard per unit",
        "How much low motivation raises the quit hazard.",
        0,
        20,
        source=ASSUMED,
        prior=(1.0, 3.0),
    ),
    P(
        "rep.attrition_attainment_sensitivity",
        1.1202,
        "log-hazard per unit",
        "How much falling behind quota raises the quit hazard.",
        0,
        20,
        source=FIT,
        prior=(0.0, 3.0),
    ),
    P(
        "rep.hiring_lag_weeks",
        8,
        "weeks",
        "Weeks a vacant rep seat stays empty before the new hire starts.",
        0,
        52,
        kind=int,
        source=ASSUMED,
    ),
    # --- motivation ----------------------------------------------------------------------------
    P(
        "motivation.base",
        0.5245,
        "motivation (0-1)",
        "Motivation a rep settles at with no coaching, no meetings and on plan.",
        0,
        1,
        source=FIT,
        prior=(0.3, 0.8),
    ),
    P(
        "motivation.coaching_effect",
        0.4111,
        "motivation (0-1)",
        "Most motivation that coaching attention can add.",
        0,
        1,
        source=f"{FIT}; {A002}: coaching activities drive motivation",
        prior=(0.05, 0.6),
    ),
    P(
        "motivation.attention_scale",
        1.5028,
        "hours/month",
        "Monthly one-on-one attention at which 63% of the coaching effect is reached.",
        0.01,
        50,
        source=FIT,
        prior=(0.5, 10.0),
    ),
    P(
        "motivation.meeting_effect",
        0.1,
        "motivation (0-1)",
        "Motivation added by regular (weekly) team meetings.",
        0,
        1,
        source=f"{A003}: weekly meetings keep the team motivated",
    ),
    P(
        "motivation.behind_effect",
        0.3002,
        "motivation per unit",
        "Motivation lost per unit of shortfall against quota.",
        0,
        2,
        source=FIT,
        prior=(0.0, 1.0),
    ),
    P(
        "motivation.adjust_rate",
        0.1,
        "1/week",
        "Weekly share of the gap to target motivation closed.",
        0,
        1,
        source=ASSUMED,
        prior=(0.05, 0.2),
    ),
    # --- pipeline --------------------------------------------------------------------------------
    P(
        "pipeline.opportunities_per_hour",
        0.1136,
        "opportunities/hour",
        "New opportunities created per productive selling hour (quantity of calls).",
        0,
        10,
        source=FIT,
        prior=(0.05, 0.3),
    ),
    P(
        "pipeline.win_rate_at_full_skill",
        0.55,
        "probability",
        "Win rate of a deal that resolves, for a rep of skill 1 (quality of calls).",
        0,
        1,
        source=ASSUMED,
        prior=(0.4, 0.7),
    ),
    P(
        "pipeline.cycle_weeks",
        12.0,
        "weeks",
        "Mean sales cycle of an active deal.",
        1,
        104,
        source=ASSUMED,
        prior=(8.0, 16.0),
    ),
    P(
        "pipeline.deal_size",
        50_000.0,
        "currency",
        "Mean value of a won deal.",
        1,
        1e12,
        source=ASSUMED,
        prior=(30000.0, 80000.0),
    ),
    P(
        "pipeline.deal_size_cv",
        0.8,
        "ratio",
        "Coefficient of variation of deal size (lognormal).",
        0.01,
        5,
        source=ASSUMED,
        prior=(0.5, 1.2),
    ),
    P(
        "pipeline.quota_timing",
        0.9994,
        "relative",
        "In the quota year's last quarter, how much faster a rep closes deals when quota is within reach of the open pipeline, and slower when it is made or out of reach (deals held back for next year).",
        0,
        1,
        source=f"Oyer 1998 (fiscal year ends and nonlinear incentive contracts); Larkin 2014 (timing of deals under quota plans); {FIT}",
        prior=(0.0, 1.0),
    ),
    P("pipeline.stall_rate", 0.04, "1/week", "Weekly probability that an active deal stalls.", 0, 1, source=A003),
    P(
        "pipeline.stalled_loss_rate",
        0.06,
        "1/week",
        "Weekly probability that a stalled deal is lost.",
        0,
        1,
        source=ASSUMED,
        prior=(0.03, 0.1),
    ),
    P(
        "pipeline.review_unstick",
        0.5,
        "per quality-weighted hour",
        "Unsticking power of one hour of pipeline review in coaching.",
        0,
        10,
        source=f"{A003}: review stuck deals",
    ),
    P(
        "pipeline.meeting_unstick",
        0.25,
        "per meeting",
        "Unsticking power of a team meeting's pipeline review.",
        0,
        10,
        source=f"{A003}: review stuck deals",
    ),
    # --- coaching --------------------------------------------------------------------------------
    P(
        "coaching.hours_per_rep_month",
        None,
        "hours/rep/month",
        "Policy target: a floor of real one-on-one coaching a rep a month, the team's average (protected in proportion to inspection).",
        0,
        40,
        source=f"{A003}: 3 hours a rep a month",
        nullable=True,
        null_help="no set hours: managers spend their spare hours as habit leads them",
        lever=True,
    ),
    P(
        "coaching.allocation",
        "equal",
        "rule",
        "How a manager spreads coaching over the team.",
        choices=("equal", "needs", "core", "top", "new_hires"),
        kind=str,
        source=ASSUMED,
        lever=True,
    ),
    P(
        "coaching.kpi_inspection",
        0.0,
        "0-1",
        "Strength of an inspected coaching KPI: it protects a set coaching target (a floor of real one-on-one coaching) from quota pressure; with no target set it has nothing to protect.",
        0,
        1,
        source=f"{A001}: no KPI attached to coaching",
        lever=True,
    ),
    P(
        "coaching.framework",
        False,
        "flag",
        "The org shares a selling framework (a common language for coaching).",
        kind=bool,
        source=f"{A001}: no common language",
        lever=True,
    ),
    P(
        "coaching.framework_multiplier",
        1.3,
        "multiplier",
        "Multiplier on coaching quality from a common selling framework.",
        1,
        3,
        source=ASSUMED,
        prior=(1.1, 1.5),
    ),
    P(
        "coaching.pipeline_review_share",
        0.3,
        "share",
        "Share of real coaching spent on pipeline review and deal strategy (the rest develops skill).",
        0,
        1,
        source=A003,
    ),
    P(
        "coaching.dose_scale",
        2.0765,
        "quality-weighted hours/month",
        "Coaching dose at which 63% of coaching's skill benefit is reached (diminishing returns).",
        0.01,
        50,
        source=FIT,
        prior=(0.3, 6.0),
    ),
    P(
        "coaching.memory_weeks",
        8.0,
        "weeks",
        "Time over which coaching received accumulates into the dose (effects build over weeks).",
        1,
        52,
        source=ASSUMED,
        prior=(4.0, 12.0),
    ),
    P(
        "coaching.ride_along_teaching",
        0.2001,
        "relative",
        "How much an hour of ride-along teaches and motivates, relative to an hour of real coaching.",
        0,
        1,
        source=f"{A003}: a ride-along teaches little; {FIT}",
        prior=(0.0, 0.4),
    ),
    P(
        "coaching.deal_strategy_boost",
        0.1,
        "relative",
        "Relative lift in that week's win rate from a quality-weighted hour of deal strategy.",
        0,
        2,
        source=ASSUMED,
        prior=(0.05, 0.2),
    ),
    # --- team meetings ---------------------------------------------------------------------------
    P(
        "meetings.cadence_weeks",
        4,
        "weeks",
        "Weeks between team sales meetings.",
        choices=(1, 2, 4, 13),
        kind=int,
        source=A003,
        lever=True,
    ),
    P(
        "meetings.duration_hours",
        1.5,
        "hours",
        "Length of one team meeting (manager and reps attend).",
        0.25,
        8,
        source=ASSUMED,
        lever=True,
    ),
    P(
        "meetings.memory_decay",
        0.3,
        "1/week",
        "Weekly fade of a meeting's effect on motivation.",
        0.01,
        1,
        source=ASSUMED,
        prior=(0.15, 0.5),
    ),
    # --- managers --------------------------------------------------------------------------------
    P(
        "manager.hours_per_week",
        50.0,
        "hours/week",
        "A front-line manager's working week.",
        10,
        90,
        source=ASSUMED,
        prior=(45.0, 55.0),
    ),
    P(
        "manager.admin_hours_per_week",
        10.9539,
        "hours/week",
        "Fixed manager admin: reporting, forecasting, CRM, internal meetings.",
        0,
        90,
        source=FIT,
        lever=True,
        prior=(4.0, 24.0),
    ),
    P(
        "manager.admin_hours_per_rep",
        1.25,
        "hours/week/rep",
        "Manager admin per rep on the team.",
        0,
        10,
        source=ASSUMED,
        lever=True,
    ),
    P(
        "manager.distraction_hours_per_week",
        10.0,
        "hours/week",
        "Customer-service and delivery work that is not the manager's to do.",
        0,
        90,
        source=A003,
        lever=True,
    ),
    P(
        "manager.customer_work_share",
        0.3561,
        "share",
        "Share of a manager's spare hours (after own selling) that customer service and delivery work absorb, on top of the fixed distractions.",
        0,
        1,
        source=f"{A003}: they hang on to existing customers and get engaged in customer service or delivery work; {FIT}",
        prior=(0.0, 1.0),
    ),
    P(
        "manager.quota_share",
        0.25,
        "share of a rep quota",
        "Personal quota a manager carries (0 pure manager, 0.5 heavy player-coach).",
        0,
        1,
        source=f"{A001}: they carry a big quota",
        lever=True,
    ),
    P(
        "manager.selling_hours_per_quota",
        12.0,
        "hours/week",
        "Selling hours a week a manager plans for one full rep quota (managers sell with more skill and focus than the average rep, so fewer hours than a rep sells).",
        1,
        80,
        source=ASSUMED,
        prior=(8.0, 16.0),
    ),
    P(
        "manager.quota_pressure",
        1.0,
        "per unit shortfall",
        "Extra selling per unit of personal shortfall against plan (an inspected coaching floor is served first).",
        0,
        5,
        source=A001,
    ),
    P(
        "manager.training",
        0.0,
        "0-1",
        "Intensity of coach training for managers (0 none, 1 a full ongoing programme).",
        0,
        1,
        source=f"{A001}: they don't get training",
        lever=True,
    ),
    P(
        "manager.training_gain",
        0.25,
        "coach skill (0-1)",
        "Coaching skill added by full training.",
        0,
        1,
        source=ASSUMED,
        prior=(0.1, 0.4),
    ),
    P(
        "manager.coaching_skill_mean",
        0.35,
        "coach skill (0-1)",
        "Mean coaching skill of a manager's own (untrained).",
        0,
        1,
        source=f"{A000}: they lack the skills to coach",
    ),
    P(
        "manager.coaching_skill_sd",
        0.1,
        "coach skill (0-1)",
        "Spread of managers' own coaching skill.",
        0,
        0.5,
        source=ASSUMED,
        prior=(0.05, 0.2),
    ),
    P(
        "manager.ride_along_habit",
        0.8228,
        "share",
        "Median share of a manager's time with the team spent riding along on reps' deals (joint selling) rather than coaching, by habit (a rep just promoted to manager: promotion.promoted_ride_along_habit).",
        0,
        1,
        source=f"{A003}: managers ride along and call it coaching; {FIT}",
        prior=(0.4, 0.97),
    ),
    P(
        "manager.coach_share",
        0.086,
        "share",
        "Share of managers who consistently practise coaching; the others ride along by habit (promoted top reps never start as such).",
        0,
        1,
        source=f"{A003}: managers who consistently practise coaching perform at a much higher level than those who don't; {FIT}",
        prior=(0.0, 0.4),
    ),
    P(
        "manager.coach_ride_along_habit",
        0.474,
        "share",
        "Median ride-along habit of a manager who consistently practises coaching.",
        0,
        1,
        source=f"{A003}; {FIT}",
        prior=(0.1, 0.7),
    ),
    P(
        "manager.remediation_tilt",
        0.04,
        "0-1",
        "How far a manager's habitual time with the team (the typical week's real coaching and ride-alongs; a policy's floor follows `coaching.allocation`) leans toward the reps furthest behind in the team: 0 spreads it evenly, 1 as the `needs` allocation rule.",
        0,
        1,
        source=f"{SEC_COACHING}: managers left to themselves spend their coaching on the lowest performers; {FIT}",
        prior=(0.0, 1.0),
    ),
    P(
        "manager.ride_along_habit_spread",
        0.26,
        "log-odds",
        "Spread of the ride-along habit across managers: standard deviation of its log-odds (0: every manager alike).",
        0,
        5,
        source=FIT,
        prior=(0.1, 2.0),
    ),
    P(
        "manager.inspection_response_spread",
        0.5,
        "log",
        "Spread of how strongly managers respond to inspection: standard deviation of the log of the response (median 1).",
        0,
        3,
        source=ASSUMED,
        prior=(0.25, 1.0),
    ),
    P(
        "manager.practice_gain",
        0.2261,
        "coach skill (0-1)",
        "Coaching skill added by steady coaching practice.",
        0,
        1,
        source=FIT,
        prior=(0.0, 0.3),
    ),
    P(
        "manager.skill_adjust_rate",
        0.03,
        "1/week",
        "Weekly share of the gap to target coaching skill closed.",
        0,
        1,
        source=ASSUMED,
        prior=(0.015, 0.06),
    ),
    P(
        "manager.selling_skill_mean",
        0.7,
        "skill (0-1)",
        "Selling skill of a hired manager.",
        0,
        1,
        source=ASSUMED,
        prior=(0.6, 0.8),
    ),
    P(
        "manager.motivation",
        0.9,
        "motivation (0-1)",
        "Share of a manager's selling hours that are productive.",
        0,
        1,
        source=ASSUMED,
        prior=(0.8, 1.0),
    ),
    P(
        "manager.attrition_per_year",
        0.15,
        "1/year",
        "Annual rate at which managers leave their role.",
        0,
        1,
        source=ASSUMED,
        prior=(0.1, 0.25),
    ),
    # --- executives ------------------------------------------------------------------------------
    P(
        "executive.hours_per_week",
        55.0,
        "hours/week",
        "An executive's working week.",
        10,
        100,
        source=ASSUMED,
        prior=(50.0, 60.0),
    ),
    P(
        "executive.internal_share",
        0.6,
        "share",
        "Share of executive hours in internal meetings, strategy and budgets.",
        0,
        1,
        source=f"{A000}: more meetings than you could ever dream possible",
    ),
    P(
        "executive.coaching_hours_per_manager_month",
        0.5,
        "hours/manager/month",
        "Executive coaching of each manager on how they coach.",
        0,
        40,
        source=f"{A000}; {A004}",
        lever=True,
    ),
    P(
        "executive.field_visits_per_manager_quarter",
        0.0,
        "visits/manager/quarter",
        "Field visits with each manager, each followed by a debrief.",
        0,
        13,
        source=A000,
        lever=True,
    ),
    P(
        "executive.field_visit_hours",
        6.0,
        "hours",
        "Executive hours per field visit including the debrief.",
        0.5,
        40,
        source=ASSUMED,
        prior=(4.0, 8.0),
    ),
    P(
        "executive.deal_focus_share",
        0.3,
        "share",
        "Share of the executive's discretionary hours spent talking to reps about deals.",
        0,
        1,
        source=A004,
        lever=True,
    ),
    P(
        "executive.coaching_gain",
        0.2,
        "coach skill (0-1)",
        "Most coaching skill that executive coaching adds to a manager.",
        0,
        1,
        source=f"{A002}: invest in your leadership team",
    ),
    P(
        "executive.coaching_scale",
        2.0,
        "hours/manager/month",
        "Executive coaching at which 63% of its gain is reached.",
        0.01,
        40,
        source=ASSUMED,
        prior=(1.0, 4.0),
    ),
    P(
        "executive.visit_protection",
        0.4,
        "per visit/quarter",
        "How strongly each quarterly field visit protects coaching time (people respect what you inspect).",
        0,
        5,
        source=A000,
    ),
    P(
        "executive.visit_skill_gain",
        0.1,
        "coach skill (0-1)",
        "Most coaching skill that field-visit debriefs add to a manager.",
        0,
        1,
        source=A000,
    ),
    P(
        "executive.deal_win_boost",
        0.1,
        "relative",
        "Most relative lift in win rate from executives' deal talks with reps.",
        0,
        1,
        source=A004,
    ),
    # --- promotion ------------------------------------------------------------------------------
    P(
        "promotion.policy",
        "promote_top_rep",
        "rule",
        "When a manager leaves: promote the team's top rep, or hire an experienced manager after a lag.",
        choices=("promote_top_rep", "hire_experienced"),
        kind=str,
        source=A002,
        lever=True,
    ),
    P(
        "promotion.promoted_coaching_skill",
        0.2,
        "coach skill (0-1)",
        "Coaching skill of a rep promoted to manager.",
        0,
        1,
        source=A002,
    ),
    P(
        "promotion.promoted_ride_along_habit",
        0.6808,
        "share",
        "Median ride-along habit of a manager promoted from the team's top reps: a top seller keeps selling on the team's deals.",
        0,
        1,
        source=f"{A002}: promoted top reps keep selling; {FIT}",
        prior=(0.5, 0.97),
    ),
    P(
        "promotion.promoted_extra_selling_hours",
        6.0,
        "hours/week",
        "Extra hours a week a promoted rep keeps selling at first, fading with a one-year time constant.",
        0,
        40,
        source=A002,
    ),
    P(
        "promotion.hire_lag_weeks",
        12,
        "weeks",
        "Weeks a team goes unmanaged while an experienced manager is hired.",
        0,
        52,
        kind=int,
        source=ASSUMED,
    ),
    P(
        "promotion.experienced_coaching_skill",
        0.45,
        "coach skill (0-1)",
        "Mean coaching skill of a hired experienced manager.",
        0,
        1,
        source=ASSUMED,
        prior=(0.35, 0.55),
    ),
)
del P

_BY_NAME: dict[str, Param] = {p.name: p for p in REGISTRY}
_BY_KWARG: dict[str, Param] = {p.kwarg: p for p in REGISTRY}
assert len(_BY_NAME) == len(REGISTRY) == len(_BY_KWARG), "duplicate parameter names"


def by_name(name: str) -> Param:
    """Return the parameter with this dotted name (KeyError if none)."""
    return _BY_NAME[name]


def by_kwarg(kwarg: str) -> Param:
    """Return the parameter with this keyword-argument name (KeyError if none)."""
    return _BY_KWARG[kwarg]


def defaults() -> dict[str, Any]:
    """Return every parameter's default, keyed by dotted name."""
    return {p.name: p.default for p in REGISTRY}


def suggest(name: str, candidates: Iterable[str] | None = None) -> str:
    """Return ' (did you mean X?)' for the closest known name, or ''."""
    pool = list(candidates) if candidates is not None else list(_BY_NAME)
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.5)
    if not close and "." in name:
        # A right key in the wrong section, or a typo in the section name.
        key = name.split(".", 1)[1]
        close = [n for n in pool if n.split(".", 1)[-1] == key][:1]
    return f" (did you mean {close[0]}?)" if close else ""


def unknown(name: str, origin: str = "") -> ParameterError:
    """Build the error for a parameter name the registry does not know."""
    where = f"{origin}: " if origin else ""
    return ParameterError(f"{where}unknown parameter {name!r}{suggest(name)}; `python run.py params` lists them all")


def resolve(values: Mapping[str, Any], origin: str = "") -> dict[str, Any]:
    """Check dotted-name ``values`` and return the full parameter set (defaults filled in)."""
    resolved = defaults()
    for name, value in values.items():
        if name not in _BY_NAME:
            raise unknown(name, origin)
        resolved[name] = _BY_NAME[name].check(value, origin)
    return resolved
