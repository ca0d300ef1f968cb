"""A roster of a real organisation, to build the org chart from instead of generating it.

One CSV row per person::

    id,role,manager_id,quota,tenure_weeks,last_year_attainment
    cro,executive,,0,300,
    m1,manager,cro,250000,120,
    r1,rep,m1,1000000,80,1.12

``role`` is ``executive``, ``manager`` or ``rep``; a rep reports to a manager, a manager to an
executive, and an executive to nobody or to another executive. ``quota`` is annual (a
manager's personal quota, 0 for a pure manager); ``last_year_attainment`` is optional and, where
given, orders the reps' aptitudes. Any problem raises :class:`RosterError` naming the file and
the line; nothing is built from half a roster.

The numbers are checked against the registry: a rep's quota within ``rep.quota``'s range, a
manager's personal quota 0 or within it, at most ``org.reps``'s highest number of reps; tenure
is at most :data:`MAX_TENURE_WEEKS` and last year's attainment at most
:data:`MAX_ATTAINMENT`. A file whose first line names none of the columns is not a roster, and the
message says so without quoting it (``--org /etc/shadow`` must not print a line of it).
"""

from __future__ import annotations

import csv
import difflib
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from sim import params as registry
from sim.params import ParameterError

__all__ = ["COLUMNS", "OPTIONAL_COLUMNS", "Roster", "RosterError", "load_roster"]

COLUMNS = ("id", "role", "manager_id", "quota", "tenure_weeks")
OPTIONAL_COLUMNS = ("last_year_attainment",)
ROLES = ("executive", "manager", "rep")
#: A career's length in weeks: the most tenure a roster row may give.
MAX_TENURE_WEEKS = 52 * 60
#: Last year's attainment as a fraction of quota (100 is 10,000%): beyond it, a typo.
MAX_ATTAINMENT = 100.0
#: The largest roster file read (a million people take about 50 MB).
MAX_FILE_BYTES = 512 << 20


class RosterError(ParameterError):
    """A roster that cannot be used: unreadable, malformed, or an impossible org chart."""


@dataclass(frozen=True)
class Roster:
    """The org chart of a roster as arrays: reps to managers, managers to executives."""

    path: str
    rep_ids: tuple[str, ...]
    rep_manager: np.ndarray  # index into managers
    rep_quota: np.ndarray  # annual
    rep_tenure: np.ndarray  # weeks
    rep_attainment: np.ndarray  # last year's, NaN where not given
    manager_ids: tuple[str, ...]
    manager_exec: np.ndarray  # index into executives
    manager_quota: np.ndarray  # annual personal quota
    manager_tenure: np.ndarray
    exec_ids: tuple[str, ...]

    @property
    def n_reps(self) -> int:
        """Number of reps."""
        return len(self.rep_ids)


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _number(
    raw: str,
    where: str,
    column: str,
    *,
    whole: bool = False,
    low: float = 0.0,
    high: float = math.inf,
    zero: bool = True,
) -> float:
    """A cell as a number from ``low`` to ``high`` (0 also allowed when ``zero``), or a RosterError saying what is."""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    ok = math.isfinite(value) and (low <= value <= high or (zero and value == 0))
    if whole:
        ok = ok and value.is_integer()
    if not ok:
        noun = "a whole number of weeks" if whole else "a number"
        span = f"from {registry.display(low)} to {registry.display(high)}" if math.isfinite(high) else "0 or more"
        if zero and low > 0:
            span = f"0, or {span}"
        raise RosterError(f"{where}: {column} = {raw!r} is not allowed; expected {noun} {span}")
    return value


