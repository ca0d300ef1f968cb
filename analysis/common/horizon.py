"""Which year the numbers show: the one warm-up rule of every command and output.

Every command takes ``--warmup WEEKS`` with the registry's default for ``sim.warmup_weeks``
(52): each policy is in force for that many weeks before the counted year, so the numbers show
the steady state the published figures describe. ``--warmup 0`` counts instead the first year
after a change, which shows how fast a policy pays. Every output says which it shows, in the
words of this module.
"""

from __future__ import annotations

from sim.params import by_name

__all__ = ["STEADY_STATE_WEEKS", "explanation", "label", "sentence"]

#: The default warm-up, in weeks: the steady state.
STEADY_STATE_WEEKS: int = int(by_name("sim.warmup_weeks").default)


def label(warmup: int | None) -> str:
    """A short name for the counted year: "steady state", "first year after the change", ..."""
    if warmup is None:
        return "each policy's own warm-up"
    if warmup == 0:
        return "first year after the change"
    if warmup >= STEADY_STATE_WEEKS:
        return "steady state"
    return f"after a {warmup}-week warm-up"


def sentence(warmup: int | None) -> str:
    """One line for a table header, a summary or a file's metadata."""
    if warmup is None:
        return "Each scenario keeps its own warm-up setting (sim.warmup_weeks)."
    if warmup == 0:
        return "First year after the change: no warm-up, so the numbers show how fast each policy pays."
    kind = "Steady state" if warmup >= STEADY_STATE_WEEKS else "Partly settled"
    return (
        f"{kind}: each policy was in force for {warmup} weeks before the counted year "
        f"(--warmup 0 counts the first year after the change; the default, {STEADY_STATE_WEEKS}, the steady state)."
    )


def explanation(warmup: int | None) -> str:
    """A paragraph for the report: which year is counted, and why it matters."""
    if warmup is None:
        return "Each policy kept its own warm-up setting, so the policies may show different years."
    if warmup == 0:
        return (
            "These numbers count the first year after each policy starts, so they show how fast a policy pays, "
            "not where it settles: coaching builds skill and motivation over months."
        )
    if warmup < STEADY_STATE_WEEKS:
        return (
            f"Each policy was in force for {warmup} weeks before the counted year, less than the "
            f"{STEADY_STATE_WEEKS} weeks after which the model settles into the steady state the published "
            "figures describe."
        )
    return (
        f"These numbers show the steady state: each policy was in force for {warmup} weeks before the counted "
        "year. Coaching builds skill and motivation over months, and the published figures the model is "
        "calibrated to describe organisations that have run their policy for a while. To see how fast a policy "
        "pays in its first year, run the same comparison with --warmup 0."
    )
