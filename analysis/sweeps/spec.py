"""What determines a sweep's results: its spec, recorded in ``sweep.json``, and how two specs differ.

The spec is the scenario's full parameter set, the varied values, sampler, samples,
replications, seeds, the coachsim version and a digest of the model's source files
(``sim/*.py``), so that one sweep never mixes runs of two versions of the model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import sim
from analysis.common.labels import label
from analysis.common.limits import Job
from analysis.common.outputs import first_line, replace_file
from analysis.sweeps.dimensions import Dimension, dimensions
from analysis.sweeps.samplers import DESIGN_TAG, Design, make_sampler
from analysis.sweeps.simulate import SEED_RULES, reps_per_run
from sim import params as registry
from sim.params import ParameterError
from sim.roster import load_roster
from sim.scenario import Scenario

__all__ = [
    "SPEC_FILE",
    "DamagedMeta",
    "SweepSpec",
    "differences",
    "make_spec",
    "model_fingerprint",
    "read_meta",
    "write_json",
]


SPEC_FILE = "sweep.json"


# ============================================================================== the spec
@dataclass(frozen=True)
class SweepSpec:
    """Everything that determines a sweep's results; compared on resume."""

    scenario: Scenario
    dims: tuple[Dimension, ...]
    sampler: str
    samples: int | None
    replications: int
    seed: int
    seeds: str = "common"

    @property
    def names(self) -> list[str]:
        """The varied parameters, in order."""
        return [d.name for d in self.dims]

    def base(self) -> dict[str, Any]:
        """The scenario's full parameter set (the varied ones take the design's values)."""
        return self.scenario.values

    def to_json(self) -> dict[str, Any]:
        """The spec as stored in ``sweep.json``."""
        return _normal(
            {
                "scenario": self.scenario.name,
                "base": dict(sorted(self.base().items())),
                "vary": [d.to_json() for d in self.dims],
                "sampler": self.sampler,
                "samples": self.samples,
                "replications": self.replications,
                "seed": self.seed,
                "seeds": self.seeds,
                "coachsim_version": sim.__version__,
                "model_source": model_fingerprint(),
            }
        )

    def design(self) -> Design:
        """The sweep's points (deterministic given the spec)."""
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, DESIGN_TAG]))
        return make_sampler(self.sampler).design(self.dims, self.samples, rng)

    @property
    def points(self) -> int:
        """The number of points, without building the design."""
        return make_sampler(self.sampler).size(self.dims, self.samples)

    def digest(self) -> str:
        """A digest of :meth:`to_json`, stamped on every chunk file so a chunk says which sweep it is of."""
        comparable = _comparable(self.to_json())  # as a resume compares specs: 0:3:1 is 0,1,2,3
        return hashlib.sha256(json.dumps(comparable, sort_keys=True).encode()).hexdigest()[:16]

    def job(self, workers: int) -> Job:
        """The sweep's size for :func:`analysis.common.limits.check_job`: its largest run, all its runs."""
        base = self.base()
        weeks = self._largest("sim.weeks", base) + self._largest("sim.warmup_weeks", base)
        reps = reps_per_run(base)
        if any(d.name == "org.reps" for d in self.dims):
            reps = self._largest("org.reps", base)
        for d in self.dims:
            if d.name == "org.roster":
                reps = max([reps, *(reps_per_run({"org.roster": v}) for v in d.values if v)])
        return Job("sweep", self.points * self.replications, reps, weeks, workers, kept=False)

    def _largest(self, name: str, base: Mapping[str, Any]) -> int:
        values = [base[name]]
        for d in self.dims:
            if d.name == name:
                values = [v for v in d.values if v is not None] if d.discrete else [d.high]
        return int(max(values))


def model_fingerprint() -> str:
    """A digest of the model's source (``sim/*.py``): a resume must run the same model code."""
    h = hashlib.sha256()
    for path in sorted(Path(sim.__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _normal(obj: Any) -> Any:
    """What ``obj`` becomes after a JSON round trip (tuples to lists), for comparisons."""
    return json.loads(json.dumps(obj))


def make_spec(
    scenario: Scenario,
    vary: Mapping[str, Any] | Sequence[str] | Sequence[Dimension],
    sampler: str = "grid",
    samples: int | None = None,
    replications: int = 10,
    seed: int = 0,
    seeds: str = "common",
) -> SweepSpec:
    """Check every option and build the spec; raises ParameterError naming what is wrong."""
    dims = dimensions(vary)
    registry.resolve(scenario.overrides, scenario.origin)  # check the base set before anything else
    chosen = make_sampler(sampler)
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, int) or samples < 1):
        raise ParameterError(f"{label('samples')} {samples!r}: expected a whole number of at least 1")
    samples = chosen.check(dims, samples)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ParameterError(f"{label('replications')} {replications!r}: expected a whole number of at least 1")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"{label('seed')} {seed!r}: expected a whole number of 0 or more")
    if seeds not in SEED_RULES:
        raise ParameterError(f"{label('seeds')} {seeds!r}: expected one of {', '.join(SEED_RULES)}")
    for d in dims:
        if d.name == "org.roster":  # every roster of the list is read and checked now, not mid-sweep
            for roster in d.values:
                if roster is not None:
                    load_roster(roster)
    return SweepSpec(scenario, tuple(dims), sampler, samples, replications, seed, seeds)


# ============================================================================== metadata
class DamagedMeta(ParameterError):
    """``sweep.json`` is there but cannot be read as a sweep description."""


def read_meta(out: Path) -> dict[str, Any] | None:
    path = out / SPEC_FILE
    if not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text())
        meta["spec"]["vary"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DamagedMeta(f"{path}: not a readable sweep description ({first_line(exc)})") from None
    return meta


def write_json(path: Path, obj: Any) -> None:
    text = json.dumps(obj, indent=2, default=str) + "\n"
    replace_file(path, lambda tmp: tmp.write_text(text))


def _comparable(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec without the SPEC texts: ``0:3:1`` and ``0,1,2,3`` are the same values."""
    out = dict(spec)
    if isinstance(out.get("vary"), list):
        out["vary"] = [{k: v for k, v in d.items() if k != "spec"} for d in out["vary"] if isinstance(d, dict)]
    return out


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What differs between a stored spec and a new one, in words."""
    old, new = _comparable(old), _comparable(new)
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if key == "base" and isinstance(a, dict) and isinstance(b, dict):
            for name in sorted(set(a) | set(b)):
                if a.get(name) != b.get(name):
                    out.append(f"{name}: {_short(a.get(name))} stored, {_short(b.get(name))} now")
        elif key == "model_source":
            out.append("the model's code (sim/*.py) has changed since the sweep began")
        elif key == "vary" and isinstance(a, list) and isinstance(b, list):
            na, nb = [d.get("name") for d in a], [d.get("name") for d in b]
            if na != nb:
                out.append(f"varied parameters: {', '.join(map(str, na))} stored, {', '.join(map(str, nb))} now")
            else:
                for da, db in zip(a, b, strict=True):
                    if da != db:
                        ra = {k: v for k, v in da.items() if k != "name"}
                        rb = {k: v for k, v in db.items() if k != "name"}
                        out.append(f"{label('vary')} {da['name']}: {_short(ra)} stored, {_short(rb)} now")
        else:
            out.append(f"{key}: {_short(a)} stored, {_short(b)} now")
    return out


def _short(v: Any, width: int = 80) -> str:
    text = json.dumps(v)
    return text if len(text) <= width else text[: width - 3] + "..."
