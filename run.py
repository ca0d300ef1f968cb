"""coachsim's command line: parses, delegates to ``analysis/``, prints.

    python run.py run SCENARIO [--set key=value ...] [--replications N] [--seed S] [--out DIR]
    python run.py compare A B C ... [--baseline A] [--replications N] [--seed S] [--out DIR]
    python run.py workshop [--out DIR] [--replications N] [--seed S]
    python run.py sweep SCENARIO --vary KEY=SPEC [--vary ...] [--sampler grid|lhs|sobol] [--resume] ...
    python run.py validate [--replications N] [--seed S] [--no-screen] [--out DIR]
    python run.py calibrate [--targets T1,T2,...] [--free KEY[=LOW..HIGH] ...] [--out FILE]
    python run.py calibrate --ensemble N [--seed S] [--out FILE]
    python run.py discover SWEEP_DIR [--metric M] (--below X | --above X) [--out DIR]
    python run.py params
    python run.py scenarios
    python run.py dashboard [--port P] [--host H] [--scenarios DIR]

Every command that runs the model takes the same two options for where its runs run:
``--workers N`` local processes (default: every core; 1 runs in this process) or
``--scheduler ADDRESS``, a Dask cluster; the results are the same on either.

Bad input (an unknown key, a value out of range, a malformed scenario file) gets one clear
message naming the file or option, the key and what is allowed, and exit code 2; so does an
``--out`` that cannot be used (checked before any run starts) or a disk that fills while writing
(the files there before are left as they were). SIGINT, SIGTERM and SIGHUP stop the work at once
and exit with 128 + the signal's number (130, 143, 129), keeping what had finished: a sweep's
stored runs (``--resume`` continues), a run's finished replications (marked partial). A reader
that closes stdout early (``| head``) stops the output quietly, with exit code 141 (128 + SIGPIPE).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from sim import params as registry
from sim.params import ParameterError, display

EXIT_BAD_INPUT = 2
#: A command stopped by signal N exits with 128 + N, as a shell reports it.
EXIT_SIGNAL = 128
#: A command whose reader closed stdout early (``| head``) exits as one killed by SIGPIPE would.
SIGPIPE = int(getattr(signal, "SIGPIPE", 13))
#: calibrate's scenario file when --out is not given.
CALIBRATED = "results/calibrated.toml"
#: calibrate --ensemble's file when --out is not given (the shipped one is scenarios/ensemble.parquet).
ENSEMBLE_OUT = "results/ensemble.parquet"
#: What the messages of analysis/ call each choice here: the flag it is given with.
FLAGS = {
    "workers": "--workers",
    "scheduler": "--scheduler",
    "replications": "--replications",
    "seed": "--seed",
    "seeds": "--seeds",
    "samples": "--samples",
    "sampler": "--sampler",
    "vary": "--vary",
    "chunk_size": "--chunk-size",
    "free": "--free",
    "targets": "--targets",
    "host": "--host",
    "warmup": "--warmup",
    "metric": "--metric",
    "below": "--below",
    "above": "--above",
    "threshold": "--threshold",
    "peel_alpha": "--peel-alpha",
    "mass_min": "--mass-min",
}
#: The signals that stop the work cleanly, as Ctrl-C does.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _at_least_two(text: str) -> int:
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 2")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535; 0 picks a free one)")
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
    from analysis.common.horizon import sentence
    from analysis.common.outputs import claim
    from analysis.runs.runner import RUN_FILES, Interrupted, format_summary, replicate
    from sim.scenario import load

    scenario = load(args.scenario).with_overrides(
        {**parse_sets(args.set), **org_override(args.org), **warmup_override(args.warmup)}
    )
    values = scenario.values  # check the whole set before any run starts
    out = Path(args.out or Path("results") / scenario.name)
    command = args.invocation
    with claim(out, "run", RUN_FILES, replace=_replaces(args)):  # --out is created and tested before any run starts
        try:
            reps = replicate(scenario, args.replications, args.seed, **_where(args))
        except Interrupted as stop:
            _keep_finished(stop, out, command)
            raise
        reps.command = command
        reps.write(out)
    print(f"{scenario.name}: {scenario.description}".rstrip(": "))
    print(f"{args.replications} replications, seed {args.seed}; mean and 95% CI over the counted weeks")
    print(sentence(values["sim.warmup_weeks"]) + "\n")
    print(format_summary(reps.summary()))
    print(f"\nwrote {out}/: summary.csv, timeseries.parquet, reps.parquet, managers.parquet, hours.csv, run.json")
    return 0


def _keep_finished(stop, out: Path, command: str) -> None:
    """After an interrupt of ``run``: write the replications that had finished, marked partial, and say so."""
    from analysis.common.outputs import OutputError

    kept = stop.finished
    if not kept.runs:
        print(f"coachsim: none of the {stop.total} replications had finished; nothing was written to {out}/")
        return
    kept.command = command
    kept.extra.update({"complete": False, "replications_requested": stop.total})
    try:
        kept.write(out)
    except (OutputError, KeyboardInterrupt) as exc:
        print(f"coachsim: the finished replications could not be written to {out}/ ({exc})", file=sys.stderr)
        return
    done = ", ".join(str(r.replication) for r in kept.runs)
    print(
        f"coachsim: kept the {len(kept.runs)} of {stop.total} replications that had finished (replication "
        f'{done}) in {out}/; run.json says "complete": false',
        file=sys.stderr,
    )


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare scenarios side by side with common random numbers; write the table, charts and report."""
    from analysis.comparisons.compare import compare

    return _comparison(
        "compare",
        Path(args.out or Path("results") / "compare"),
        _replaces(args),
        lambda: compare(
            args.scenarios,
            baseline=args.baseline,
            replications=args.replications,
            seed=args.seed,
            warmup=args.warmup,
            overrides={**parse_sets(args.set), **org_override(args.org)},
            command=args.invocation,
            **_ensemble(args),
            **_where(args),
        ),
    )


