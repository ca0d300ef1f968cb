"""Output folders: one owner at a time, checked before the work, files replaced whole or not at all.

Every command that writes a folder (``run``, ``compare``, ``workshop``, ``sweep``, ``validate``, ``discover``)
claims it with :func:`claim` before any run starts, and holds it until its files are written:

- the folder is created with its parents, and must be a folder;
- an exclusive lock (``.lock``, ``flock``) is held for the whole command, so two commands never
  write into one folder at once: the second is refused at once, naming the first one's process;
- a marker (``.coachsim.json``) names the kind of output the folder holds (a run, a comparison, a
  sweep, a validation). A folder holding another kind is refused, and so is one where a file the
  command writes already exists but was not written by coachsim;
- a command's default folder (no ``--out``) that already holds its results is refused unless
  ``--overwrite`` is given (``claim(..., replace=False)``): results are never replaced unasked.
  A folder named with ``--out`` is the user's choice, and its earlier results of the same command
  are replaced (a sweep's are continued with ``--resume``, and otherwise refused);
- a probe file is written, fsync'd and removed, so that a folder that cannot be written (read-only,
  no permission, a full disk) is found before the work, not after it.

Files are then written whole or not at all. :func:`publish` has a writer fill a private staging
folder inside the output folder, fsyncs every file, renames each into place and fsyncs the folder;
a failure at any point (a full disk, an I/O error, an interrupt) removes the staging folder and
leaves the previous files as they were. :func:`replace_file` does the same for one file (a sweep's
chunks and metadata). Either raises :class:`OutputError`, one line naming the file and the reason.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sim
from sim.params import ParameterError

__all__ = [
    "KINDS",
    "MARKER",
    "OutputError",
    "claim",
    "first_line",
    "fsync_dir",
    "publish",
    "reason",
    "replace_file",
    "writable_file",
]

#: The kind of output each command writes; a folder holds one kind.
KINDS = {
    "run": "run",
    "compare": "comparison",
    "workshop": "comparison",
    "sweep": "sweep",
    "validate": "validation",
    "discover": "discovery",
}
#: A file that tells each kind apart in a folder written before markers existed.
SIGNATURES = {"sweep.json": "sweep", "run.json": "run", "comparison.csv": "comparison", "validation.csv": "validation"}
MARKER = ".coachsim.json"
LOCK = ".lock"
PROBE = ".coachsim-probe"
STAGING = ".staging-"
PROBE_BYTES = 4096

_held = threading.local()  # the folders this thread has claimed: a claim inside a claim is free


class OutputError(ParameterError):
    """An output folder or file that cannot be used or written; the message says which and why."""


def first_line(exc: BaseException) -> str:
    """The first line of an error's message, at most 200 characters, for a message of one line."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def reason(exc: OSError) -> str:
    """The operating system's words for an error (``No space left on device``), without the noise."""
    if exc.errno:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc) or type(exc).__name__


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in folder ``path`` durable (a no-op where folders cannot be synced)."""
    try:
        _fsync(path)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.EACCES, errno.EISDIR):
            raise


def replace_file(path: Path, write: Callable[[Path], Any]) -> None:
    """Write ``path`` whole: ``write(tmp)`` fills a hidden temporary, then fsync, rename, fsync the folder."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        _fsync(tmp)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the file ({reason(exc)})") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def publish(out: Path, writer: Callable[[Path], Any], stale: Sequence[str] = ()) -> list[str]:
    """Have ``writer(folder)`` write its files into a staging folder, then move them all into ``out``.

    ``stale`` names files of the same command that a previous run may have left and this one did
    not write (say ``reps.parquet`` of a run with detail, rewritten without): they are removed, so
    the folder never mixes two runs. Returns the names written.
    """
    out = Path(out)
    _make(out)
    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=out))
    except OSError as exc:
        raise OutputError(f"{out}: cannot write there ({reason(exc)})") from None
    try:
        writer(staging)
        names = sorted(p.name for p in staging.iterdir() if p.is_file())
        for name in names:
            _fsync(staging / name)
        for name in names:
            os.replace(staging / name, out / name)
        for name in set(stale) - set(names):
            with contextlib.suppress(FileNotFoundError):
                (out / name).unlink()
        fsync_dir(out)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot write the results ({reason(exc)}); the files there before are unchanged"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return names


