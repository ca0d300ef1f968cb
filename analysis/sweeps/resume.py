"""Resuming a sweep: the folder's stored spec checked against the one given, and rebuilt when lost.

``resume=True`` reads which (point, replication) pairs are stored and runs only the others. The
stored spec must equal the new one, or the resume is refused; a chunk stamped with another
spec's digest refuses it too. A lost or damaged ``sweep.json`` (set aside) is rebuilt from the
spec given again with ``resume=True``, once every chunk carries that spec's digest (without it
the message says so); a lost or damaged ``points.parquet`` is rebuilt from the spec.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sim
from analysis.common import horizon
from analysis.sweeps.samplers import Design
from analysis.sweeps.spec import SPEC_FILE, DamagedMeta, SweepSpec, differences, read_meta
from analysis.sweeps.store import RUNS_DIR, RunStore, set_aside, warn
from sim.metrics import CANONICAL
from sim.params import ParameterError
from sim.scenario import Scenario

__all__ = ["AGAIN", "new_meta", "open_folder"]


AGAIN = "make room, then run the same command with --resume"


def open_folder(out: Path, spec: SweepSpec, resume: bool) -> dict[str, Any] | None:
    """Under the folder's lock: the stored sweep's metadata, or None to write it (a new or rebuilt sweep).

    Refuses a folder holding a sweep without ``resume``, or a sweep of another spec. Lost or
    damaged metadata with runs stored is rebuilt from the spec given, with ``resume`` only (every
    chunk is then checked against the spec's digest before anything is written).
    """
    chunks = RunStore(out, spec.names).files()
    try:
        meta = read_meta(out)
    except DamagedMeta as exc:
        if not resume:
            raise ParameterError(
                f"{exc}; to rebuild it from the spec, run the same sweep command again with --resume, "
                "or choose another --out"
            ) from None
        target = set_aside(out / SPEC_FILE)
        warn(f"{exc}; set aside as {target.name} and rebuilt from the spec given, after checking every chunk")
        return None
    if meta is not None:
        if not resume:
            raise ParameterError(f"{out} already holds a sweep; add --resume to continue it, or choose another --out")
        diff = differences(meta.get("spec", {}), spec.to_json())
        if diff:
            raise ParameterError(
                f"{out}: cannot resume, the sweep stored there has a different spec ("
                + "; ".join(diff[:6])
                + ("; ..." if len(diff) > 6 else "")
                + "). Resume with the same scenario and options, or choose another --out"
            )
        return meta
    if chunks and not resume:
        raise ParameterError(
            f"{out}/{RUNS_DIR} holds {len(chunks):,} chunk files but {SPEC_FILE} is missing; to rebuild it from "
            "the spec, run the same sweep command again with --resume, or choose another --out"
        )
    if chunks:
        warn(f"{out}/{SPEC_FILE} is missing; rebuilding it from the spec given, after checking every chunk")
    return None


def _counted_year(scenario: Scenario, spec: SweepSpec) -> str:
    """Which year the sweep's results count, in words (it may vary by point)."""
    if "sim.warmup_weeks" in spec.names:
        return "Varies by point: sim.warmup_weeks is swept (0 counts the first year after the change)."
    return horizon.sentence(int(scenario.values["sim.warmup_weeks"]))


def new_meta(scenario: Scenario, spec: SweepSpec, design: Design, command: str) -> dict[str, Any]:
    """``sweep.json`` of a new sweep."""
    return {
        "coachsim_version": sim.__version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": command,
        "counted_year": _counted_year(scenario, spec),
        "scenario": {
            "name": scenario.name,
            "file": str(scenario.path) if scenario.path else None,
            "description": scenario.description,
            "overrides": dict(scenario.overrides),
        },
        "spec": spec.to_json(),
        "spec_digest": spec.digest(),
        "design": design.info,
        "seed_rule": (
            "run seed = SeedSequence(entropy=seed, spawn_key=(replication,)) first uint64 word "
            "(common random numbers: the same seed for replication r at every point)"
            if spec.seeds == "common"
            else "run seed = SeedSequence(entropy=seed, spawn_key=(point, replication)) first uint64 word"
        ),
        "columns": ["point", "replication", "seed", *spec.names, *CANONICAL],
    }