def cmd_workshop(args: argparse.Namespace) -> int:
    """Run the shipped workshop comparison (or, with --full, all seven questions) and write its report."""
    from analysis.comparisons.compare import workshop

    out = Path(args.out or Path("results") / "workshop")
    job = {
        "replications": args.replications,
        "seed": args.seed,
        "warmup": args.warmup,
        "command": args.invocation,
        **_where(args),
    }
    if args.full:
        if args.ensemble is not None:
            raise ParameterError("--ensemble: the full workshop answers seven questions at the defaults; drop --full")
        return _full_workshop(out, _replaces(args), job)
    return _comparison("workshop", out, _replaces(args), lambda: workshop(**job, **_ensemble(args)))


def _ensemble(args: argparse.Namespace) -> dict[str, object]:
    """--ensemble [FILE] and --ensemble-replications as compare() takes them (the file checked first)."""
    if args.ensemble is None:
        if args.ensemble_replications is not None:
            raise ParameterError("--ensemble-replications: only with --ensemble")
        return {}
    from analysis.comparisons.robustness import ENSEMBLE_FILE
    from analysis.evidence.ensemble import load

    return {"ensemble": load(args.ensemble or ENSEMBLE_FILE), "ensemble_replications": args.ensemble_replications}


def _replaces(args: argparse.Namespace) -> bool:
    """Whether a command may replace earlier results in its folder: one named with --out, or --overwrite."""
    return args.out is not None or args.overwrite


def _full_workshop(out: Path, replace: bool, job: dict[str, object]) -> int:
    """``workshop --full``: every question's comparison in its own folder, one report over all seven."""
    from analysis.comparisons.answer import answer
    from analysis.comparisons.compare import full_workshop
    from analysis.comparisons.files import FULL_FILES, write_workshop

    full = _claimed(out, "workshop", FULL_FILES, replace, lambda: full_workshop(**job), write_workshop)
    for number, comp in full.comparisons.items():
        print(f"Question {number}: {comp.question}")
        for line in answer(comp):
            print(f"  {line}")
        print()
    print(f"wrote {out}/: report.html, and each question's comparison in question-1/ to question-7/")
    return 0