def _parse(path: Path) -> Roster:
    try:
        if path.exists() and not path.is_file():
            raise RosterError(f"{path}: not a roster file (a folder or a device); expected a CSV file")
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            raise RosterError(f"{path}: larger than {MAX_FILE_BYTES >> 20} MB, too large for a roster")
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise RosterError(f"{path}: no such roster file") from None
    except UnicodeDecodeError:
        raise RosterError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise RosterError(f"{path}: cannot read the roster: {exc.strerror or exc}") from None
    except csv.Error as exc:
        raise RosterError(f"{path}: not a valid CSV file: {exc}") from None
    if not rows:
        raise RosterError(f"{path}: the roster is empty; expected a header line: {','.join(COLUMNS)}")
    header = [h.strip() for h in rows[0]]
    allowed = (*COLUMNS, *OPTIONAL_COLUMNS)
    if not any(h in allowed for h in header):
        raise RosterError(
            f"{path}: not a roster: its first line does not name the columns ({', '.join(COLUMNS)}[, "
            f"{', '.join(OPTIONAL_COLUMNS)}]); see scenarios/roster_template.csv"
        )
    for number, h in enumerate(header, start=1):
        if h not in allowed:
            close = difflib.get_close_matches(h, allowed, n=1)
            # a near miss is a typo and worth showing; anything else is not quoted
            what = f"unknown column {h!r} (did you mean {close[0]}?)" if close else f"column {number} is not known"
            raise RosterError(f"{path}: line 1: {what}; columns are {', '.join(allowed)}")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RosterError(f"{path}: line 1: missing column {missing[0]!r}; required columns are {', '.join(COLUMNS)}")
    col = {h: i for i, h in enumerate(header)}

    people: dict[str, dict] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}: line {line}"
        if len(row) != len(header):
            raise RosterError(f"{where}: {len(row)} fields, expected {len(header)} ({','.join(header)})")
        cell = {h: row[i].strip() for h, i in col.items()}
        pid = cell["id"]
        if not pid:
            raise RosterError(f"{where}: id is empty")
        if pid in people:
            raise RosterError(f"{where}: id {pid!r} appears twice (first on line {people[pid]['line']})")
        role = cell["role"].lower()
        if role not in ROLES:
            close = difflib.get_close_matches(role, ROLES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise RosterError(
                f"{where}: role = {cell['role']!r} is not allowed{hint}; expected one of {', '.join(ROLES)}"
            )
        att_raw = cell.get("last_year_attainment", "")
        quota = registry.by_name("rep.quota")
        people[pid] = {
            "line": line,
            "role": role,
            "manager": cell["manager_id"],
            # a rep's quota is rep.quota's kind of number; a manager or executive may carry none
            "quota": _number(cell["quota"], where, "quota", low=quota.low, high=quota.high, zero=role != "rep"),
            "tenure": _number(cell["tenure_weeks"], where, "tenure_weeks", whole=True, high=MAX_TENURE_WEEKS),
            "attainment": (
                _number(att_raw, where, "last_year_attainment", high=MAX_ATTAINMENT) if att_raw else math.nan
            ),
        }

    expected_boss = {"rep": "manager", "manager": "executive", "executive": "executive"}
    for pid, p in people.items():
        where = f"{path}: line {p['line']}"
        boss = p["manager"]
        if not boss:
            if p["role"] != "executive":
                role, needed = p["role"], expected_boss[p["role"]]
                raise RosterError(f"{where}: {role} {pid!r} has no manager_id; a {role} reports to {_a(needed)}")
            continue
        if boss not in people:
            close = difflib.get_close_matches(boss, list(people), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise RosterError(f"{where}: manager_id {boss!r} of {pid!r} is not an id in the roster{hint}")
        if people[boss]["role"] != expected_boss[p["role"]]:
            raise RosterError(
                f"{where}: {p['role']} {pid!r} reports to {boss!r}, {_a(people[boss]['role'])}; "
                f"a {p['role']} reports to {_a(expected_boss[p['role']])}"
            )
    for pid, p in people.items():  # executives may report to executives, but not in a circle
        seen = [pid]
        boss = p["manager"] if p["role"] == "executive" else ""
        while boss:
            if boss in seen:
                chain = " -> ".join([*seen, boss])
                raise RosterError(f"{path}: line {p['line']}: reporting lines form a cycle: {chain}")
            seen.append(boss)
            boss = people[boss]["manager"]

    def ids(role: str) -> list[str]:
        return [pid for pid, p in people.items() if p["role"] == role]

    reps, managers, execs = ids("rep"), ids("manager"), ids("executive")
    if not reps:
        raise RosterError(f"{path}: the roster has no reps")
    most = registry.by_name("org.reps").high
    if most is not None and len(reps) > most:
        raise RosterError(f"{path}: the roster has {len(reps):,} reps, more than org.reps allows ({most:,.0f})")
    m_index = {m: i for i, m in enumerate(managers)}
    e_index = {e: i for i, e in enumerate(execs)}
    # reps are stored team by team, so a team's seats are contiguous
    reps.sort(key=lambda r: m_index[people[r]["manager"]])

    def arr(idx: list[str], key: str) -> np.ndarray:
        return np.array([people[i][key] for i in idx], float)

    return Roster(
        path=str(path),
        rep_ids=tuple(reps),
        rep_manager=np.array([m_index[people[r]["manager"]] for r in reps], np.int64),
        rep_quota=arr(reps, "quota"),
        rep_tenure=arr(reps, "tenure").astype(np.int64),
        rep_attainment=arr(reps, "attainment"),
        manager_ids=tuple(managers),
        manager_exec=np.array([e_index[people[m]["manager"]] for m in managers], np.int64),
        manager_quota=arr(managers, "quota"),
        manager_tenure=arr(managers, "tenure").astype(np.int64),
        exec_ids=tuple(execs),
    )


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float, size: int) -> Roster:
    return _parse(Path(path))


def load_roster(path: str | os.PathLike[str]) -> Roster:
    """Read and check a roster CSV (cached while the file is unchanged)."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return _parse(p)  # raises the right RosterError
    return _cached(str(p.resolve()), st.st_mtime, st.st_size)