def _make(out: Path) -> bool:
    """Create folder ``out`` (and its parents); True if it was created now."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder; choose another --out")
    if out.is_dir():
        return False
    try:
        out.mkdir(parents=True)
    except FileExistsError:
        if not out.is_dir():
            raise OutputError(f"{out}: a part of the path is a file, not a folder; choose another --out") from None
        return False
    except NotADirectoryError:
        raise OutputError(f"{out}: a part of the path is a file, not a folder; choose another --out") from None
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the folder ({reason(exc)}); choose another --out") from None
    return True


def _owner(out: Path) -> str | None:
    """The kind of output in ``out``: from its marker, or from a file only that kind writes."""
    marker = out / MARKER
    if marker.is_file():
        try:
            kind = json.loads(marker.read_text()).get("kind")
        except (OSError, ValueError, AttributeError):
            kind = None
        return kind if isinstance(kind, str) else "unknown"
    for name, kind in SIGNATURES.items():
        if (out / name).exists():
            return kind
    return None


def _lock(out: Path, command: str) -> Any:
    """Take the folder's exclusive lock (non-blocking); return the open lock file."""
    try:
        import fcntl  # here, not at the top: POSIX only, and a folder is still usable without a lock
    except ImportError:  # pragma: no cover - not POSIX: no lock
        return None
    try:
        fh = (out / LOCK).open("a+")
    except OSError as exc:
        raise OutputError(f"{out}: cannot write there ({reason(exc)}); choose another --out") from None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.seek(0)
        holder = fh.read().strip() or "another coachsim command"
        fh.close()
        raise OutputError(
            f"{out}: {holder} is writing here right now; wait for it to finish, or choose another --out"
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"coachsim {command} (process {os.getpid()})\n")
    fh.flush()
    return fh


def _unlock(fh: Any) -> None:
    if fh is None:
        return
    import fcntl  # here, not at the top: POSIX only (a lock was taken, so it imports)

    with contextlib.suppress(OSError):
        fh.seek(0)
        fh.truncate()
    fcntl.flock(fh, fcntl.LOCK_UN)
    fh.close()


def _probe(out: Path) -> None:
    """Write, fsync and remove a small file: a folder that cannot take one fails here, before the work."""
    probe = out / PROBE
    try:
        with probe.open("wb") as fh:
            fh.write(b"\0" * PROBE_BYTES)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise OutputError(f"{out}: cannot write there ({reason(exc)}); choose another --out") from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


def writable_file(path: Path) -> None:
    """Check, before the work, that file ``path`` can be written: not a folder, its folder made and writable."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder; --out names the file to write, e.g. {path / 'calibrated.toml'}")
    _make(path.parent)
    _probe(path.parent)


def _check_owner(out: Path, command: str, files: Sequence[str], replace: bool = True) -> None:
    kind = KINDS[command]
    owner = _owner(out)
    if not replace and owner == kind and any((out / name).exists() for name in files):
        raise OutputError(
            f"{out} already holds the results of an earlier `{command}`, which this one would replace; "
            f"add --overwrite to replace them, or --out DIR to write somewhere else"
        )
    if owner is not None and owner != kind:
        raise OutputError(
            f"{out} holds {_a(owner)}'s output; `{command}` does not write into another command's folder: "
            "choose another --out"
        )
    if owner is None:
        present = [name for name in files if (out / name).exists()]
        if present:
            raise OutputError(
                f"{out} already holds {present[0]}, which coachsim did not write there; choose another --out"
            )


def _a(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind


@contextlib.contextmanager
def claim(out: Path, command: str, files: Sequence[str] = (), replace: bool = True) -> Iterator[Path]:
    """Hold folder ``out`` for ``command`` (one of :data:`KINDS`) while the block runs; see the module notes.

    ``files`` are the names the command writes, refused when the folder holds one coachsim did not
    write. With ``replace`` false a folder that already holds this kind of output (one of
    ``files``) is refused too: a command writing its default folder never replaces earlier
    results unasked. A folder this call created is removed again if the block fails before
    writing into it.
    """
    out = Path(out)
    key = f"{os.getpid()}:{out.resolve()}"  # a forked child holds nothing its parent held
    held: set[str] = _held.__dict__.setdefault("folders", set())
    if key in held:
        yield out
        return
    created = _make(out)
    fh = None
    try:
        fh = _lock(out, command)
        _check_owner(out, command, files, replace)
        _probe(out)
        for stale in out.glob(f"{STAGING}*"):  # what a writer killed mid-publish left
            shutil.rmtree(stale, ignore_errors=True)
        if not (out / MARKER).is_file():
            marker = {"kind": KINDS[command], "command": command, "coachsim_version": sim.__version__}
            replace_file(out / MARKER, lambda p: p.write_text(json.dumps(marker) + "\n"))
        held.add(key)
        try:
            yield out
        finally:
            held.discard(key)
    except BaseException:
        if created:
            _remove_if_unused(out)
        raise
    finally:
        _unlock(fh)


def _remove_if_unused(out: Path) -> None:
    """Remove a folder that holds nothing but the marker and the lock."""
    with contextlib.suppress(OSError):
        if {p.name for p in out.iterdir()} <= {MARKER, LOCK}:
            for name in (MARKER, LOCK):
                with contextlib.suppress(FileNotFoundError):
                    (out / name).unlink()
            out.rmdir()
