"""Where a sweep's runs are kept: the Parquet run store, its design file, and their repair.

- ``runs/``: a Parquet dataset, one row per run: ``point``, ``replication``, ``seed``, each
  varied parameter (dotted name) and each canonical metric. Each finished task is written as
  its own file, first under a hidden temporary name, fsync'd, then renamed (an atomic step) and
  the folder fsync'd, so a kill or a power cut leaves only whole files and loses at most the
  tasks in flight. Every chunk carries page checksums and the digest of the sweep's spec in its
  metadata. Rows are keyed by (point, replication); a key already stored is never written
  again, and readers drop duplicates.
- ``points.parquet``: the design, one row per point (for ``sobol`` also its ``block``).

Every chunk is checked before a resume (:meth:`RunStore.check`): one that cannot be read whole,
or holds a seed or a value its point could not have, is set aside as ``*.parquet.damaged`` with
a :class:`SweepWarning` and its runs run again.
"""

from __future__ import annotations

import os
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from analysis.common.outputs import first_line, fsync_dir, replace_file
from analysis.sweeps.samplers import Design
from analysis.sweeps.simulate import run_seed
from analysis.sweeps.spec import SPEC_FILE, SweepSpec, read_meta
from sim import params as registry
from sim.metrics import CANONICAL
from sim.params import Param, ParameterError

__all__ = [
    "DAMAGED",
    "DIGEST_KEY",
    "POINTS_FILE",
    "RUNS_DIR",
    "RunStore",
    "SweepWarning",
    "read_points",
    "read_runs",
    "set_aside",
    "warn",
    "write_points",
]


RUNS_DIR = "runs"


POINTS_FILE = "points.parquet"


#: The key of a chunk file's Parquet metadata that holds the sweep spec's digest.
DIGEST_KEY = "coachsim.sweep_spec"


#: Added to the name of a damaged file set aside.
DAMAGED = ".damaged"


# ============================================================================== storage
def _arrow_type(param: Param) -> Any:

    if param.kind is bool:
        return pa.bool_()
    if param.kind is str:
        return pa.string()
    if param.kind is int:
        return pa.int64()
    return pa.float64()


class RunStore:
    """The ``runs/`` Parquet dataset of a sweep: chunk files written whole, checked, deduplicated.

    ``digest`` (the spec's, :meth:`SweepSpec.digest`) is stamped on every chunk written, and a
    resume checks it on every chunk read (:meth:`check`).
    """

    def __init__(self, out: Path, names: Sequence[str], digest: str | None = None):

        self.dir = out / RUNS_DIR
        self.names = list(names)
        self.digest = digest
        self.schema = pa.schema(
            [("point", pa.int64()), ("replication", pa.int64()), ("seed", pa.uint64())]
            + [(n, _arrow_type(registry.by_name(n))) for n in self.names]
            + [(m, pa.float64()) for m in CANONICAL],
            metadata={DIGEST_KEY: digest} if digest else None,
        )

    def files(self) -> list[Path]:
        """The finished chunk files."""
        return sorted(self.dir.glob("part-*.parquet")) if self.dir.is_dir() else []

    def clean(self) -> int:
        """Remove temporary files a killed writer left behind; return how many."""
        stale = list(self.dir.glob(".part-*.tmp")) if self.dir.is_dir() else []
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def dataset(self) -> Any:
        """The stored runs as a ``pyarrow.dataset`` (hidden temporary files are ignored)."""

        return ds.dataset([str(p) for p in self.files()], schema=self.schema, format="parquet")

    def batches(self, columns: list[str]) -> Iterator[Any]:
        """The stored runs batch by batch; a chunk that cannot be read is a ParameterError saying what to do."""

        try:
            yield from self.dataset().to_batches(columns=columns)
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise ParameterError(
                f"{self.dir}: a chunk file cannot be read ({first_line(exc)}); resume the sweep (--resume) to set "
                "damaged chunks aside and run their runs again"
            ) from None

    def done(self, n_points: int, n_reps: int) -> np.ndarray:
        """A (points, replications) mask of the runs already stored."""
        mask = np.zeros((n_points, n_reps), bool)
        for batch in self.batches(["point", "replication"]):
            p = batch.column(0).to_numpy()
            r = batch.column(1).to_numpy()
            ok = (p >= 0) & (p < n_points) & (r >= 0) & (r < n_reps)
            mask[p[ok], r[ok]] = True
        return mask

    def write(self, columns: Mapping[str, list[Any]]) -> Path:
        """Write one chunk whole (:func:`analysis.common.outputs.replace_file`): temporary, fsync, rename, fsync."""

        if not self.dir.is_dir():
            self.dir.mkdir(parents=True, exist_ok=True)
            fsync_dir(self.dir.parent)
        table = pa.Table.from_pydict(dict(columns), schema=self.schema)
        final = self.dir / f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        replace_file(final, lambda tmp: pq.write_table(table, tmp, write_page_checksum=True))
        return final

    def read(self) -> pd.DataFrame:
        """Every stored run, one row per (point, replication), sorted."""

        df = pa.Table.from_batches(list(self.batches(self.schema.names)), schema=self.schema).to_pandas()
        df = df.drop_duplicates(["point", "replication"]).sort_values(["point", "replication"])
        return df.reset_index(drop=True)

    def check(self, design: Design, spec: SweepSpec) -> list[tuple[Path, Path, str]]:
        """Check every chunk before a resume; set a damaged one aside and return (path, new path, why) for each.

        A chunk is damaged when it cannot be read whole (truncated, empty, garbage, a page whose
        checksum fails) or holds rows this sweep could not have written (a seed or a varied value
        that does not match its point and replication): it is renamed ``*.parquet.damaged``, so its
        runs count as missing and run again. A readable chunk stamped with another spec's digest
        belongs to another sweep: the resume is refused, and nothing is renamed.
        """
        aside = []
        seeds: dict[tuple[int, int], int] = {}
        for path in self.files():
            kind, why = self._problem(path, design, spec, seeds)
            if kind == "foreign":
                raise ParameterError(
                    f"{path}: written by a different sweep ({why}); this folder's runs cannot be mixed with this "
                    "spec: resume with the sweep's own options, or choose another --out"
                )
            if kind == "damaged":
                aside.append((path, set_aside(path), why))
        return aside

    def _problem(
        self, path: Path, design: Design, spec: SweepSpec, seeds: dict[tuple[int, int], int]
    ) -> tuple[str | None, str]:

        try:
            pf = pq.ParquetFile(path, page_checksum_verification=True)
            stamp = (pf.schema_arrow.metadata or {}).get(DIGEST_KEY.encode())
            table = pf.read()
        except (OSError, ValueError, pa.ArrowException) as exc:
            return "damaged", f"unreadable: {first_line(exc)}"
        if stamp is None:
            return "foreign", "it carries no sweep stamp (written by an older coachsim?)"
        if stamp.decode(errors="replace") != self.digest:
            return "foreign", "its sweep stamp differs from this spec's"
        if not table.schema.equals(self.schema, check_metadata=False):
            return "damaged", "its columns are not this sweep's"
        points = table.column("point").to_numpy()
        reps = table.column("replication").to_numpy()
        if len(points) and not (
            (points >= 0).all()
            and (points < design.size).all()
            and (reps >= 0).all()
            and (reps < spec.replications).all()
        ):
            return "damaged", "a point or replication out of range"
        for p, r, seed in zip(points.tolist(), reps.tolist(), table.column("seed").to_pylist(), strict=True):
            key = (0 if spec.seeds == "common" else p, r)
            if key not in seeds:
                seeds[key] = run_seed(spec.seed, p, r, spec.seeds)
            if seed != seeds[key]:
                return "damaged", f"the seed of point {p}, replication {r} is not its seed"
        for n in self.names:
            column = design.columns[n]
            if table.column(n).to_pylist() != [column[p] for p in points.tolist()]:
                return "damaged", f"{n} does not hold the design's values at its points"
        return None, ""


