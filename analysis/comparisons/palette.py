"""The colours of every chart, table and page: one meaning per colour, safe for colour-blind readers.

Scenario colours are the Okabe-Ito palette (Okabe and Ito 2008, "Color Universal Design"), which
stays distinct under the common colour-vision deficiencies and on a washed-out projector. A
scenario keeps its colour in the table, the charts and the dashboard: the baseline is grey and the
others take the palette in the order they are compared.

Good and bad are blue and vermilion, never green and red: a change is coloured by whether it is
good for the business (``sim.metrics.Metric.better``), not by its sign, so a fall in turnover is
blue. Metrics that only describe how time is spent are not coloured.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.metrics import METRICS

__all__ = [
    "ACTIVITY_COLOURS",
    "BAD",
    "BASELINE_COLOUR",
    "GOOD",
    "NEUTRAL",
    "SCENARIO_COLOURS",
    "judgement",
    "scenario_colours",
]

BASELINE_COLOUR = "#6b6b6b"
#: Okabe-Ito, strongest on white first (its yellow last: faint on a projector); grey is the baseline's.
SCENARIO_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
GOOD = "#0072B2"
BAD = "#D55E00"
NEUTRAL = "#444444"

#: How the hours of a week are drawn, by activity (greens for selling, blues for coaching).
ACTIVITY_COLOURS = {
    "selling": "#009E73",
    "coaching": "#0072B2",
    "being_coached": "#0072B2",
    "coaching_managers": "#0072B2",
    "ride_alongs": "#56B4E9",
    "field_visits": "#56B4E9",
    "team_meeting": "#CC79A7",
    "admin": "#BBBBBB",
    "internal": "#BBBBBB",
    "distractions": "#E69F00",
    "deal_focus": "#F0E442",
    "executive_deal_talks": "#F0E442",
}

_BETTER = {m.name: m.better for m in METRICS}


def scenario_colours(names: Sequence[str], baseline: str | None = None) -> dict[str, str]:
    """Each scenario's colour: grey for the baseline, the palette in order for the others."""
    out: dict[str, str] = {}
    i = 0
    for name in names:
        if name == baseline:
            out[name] = BASELINE_COLOUR
        else:
            out[name] = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
            i += 1
    return out


def judgement(metric: str, delta: float) -> str | None:
    """``"good"``, ``"bad"`` or ``None`` for a change of ``delta`` in ``metric``.

    ``None`` when the metric has no good direction, the change is zero or not a number.
    """
    better = _BETTER.get(metric)
    if better is None or not delta or delta != delta:
        return None
    return "good" if (delta > 0) == (better == "higher") else "bad"
