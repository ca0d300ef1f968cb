"""Fill the validation table of docs/ODD.md (section 8) from a run of the validation.

    python docs/make_validation.py                      # defaults of analysis.evidence.validation.validate()
    python docs/make_validation.py --replications 16 --seed 3

It runs ``analysis.evidence.validation.validate()`` on the registry defaults, with the one-at-a-time
sensitivity screen, and rewrites the part of docs/ODD.md between the markers
``<!-- validation-table:begin -->`` and ``<!-- validation-table:end -->`` with a Markdown table:
each target, its source, the published range, the model value with its 95% confidence interval,
pass or fail, and the target's most sensitive parameters, followed by a line giving the command,
replications and seed that produced it. Every number in the table comes from the run; nothing is
typed in by hand. The run is long (every target setting, replicated, plus the screen).
"""

from __future__ import annotations

import argparse
import inspect
import math
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
ODD = DOCS / "ODD.md"
BEGIN = "<!-- validation-table:begin -->"
END = "<!-- validation-table:end -->"
PLACEHOLDER = "(run `python docs/make_validation.py` to fill in)"


def _import_validation() -> Any:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from analysis.evidence import validation

    return validation


def _default(name: str) -> Any:
    """A default of ``validate()``'s signature, so this script never restates one."""
    return inspect.signature(_import_validation().validate).parameters[name].default


def _cell(text: Any) -> str:
    """Make ``text`` safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _range(low: float, high: float) -> str:
    """A published range with both bounds to the same decimals (1.04-1.10, 0.50-0.62, 4-9)."""
    decimals = max(len(f"{x:g}".partition(".")[2]) for x in (low, high))
    return f"{low:.{decimals}f}-{high:.{decimals}f}"


def _decimals(low: float, high: float) -> int:
    """Decimals for a model value: three for fractions and ratios, two for larger quantities."""
    return 3 if max(abs(low), abs(high)) <= 2 else 2


def _value(value: float, ci_low: float, ci_high: float, decimals: int) -> str:
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:.{decimals}f}"
    if math.isfinite(ci_low) and math.isfinite(ci_high):
        text += f" [{ci_low:.{decimals}f}, {ci_high:.{decimals}f}]"
    else:
        text += " (no CI)"
    return text


def render(
    table: Any,
    sensitivity: Any | None,
    *,
    command: str,
    replications: int,
    seed: int,
    reps: int | None = None,
    screen_replications: int | None = None,
    commit: str | None = None,
    screen_reps: int | None = None,
) -> str:
    """The Markdown that goes between the markers, from a validation table and its screen.

    ``table`` has the columns of ``validation.csv`` (target, source, expected_low, expected_high,
    value, ci_low, ci_high, passed); ``sensitivity`` is the screen's DataFrame (target, parameter,
    elasticity, ...) or None.
    """
    most_sensitive = _import_validation().most_sensitive
    lines = [
        "| target | source | expected range | model value [95% CI] | result | most sensitive parameters (elasticity) |",
        "|--------|--------|----------------|----------------------|--------|------------------------------------------|",
    ]
    for row in table.itertuples(index=False):
        target_id = str(row.target).split(":", 1)[0].strip()
        decimals = _decimals(row.expected_low, row.expected_high)
        sensitive = most_sensitive(sensitivity, target_id) if sensitivity is not None else ""
        cells = (
            row.target,
            row.source,
            _range(row.expected_low, row.expected_high),
            _value(float(row.value), float(row.ci_low), float(row.ci_high), decimals),
            "pass" if bool(row.passed) else "**FAIL**",
            sensitive or "-",
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    passed = int(sum(bool(p) for p in table["passed"]))
    org = f"an org of {reps} reps" if reps is not None else "the org of the parameters"
    screen = (
        f"; sensitivity screen with {screen_replications} replications per parameter step"
        + (f" on an org of {screen_reps} reps" if screen_reps is not None and reps is not None else "")
        if sensitivity is not None and screen_replications is not None
        else ("; sensitivity screen" if sensitivity is not None else "; no sensitivity screen")
    )
    at = f" at commit `{commit}`" if commit else ""
    typical = _import_validation().runs_of({}, replications)
    plural = "" if replications == 1 else "s"
    runs = f"{replications} replication{plural} of each policy and {typical} of the typical org"
    lines += [
        "",
        f"{passed} of {len(table)} targets pass. Produced by `{command}`{at}: {runs}, seed {seed}, {org}{screen}.",
    ]
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """``text`` with everything between the markers replaced by ``block``."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < 0 or end < start:
        raise ValueError(f"{ODD} has no {BEGIN} ... {END} block (section 8, Validation)")
    return text[: start + len(BEGIN)] + "\n" + block.strip("\n") + "\n" + text[end:]


def _commit() -> str | None:
    """The current commit, marked dirty if the tree has changes; None outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}+changes" if dirty else head


def main(argv: Sequence[str] | None = None) -> int:
    """Run the validation with its sensitivity screen and rewrite the table in docs/ODD.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--replications",
        type=int,
        default=_default("replications"),
        metavar="N",
        help="replications of each policy, three times as many of the typical org (default: validate()'s)",
    )
    ap.add_argument("--seed", type=int, default=_default("seed"), metavar="S", help="seed (default: validate()'s)")
    ap.add_argument("--workers", type=int, default=None, metavar="N", help="processes (default: all cores)")
    args = ap.parse_args(argv)
    if args.replications < 1:
        ap.error("--replications must be at least 1")

    validation = _import_validation()
    screen_replications = _default("screen_replications")
    result = validation.validate(
        replications=args.replications,
        seed=args.seed,
        workers=args.workers,
        screen=True,
        screen_replications=screen_replications,
    )
    command = shlex.join(
        ["python", "docs/make_validation.py", "--replications", str(args.replications), "--seed", str(args.seed)]
    )
    block = render(
        result.table,
        result.sensitivity,
        command=command,
        replications=result.replications,
        seed=result.seed,
        reps=result.reps,
        screen_replications=screen_replications,
        commit=_commit(),
        screen_reps=_default("screen_reps"),
    )
    ODD.write_text(replace_block(ODD.read_text(encoding="utf-8"), block), encoding="utf-8")
    print(result.text())
    print(f"\nwrote the validation table into {ODD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
