"""coachsim's command line: parses, delegates to ``analysis/``, prints.

    python run.py run SCENARIO [--set key=value ...] [--replications N] [--seed S] [--out DIR]
    python run.py params
    python run.py scenarios

Bad input (an unknown key, a value out of range, a malformed scenario file) gets one clear
message naming the file or option, the key and what is allowed, and exit code 2.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from sim import params as registry
from sim.params import ParameterError

EXIT_BAD_INPUT = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def parse_sets(items: Sequence[str]) -> dict[str, object]:
    """Parse ``--set key=value`` items against the registry."""
    out: dict[str, object] = {}
    for item in items:
        if "=" not in item:
            raise ParameterError(f"--set {item!r}: expected key=value, for example coaching.hours_per_rep_month=3")
        key, text = (s.strip() for s in item.split("=", 1))
        try:
            param = registry.by_name(key)
        except KeyError:
            raise registry.unknown(key, "--set") from None
        out[key] = param.parse(text, "--set")
    return out


def cmd_run(args: argparse.Namespace) -> int:
    """Run replications of one scenario and write the results."""
    from analysis.runner import format_summary, replicate
    from sim.scenario import load

    scenario = load(args.scenario).with_overrides(parse_sets(args.set))
    scenario.values  # check the whole set before any run starts
    out = Path(args.out or Path("results") / scenario.name)
    reps = replicate(scenario, args.replications, args.seed, args.workers)
    reps.command = "python run.py " + shlex.join(sys.argv[1:])
    reps.write(out)
    print(f"{scenario.name}: {scenario.description}".rstrip(": "))
    print(f"{args.replications} replications, seed {args.seed}; mean and 95% CI over the counted weeks\n")
    print(format_summary(reps.summary()))
    print(f"\nwrote {out}/: summary.csv, timeseries.parquet, reps.parquet, managers.parquet, hours.csv, run.json")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """Print the parameter registry as a table."""
    rows = [(p.name, _show(p.default), p.unit, p.allowed(), p.help, p.source) for p in registry.REGISTRY]
    if args.format == "csv":
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(["name", "default", "unit", "allowed", "help", "source"])
        w.writerows(rows)
        return 0
    width = max(len(r[0]) for r in rows)
    for name, default, unit, allowed, help_, _ in rows:
        print(f"{name:{width}}  {default:>12}  {unit:24}  {help_}  [{allowed}]")
    return 0


def _show(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the shipped scenarios with their descriptions."""
    from sim.scenario import load, shipped

    named = shipped()
    width = max((len(n) for n in named), default=0)
    for name in named:
        print(f"{name:{width}}  {load(name).description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    ap = argparse.ArgumentParser(
        prog="coachsim",
        description="Simulate how coaching, quota load and inspection change a sales org's attainment.",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run replications of one scenario")
    run.add_argument("scenario", help="a scenario file, or the name of a shipped scenario (see `scenarios`)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter, e.g. --set coaching.hours_per_rep_month=3 (repeatable)")
    run.add_argument("--replications", type=_positive_int, default=10, metavar="N", help="replications (default 10)")
    run.add_argument("--seed", type=_seed, default=0, metavar="S", help="seed of the whole run (default 0)")
    run.add_argument("--workers", type=_positive_int, default=None, metavar="N", help="processes (default: all cores)")
    run.add_argument("--out", default=None, metavar="DIR", help="output folder (default results/SCENARIO)")
    run.set_defaults(func=cmd_run)

    params = sub.add_parser("params", help="list every parameter: default, unit, range, meaning")
    params.add_argument("--format", choices=("table", "csv"), default="table")
    params.set_defaults(func=cmd_params)

    scen = sub.add_parser("scenarios", help="list the shipped scenarios")
    scen.set_defaults(func=cmd_scenarios)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python run.py`` and the ``coachsim`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ParameterError as exc:
        print(f"coachsim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("coachsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