def read_runs(out: str | os.PathLike[str]) -> pd.DataFrame:
    """The runs of the sweep stored in ``out``: the tidy table ``analysis.sweep`` returns."""
    out = Path(out)
    meta = read_meta(out)
    if meta is None:
        raise ParameterError(f"{out}: no sweep here ({SPEC_FILE} is missing)")
    return RunStore(out, [d["name"] for d in meta["spec"]["vary"]]).read()


def write_points(out: Path, design: Design) -> None:

    cols: dict[str, Any] = {"point": pa.array(np.arange(design.size), pa.int64())}
    if design.block is not None:
        cols["block"] = pa.array(design.block, pa.string())
    for n in design.names:
        cols[n] = pa.array(design.columns[n], _arrow_type(registry.by_name(n)))
    table = pa.table(cols)
    replace_file(out / POINTS_FILE, lambda tmp: pq.write_table(table, tmp, write_page_checksum=True))


def read_points(out: Path, design: Design) -> Design | None:
    """The stored design, so that a resume uses exactly the points already run; None if it is missing or damaged.

    A damaged ``points.parquet`` is set aside with a warning; the caller rebuilds it from the spec
    (the chunks are checked against the rebuilt design, so a design that came out differently
    would be found).
    """

    path = out / POINTS_FILE
    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        columns = {n: table.column(n).to_pylist() for n in design.names}
        stored = Design(design.names, columns, design.info, design.block)
        if stored.size != design.size:
            raise ValueError(f"it holds {stored.size} points, the spec makes {design.size}")
    except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
        target = set_aside(path)
        warn(f"{path} is damaged ({first_line(exc)}); set aside as {target.name} and rebuilt from the spec")
        return None
    return stored


def set_aside(path: Path) -> Path:
    """Rename a damaged file to ``NAME.damaged`` (``.damaged.2``, ... if taken); return the new path."""
    target = path.with_name(path.name + DAMAGED)
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}{DAMAGED}.{n}")
    os.replace(path, target)
    fsync_dir(path.parent)
    return target


class SweepWarning(UserWarning):
    """Something a sweep repaired on its way (a damaged chunk set aside, metadata rebuilt), or a design too small."""


def warn(message: str) -> None:
    warnings.warn(message, SweepWarning, stacklevel=3)