def _claimed(out: Path, command: str, files: Sequence[str], replace: bool, run, write):
    """Claim ``out`` (created and tested before any run starts), run the comparison, write it whole."""
    from analysis.common.outputs import claim
    from analysis.runs.runner import Interrupted

    with claim(out, command, files, replace):
        try:
            result = run()
        except Interrupted:
            print(f"coachsim: a comparison needs every replication; nothing was written to {out}/", file=sys.stderr)
            raise
        write(result, out)
    return result


def _comparison(command: str, out: Path, replace: bool, run) -> int:
    """Claim ``out``, run the comparison, write it, print its table."""
    from analysis.comparisons.answer import answer
    from analysis.comparisons.files import COMPARE_FILES, write_comparison

    comp = _claimed(out, command, COMPARE_FILES, replace, run, write_comparison)
    print(comp.question + "\n")
    for line in answer(comp):
        print(f"  {line}")
    print()
    print(comp.format_table())
    if comp.ensemble is not None:
        from analysis.comparisons.robustness_report import robustness_lines

        print(f"\nAcross the {len(comp.ensemble.ensemble)} plausible models of the ensemble:")
        for line in robustness_lines(comp.ensemble):
            print(f"  {line}")
        tables = "robustness.csv, ensemble_effects.csv, ranking.csv, failure_regions.csv"
        print(f"\nwrote {out}/: comparison.csv, {tables}, report.html, charts (PNG and SVG)")
        return 0
    print(f"\nwrote {out}/: comparison.csv, report.html, charts (PNG and SVG)")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run (or resume) a parameter sweep and write its runs, summary, charts and indices."""
    from analysis.sweeps.summary import format_report
    from analysis.sweeps.sweep import run_sweep
    from sim.scenario import load

    scenario = load(args.scenario).with_overrides({**parse_sets(args.set), **warmup_override(args.warmup)})
    out = Path(args.out or Path("results") / f"sweep-{scenario.name}")
    try:
        result = run_sweep(
            scenario,
            args.vary,
            sampler=args.sampler,
            samples=args.samples,
            replications=args.replications,
            seed=args.seed,
            seeds=args.seeds,
            out=out,
            resume=args.resume,
            chunk_size=args.chunk_size,
            command=args.invocation,
            **_where(args),
        )
    except KeyboardInterrupt:
        print(f"coachsim: the finished runs are in {out}/runs/; add --resume to continue", file=sys.stderr)
        raise
    except OSError as exc:  # the sweep's own writes say what is kept; this is anything else
        from analysis.common.outputs import reason

        raise ParameterError(f"{out}: {reason(exc)}; the runs stored are kept, add --resume to continue") from None
    print(format_report(result))
    return 0


def warmup_override(weeks: int | None) -> dict[str, object]:
    """``--warmup WEEKS`` as a parameter setting (none: the scenario's own, the registry's steady state)."""
    return {} if weeks is None else {"sim.warmup_weeks": weeks}


def org_override(path: str | None) -> dict[str, object]:
    """``--org roster.csv`` as a parameter setting, the roster checked before anything runs."""
    if not path:
        return {}
    from sim.roster import load_roster

    load_roster(path)
    return {"org.roster": str(Path(path).resolve())}


def cmd_validate(args: argparse.Namespace) -> int:
    """Run targets T1-T7 in their settings and report model against published figures."""
    from analysis.common.horizon import sentence
    from analysis.common.limits import check_job
    from analysis.common.outputs import claim, publish
    from analysis.evidence.targets import TARGETS, runs_of
    from analysis.evidence.validation import VALIDATION_FILES, validate
    from analysis.runs.runner import kept_job

    values = {**parse_sets(args.set), **org_override(args.org), **warmup_override(args.warmup)}
    settings = {tuple(sorted(s.items())): s for t in TARGETS for s in t.settings}
    runs = sum(runs_of(s, args.replications) for s in settings.values())
    check_job(kept_job("validate", runs, registry.resolve(values), args.workers))
    out = Path(args.out or "results/validation")
    with claim(out, "validate", VALIDATION_FILES, _replaces(args)):  # --out is created and tested before any run starts
        res = validate(values, args.replications, args.seed, screen=not args.no_screen, **_where(args))
        written = publish(out, res.write, stale=VALIDATION_FILES)
    print(
        f"Validation against the published figures (docs/ODD.md, section 1): {args.replications} replications "
        f"of each policy and {runs_of({}, args.replications)} of the typical org, seed {args.seed},"
    )
    print(sentence(registry.resolve(values)["sim.warmup_weeks"]) + "\n")
    print(res.text())
    print(f"\n{'all targets pass' if res.passed else 'some targets FAIL'}; wrote {out}/: {', '.join(written)}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit free parameters to chosen targets and write them as a scenario file."""
    from analysis.common.outputs import OutputError, writable_file
    from analysis.evidence.calibration import calibrate_command

    if args.ensemble is not None and args.free:
        raise ParameterError("--free: an ensemble varies every parameter with a prior in the registry; drop --free")
    out = Path(args.out or (ENSEMBLE_OUT if args.ensemble is not None else CALIBRATED))
    if not _replaces(args) and out.is_file():
        raise OutputError(
            f"{out} already holds an earlier calibration, which this one would replace; "
            "add --overwrite to replace it, or --out FILE to write somewhere else"
        )
    writable_file(out)  # before the fit, not after it
    if args.ensemble is not None:
        from analysis.evidence.calibration import parse_targets
        from analysis.evidence.ensemble import ensemble_command
        from analysis.evidence.targets import TARGETS

        targets = parse_targets(args.targets) if args.targets else list(TARGETS)
        return ensemble_command(args.ensemble, args.seed, targets, out, args.invocation, **_where(args))
    targets = args.targets or "T1,T2,T3,T4,T5,T6,T7"
    return calibrate_command(targets, args.free, str(out), args.max_evaluations, **_where(args))


