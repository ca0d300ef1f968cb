"""Fill the calibrated ensemble's tables of docs/ODD.md (section 8) from the shipped ensemble.

    python docs/make_ensemble.py           # (re)write the tables from scenarios/ensemble.parquet
    python docs/make_ensemble.py --check   # exit 1 if docs/ODD.md is out of date

It reads the shipped ensemble (``analysis.comparisons.robustness.ENSEMBLE_FILE`` and its record
beside it) and rewrites the part of docs/ODD.md between ``<!-- ensemble-table:begin -->`` and
``<!-- ensemble-table:end -->``: how the ensemble was made (command, seed, chains, acceptance, R-hat, versions),
each parameter's prior and plausible range and how far the targets narrow it, and which
parameters each target constrains. Every number comes from the file; nothing is typed by hand.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
ODD = DOCS / "ODD.md"
BEGIN = "<!-- ensemble-table:begin -->"
END = "<!-- ensemble-table:end -->"
#: What the section says if the shipped ensemble is missing from the repository ({command}: how it is made).
NOT_BUILT = (
    "*The shipped ensemble is missing*: `{command}` makes it, and resumes from its checkpoint where it was interrupted."
)
#: A correlation at least this strong (in size) over the prior draws counts as a target constraining a parameter.
STRONG = 0.2


def _imports() -> tuple[Any, str, str]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from analysis.comparisons.robustness import ENSEMBLE_COMMAND, ENSEMBLE_FILE
    from analysis.evidence import ensemble

    return ensemble, ENSEMBLE_FILE, ENSEMBLE_COMMAND


def _g(x: float) -> str:
    return f"{x:.4g}"


def _rhat(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def render() -> str:
    """The tables as Markdown, between the markers."""
    ensemble, path, command = _imports()
    if not Path(path).is_file():
        return "\n".join([BEGIN, "", NOT_BUILT.format(command=command), "", END])
    ens = ensemble.load(path)
    record = ens.record
    constraints = record.get("constraints", {})
    lines = [BEGIN, ""]
    versions = ", ".join(f"{k} {v}" for k, v in record.get("versions", {}).items() if k != "platform")
    acceptance = record.get("acceptance", {})
    rhat = record.get("rhat", {})
    mix = ensemble.mixing(ens) or {
        "rhat_median": float("nan"),
        "rhat_worst": None,
        "rhat_largest": float("nan"),
        "below_1_1": 0,
        "ess_median": float("nan"),
    }
    text = (
        f"The shipped ensemble: **{len(ens)} members**, made by `{record.get('command', '')}` (seed "
        f"{record.get('seed')}) in {record.get('seconds', 0) / 60:.0f} minutes on 2 cores: {record.get('chains')} "
        f"chains from the registry's defaults, {record.get('burn_in')} steps of burn-in, then a member every "
        f"{record.get('thin')} steps ({record.get('steps')} steps; {record.get('evaluated', 0):,} parameter vectors "
        f"run, each as `validate` does: {record.get('final', '')}). After the burn-in, "
        f"{acceptance.get('joint', 0):.0%} of the joint steps, {acceptance.get('free', 0):.0%} of the free steps and "
        f"{acceptance.get('prior draws', 0):.0%} of the prior-draw steps were accepted. R-hat over the steps after "
        f"the burn-in: median {mix['rhat_median']:.3f}, largest {mix['rhat_largest']:.3f} (`{mix['rhat_worst']}`); "
        f"{mix['below_1_1']} of {len(ens.space)} parameters below 1.1; bulk effective sample "
        f"size: median {mix['ess_median']:.0f} over the parameters."
    )
    if mix["rhat_median"] > 1.1:
        text += (
            " **The chains have not mixed**: they have not forgotten their common start, so every member passes "
            "every target, but each plausible range below is a floor on the range the targets allow, not its "
            "extent, and the ensemble is worth about as many independent models as it has chains."
        )
    lines += [*textwrap.wrap(text, 100, break_on_hyphens=False, break_long_words=False)]
    lines += [
        "",
        f"Versions: {versions}.",
        "",
        "| parameter | default | prior (uniform) | plausible: 5% - median - 95% | 90% range / prior's | R-hat | "
        "constrained by |",
        "|-----------|---------|-----------------|------------------------------|---------------------|-------|"
        "----------------|",
    ]
    for r in ens.ranges().sort_values("narrowed_to").itertuples():
        by = sorted(
            ((t, rho[r.parameter]) for t, rho in constraints.items() if rho.get(r.parameter) is not None),
            key=lambda item: -abs(item[1]),
        )
        shown = ", ".join(f"{t} ({rho:+.2f})" for t, rho in by if abs(rho) >= STRONG) or "none"
        lines.append(
            f"| `{r.parameter}` | {_g(r.default)} | {_g(r.prior_low)} - {_g(r.prior_high)} | "
            f"{_g(r.q05)} - {_g(r.median)} - {_g(r.q95)} | {r.narrowed_to:.0%} | {_rhat(rhat.get(r.parameter))} | "
            f"{shown} |"
        )
    lines += [
        "",
        "*Constrained by*: the targets whose value is rank-correlated with the parameter (|Spearman rho| of at",
        f"least {STRONG}) over the screen's draws from the prior ({record.get('screen', '')}). R-hat: rank-normalised",
        "split R-hat over the chains' steps after the burn-in (near 1: the chains agree). The targets, and the",
        "parameters they constrain most:",
        "",
        "| target | most strongly rank-correlated parameters over the prior |",
        "|--------|----------------------------------------------------------|",
    ]
    for target in constraints:
        shown = ", ".join(f"`{name}` ({rho:+.2f})" for name, rho in ensemble.strongest(ens, target, 4))
        lines.append(f"| {target} | {shown} |")
    lines += ["", END]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Rewrite the tables in docs/ODD.md, or check them."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/ODD.md is out of date")
    args = ap.parse_args(argv)
    text = ODD.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    new = head + render() + tail
    if args.check:
        return 0 if new == text else 1
    ODD.write_text(new, encoding="utf-8")
    print(f"wrote the ensemble's tables into {ODD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