def cmd_params(args: argparse.Namespace) -> int:
    """Print the parameter registry as a table."""
    rows = [(p.name, display(p.default), p.unit, p.allowed(), p.help, p.source) for p in registry.REGISTRY]
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


def cmd_discover(args: argparse.Namespace) -> int:
    """Scenario discovery (PRIM) on a finished sweep: where the metric is below (or above) a value."""
    from analysis.discovery.sweep import DISCOVERY_FILES, discover_sweep, format_discovery, write_discovery

    result = discover_sweep(
        args.sweep,
        args.metric,
        below=args.below,
        above=args.above,
        threshold=args.threshold,
        peel_alpha=args.peel_alpha,
        mass_min=args.mass_min,
    )
    default = Path(args.sweep) / f"discover-{args.metric}"
    out = write_discovery(result, args.out or default, replace=_replaces(args))
    print(format_discovery(result))
    print(f"\nwrote {out}/: {', '.join(DISCOVERY_FILES)}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the shipped scenarios with their descriptions."""
    from sim.scenario import load, shipped

    named = shipped()
    width = max((len(n) for n in named), default=0)
    for name in named:
        print(f"{name:{width}}  {load(name).description}")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the live workshop dashboard (a solara page over one mesa.Model) until interrupted."""
    from analysis.runs.network import exposure, serving_host

    host = serving_host(args.host)
    if args.scenarios is not None and not Path(args.scenarios).is_dir():
        raise ParameterError(f"--scenarios {args.scenarios}: not a folder; name the folder of scenario files to offer")
    if args.warmup is not None:
        registry.by_name("sim.warmup_weeks").check(args.warmup, "--warmup")  # before the server starts
    warning = exposure(host, args.port)
    if warning:
        print(f"coachsim: warning: {warning}", file=sys.stderr, flush=True)
    try:
        from analysis.comparisons.dashboard import serve
    except ImportError as exc:
        print(
            f"coachsim: error: the dashboard needs the dashboard extra ({exc.name} is missing); "
            'install it with: pip install -e ".[dashboard]"',
            file=sys.stderr,
        )
        return 1
    if args.port:
        shown = f"[{host}]" if ":" in host else host
        print(f"coachsim dashboard: open http://{shown}:{args.port}/ in a browser (Ctrl-C stops it)", flush=True)
    return serve(host=host, port=args.port, scenarios=args.scenarios, warmup=args.warmup)


def _where(args: argparse.Namespace) -> dict[str, object]:
    """Where the runs run, as every library function takes it (its executor is built there, by make_executor)."""
    return {"workers": args.workers, "scheduler": args.scheduler}


def _executor_options(p: argparse.ArgumentParser) -> None:
    """The options of every command that runs the model saying where it runs: --workers or --scheduler."""
    group = p.add_argument_group("where the runs run (the results are the same on each)")
    group.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help="local processes (default: all cores; 1 runs in this process)",
    )
    group.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster instead, e.g. tcp://host:8786 (needs coachsim[distributed])",
    )


def _replicated(p: argparse.ArgumentParser, what: str, replications: int | None, shown: int) -> None:
    """The options of every replicated command: --replications, --seed, and where the runs run."""
    p.add_argument(
        "--replications",
        type=_positive_int,
        default=replications,
        metavar="N",
        help=f"replications{(' ' + what) if what else ''} (default {shown})",
    )
    p.add_argument("--seed", type=_seed, default=0, metavar="S", help="seed of the whole job (default 0)")
    _executor_options(p)


def _warmup(p: argparse.ArgumentParser) -> None:
    """The one warm-up option of every command that runs the model."""
    from analysis.common.horizon import STEADY_STATE_WEEKS

    p.add_argument(
        "--warmup",
        type=_seed,
        default=None,
        metavar="WEEKS",
        help=f"weeks each policy is in force before the counted year (default {STEADY_STATE_WEEKS}: the steady "
        "state; 0: the first year after the change)",
    )


def _inputs(p: argparse.ArgumentParser, where: str = "") -> None:
    """The options that change the model's inputs: --set and --org."""
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"override a parameter{where}, e.g. --set coaching.hours_per_rep_month=3 (repeatable)",
    )
    p.add_argument("--org", default=None, metavar="ROSTER.csv", help="build the org chart from a roster CSV")


def _ensemble_options(p: argparse.ArgumentParser) -> None:
    """--ensemble [FILE] and --ensemble-replications: the comparison in every plausible model too."""
    p.add_argument(
        "--ensemble",
        nargs="?",
        const="",
        default=None,
        metavar="FILE",
        help="also run the comparison in every member of a calibrated ensemble and say how robust each effect "
        "is (default file: scenarios/ensemble.parquet, the shipped ensemble)",
    )
    p.add_argument(
        "--ensemble-replications",
        type=_at_least_two,
        default=None,
        metavar="N",
        help="replications of each policy in each member (default 8)",
    )


def _overwrite(p: argparse.ArgumentParser, what: str = "folder") -> None:
    """--overwrite: let a command replace the earlier results in its default output folder (or file)."""
    p.add_argument(
        "--overwrite",
        action="store_true",
        help=f"replace the earlier results in the default output {what} (without it they are kept and the "
        "command stops; --out names another)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    ap = argparse.ArgumentParser(
        prog="coachsim",
        description="Simulate how coaching, quota load and inspection change a sales org's attainment.",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run replications of one scenario")
    run.add_argument("scenario", help="a scenario file, or the name of a shipped scenario (see `scenarios`)")
    _inputs(run)
    _replicated(run, "", 10, 10)
    _warmup(run)
    run.add_argument("--out", default=None, metavar="DIR", help="output folder (default results/SCENARIO)")
    _overwrite(run)
    run.set_defaults(func=cmd_run)

    comp = sub.add_parser("compare", help="compare scenarios side by side: statistics, charts, HTML report")
    comp.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files or shipped scenario names")
    comp.add_argument("--baseline", default=None, metavar="SCENARIO", help="the reference (default: the first)")
    _replicated(comp, "of every scenario", 20, 20)
    _warmup(comp)
    _inputs(comp, " in every scenario")
    _ensemble_options(comp)
    comp.add_argument("--out", default=None, metavar="DIR", help="output folder (default results/compare)")
    _overwrite(comp)
    comp.set_defaults(func=cmd_compare)

    shop = sub.add_parser("workshop", help="the main job: the shipped policy comparison and its HTML report")
    _replicated(shop, "of every scenario", None, 40)
    _warmup(shop)
    shop.add_argument(
        "--full",
        action="store_true",
        help="answer all seven questions: one comparison per question, one report over all (a few minutes)",
    )
    _ensemble_options(shop)
    shop.add_argument("--out", default=None, metavar="DIR", help="output folder (default results/workshop)")
    _overwrite(shop)
    shop.set_defaults(func=cmd_workshop)

    swp = sub.add_parser("sweep", help="sweep parameters: grid, lhs or sobol; local or Dask; resumable Parquet")
    swp.add_argument("scenario", help="a scenario file, or the name of a shipped scenario (see `scenarios`)")
    swp.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=SPEC",
        required=True,
        help="a parameter and its values: a list 0,1,2, a range 0:6:0.5 (stop included when on the "
        "grid) or bounds 0..6 (lhs, sobol); choice parameters take lists (repeatable)",
    )
    swp.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="fix a parameter for every run, e.g. --set org.reps=100 (repeatable)",
    )
    swp.add_argument(
        "--sampler",
        choices=("grid", "lhs", "sobol"),
        default="grid",
        help="grid: every combination; lhs: Latin hypercube; sobol: Saltelli design and Sobol indices",
    )
    swp.add_argument(
        "--samples",
        type=_positive_int,
        default=None,
        metavar="N",
        help="lhs: points; sobol: base points, a power of two (default 64)",
    )
    swp.add_argument("--replications", type=_positive_int, default=10, metavar="N", help="runs per point (default 10)")
    swp.add_argument("--seed", type=_seed, default=0, metavar="S", help="seed of the whole sweep (default 0)")
    swp.add_argument(
        "--seeds",
        choices=("common", "independent"),
        default="common",
        help="common: replication r uses the same seed at every point (default); independent: per point",
    )
    _executor_options(swp)
    swp.add_argument(
        "--chunk-size",
        type=_positive_int,
        default=None,
        metavar="N",
        help="runs per task and per Parquet file (default: automatic, whole points, about a second of work)",
    )
    swp.add_argument("--out", default=None, metavar="DIR", help="output folder (default results/sweep-SCENARIO)")
    _warmup(swp)
    swp.add_argument("--resume", action="store_true", help="continue the sweep in --out, running only what is missing")
    swp.set_defaults(func=cmd_sweep)

    val = sub.add_parser("validate", help="check the model against the published figures T1-T7")
    _replicated(val, "of every target's setting (the typical org's cross-section gets three times as many)", 8, 8)
    _warmup(val)
    _inputs(val)
    val.add_argument("--no-screen", action="store_true", help="skip the one-at-a-time sensitivity screen")
    val.add_argument("--out", default=None, metavar="DIR", help="output folder (default results/validation)")
    _overwrite(val)
    val.set_defaults(func=cmd_validate)

    cal = sub.add_parser("calibrate", help="fit free parameters to the published targets; write a scenario")
    cal.add_argument(
        "--targets",
        default=None,
        metavar="T1,T2,...",
        help="targets to fit (default T1-T7), or that every member of an ensemble passes (default: all of validate's)",
    )
    cal.add_argument(
        "--ensemble",
        type=_at_least_two,
        default=None,
        metavar="N",
        help="instead of one fitted point, N parameter vectors that all pass every target (ABC-MCMC), "
        f"written as Parquet (default {ENSEMBLE_OUT})",
    )
    cal.add_argument("--seed", type=_seed, default=0, metavar="S", help="seed of the ensemble's sampler (default 0)")
    cal.add_argument(
        "--free",
        nargs="+",
        default=None,
        metavar="KEY[=LOW..HIGH]",
        help="parameters to fit (default: the shipped calibration's free set)",
    )
    cal.add_argument(
        "--out", default=None, metavar="FILE", help=f"scenario file to write (default {CALIBRATED}), or the ensemble"
    )
    _overwrite(cal, "file")
    cal.add_argument("--max-evaluations", type=_positive_int, default=300, metavar="N")
    _executor_options(cal)
    cal.set_defaults(func=cmd_calibrate)

    disc = sub.add_parser("discover", help="scenario discovery (PRIM) on a sweep: where does the metric fall short?")
    disc.add_argument("sweep", metavar="SWEEP_DIR", help="the folder of a finished (or interrupted) sweep")
    disc.add_argument(
        "--metric", default="attainment", metavar="M", help="a canonical metric (default attainment; see README)"
    )
    rule = disc.add_mutually_exclusive_group(required=True)
    rule.add_argument("--below", type=float, default=None, metavar="X", help="cases: points whose mean is below X")
    rule.add_argument("--above", type=float, default=None, metavar="X", help="cases: points whose mean is above X")
    disc.add_argument("--threshold", type=float, default=0.8, help="least density of the box chosen (default 0.8)")
    disc.add_argument("--peel-alpha", type=float, default=0.05, help="share of the box peeled a step (default 0.05)")
    disc.add_argument("--mass-min", type=float, default=0.05, help="least share of the points in a box (default 0.05)")
    disc.add_argument("--out", default=None, metavar="DIR", help="output folder (default SWEEP_DIR/discover-METRIC)")
    _overwrite(disc)
    disc.set_defaults(func=cmd_discover)

    params = sub.add_parser("params", help="list every parameter: default, unit, range, meaning")
    params.add_argument("--format", choices=("table", "csv"), default="table")
    params.set_defaults(func=cmd_params)

    scen = sub.add_parser("scenarios", help="list the shipped scenarios")
    scen.set_defaults(func=cmd_scenarios)

    dash = sub.add_parser("dashboard", help="serve the live workshop dashboard: two policies side by side")
    dash.add_argument("--port", type=_port, default=8765, metavar="P", help="port to serve on (default 8765)")
    dash.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help="address to serve on (default 127.0.0.1, this machine only; 0.0.0.0 for all interfaces, with a warning)",
    )
    dash.add_argument(
        "--scenarios",
        default=None,
        metavar="DIR",
        help="a folder of scenario files the page may load besides the shipped ones (it loads nothing else)",
    )
    _warmup(dash)
    dash.set_defaults(func=cmd_dashboard)
    return ap


@contextlib.contextmanager
def _stop_signals() -> Iterator[list[int]]:
    """SIGTERM and SIGHUP stop the work as Ctrl-C does (a KeyboardInterrupt); yields the signals received."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def stop(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _flag_names(args: argparse.Namespace) -> Iterator[None]:
    """While the command runs, the messages of analysis/ call each choice by its flag here (:data:`FLAGS`).

    ``params`` and ``scenarios`` use no analysis/ (nor its import time).
    """
    if args.func in (cmd_params, cmd_scenarios):
        yield
        return
    from analysis.common.labels import labelled

    with labelled(FLAGS):
        yield


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """coachsim's own warnings as one line each, as its errors are."""
    if category.__name__ == "SweepWarning":
        print(f"coachsim: warning: {message}", file=sys.stderr)
    else:
        _default_show_warning(message, category, filename, lineno, file, line)


_default_show_warning = warnings.showwarning


def _stdout_to_devnull() -> None:
    """Point stdout's file descriptor at /dev/null, so that the output still buffered has nowhere to fail.

    As the Python documentation's "Note on SIGPIPE" does: a new ``sys.stdout`` object would not
    do, the old one still flushes its buffer into the closed pipe when the interpreter exits.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python run.py`` and the ``coachsim`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    # the command as the user gave it: analysis/ records it in the outputs and never builds one
    args.invocation = "python run.py " + shlex.join(argv)
    with _stop_signals() as received, warnings.catch_warnings(), _flag_names(args):
        warnings.showwarning = _show_warning
        try:
            code = args.func(args)
            sys.stdout.flush()  # a reader gone early (``| head``) shows here, not in the interpreter's exit
            return code
        except ParameterError as exc:
            print(f"coachsim: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except KeyboardInterrupt:
            sig = received[0] if received else signal.SIGINT
            print(f"coachsim: interrupted ({signal.Signals(sig).name})", file=sys.stderr)
            return EXIT_SIGNAL + sig
        except BrokenPipeError:  # the reader of stdout went away (``| head``): stop, quietly
            _stdout_to_devnull()
            return EXIT_SIGNAL + SIGPIPE
        except OSError as exc:  # a file or folder coachsim could not read or write, not caught nearer
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"coachsim: error: {where}{exc.strerror or exc}", file=sys.stderr)
            return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
