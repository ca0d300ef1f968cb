"""Scenario files: TOML in ``scenarios/``, sections matching the dotted parameter names.

A scenario file holds a plain-words ``description``, optionally ``extends = "parent"`` (a
shipped scenario name or a path relative to the file), and one table per registry section::

    description = "Three hours of protected coaching a rep a month."
    extends = "baseline"

    [coaching]
    hours_per_rep_month = 3
    kpi_inspection = 1.0

Keys left out take their parent's value, or the registry default. Every key and value is
checked; any problem raises :class:`ScenarioError` naming the file, the key and what is allowed.

Loading is bounded: a file is at most :data:`MAX_FILE_BYTES`, UTF-8 (a byte order mark is
accepted), its arrays and inline tables nested at most :data:`MAX_NESTING` deep (checked before
the TOML parser, which would otherwise recurse once a level), and an ``extends`` chain is
followed in a loop for at most :data:`MAX_EXTENDS` files. Messages name unknown keys but quote
values only of known parameters, so a file that is not a scenario is not printed.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import params as registry
from sim.params import ParameterError

__all__ = ["SCENARIO_DIR", "Scenario", "ScenarioError", "dump", "load", "shipped"]

#: Where shipped scenarios live; COACHSIM_SCENARIOS overrides it.
SCENARIO_DIR = Path(os.environ.get("COACHSIM_SCENARIOS", Path(__file__).resolve().parents[1] / "scenarios"))
TOP_LEVEL_KEYS = ("title", "description", "extends")
MAX_FILE_BYTES = 1 << 20
MAX_NESTING = 16
MAX_EXTENDS = 64
#: What can open or close a nesting level in TOML, and what hides brackets: strings and comments.
_TOKENS = re.compile(r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]', re.S)


class ScenarioError(ParameterError):
    """A scenario that cannot be loaded: missing, unreadable, malformed or invalid."""


@dataclass(frozen=True)
class Scenario:
    """A named policy: its title and description, where it came from, and the parameters it sets.

    ``title`` is the policy's name in plain words for reports and pages (a file's own, never
    inherited through ``extends``); :attr:`heading` falls back to the file name.
    """

    name: str
    description: str = ""
    path: Path | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""

    @property
    def heading(self) -> str:
        """The policy's name in plain words: its title, else its file name."""
        return self.title or self.name

    @property
    def values(self) -> dict[str, Any]:
        """The full parameter set: defaults with this scenario's settings applied (a roster read and checked)."""
        values = registry.resolve(self.overrides, self.origin)
        if values.get("org.roster"):
            from sim.roster import load_roster

            load_roster(values["org.roster"])
        return values

    @property
    def origin(self) -> str:
        """How to name this scenario in a message: its file, or its name."""
        return str(self.path) if self.path else self.name

    def with_overrides(self, changes: Mapping[str, Any], origin: str = "--set") -> Scenario:
        """A copy with ``changes`` (dotted names, already parsed) applied and checked."""
        merged = dict(self.overrides)
        for name, value in changes.items():
            try:
                merged[name] = registry.by_name(name).check(value, origin)
            except KeyError:
                raise registry.unknown(name, origin) from None
        return Scenario(self.name, self.description, self.path, merged, self.title)


def shipped() -> dict[str, Path]:
    """The shipped scenarios, by name."""
    if not SCENARIO_DIR.is_dir():
        return {}
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def _locate(ref: str, relative_to: Path | None = None) -> Path:
    where = f"{relative_to}: extends = {ref!r}: " if relative_to else ""
    if not ref.strip():
        raise ScenarioError(
            f"{where or f'scenario {ref!r}: '}expected the name of a shipped scenario or a scenario file, not an empty "
            "string; `python run.py scenarios` lists the shipped ones"
        )
    candidates = []
    path = Path(ref)
    if relative_to is not None and not path.is_absolute():
        candidates.append(relative_to.parent / path)
    candidates.append(path)
    for c in candidates:
        if c.is_file():
            return c
        if c.name and c.suffix != ".toml" and c.with_suffix(".toml").is_file() and relative_to is not None:
            return c.with_suffix(".toml")
    named = shipped()
    if ref in named:
        return named[ref]
    for c in candidates:
        if c.is_dir():
            raise ScenarioError(f"{where}{c} is a folder, not a scenario file (a .toml file or a shipped name)")
    close = difflib.get_close_matches(ref, list(named), n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]}?)" if close else ""
    listing = ", ".join(named) or "none"
    raise ScenarioError(
        f"{where}no scenario file or shipped scenario named {ref!r}{hint}; shipped scenarios: {listing}"
    )


def nesting(text: str) -> int:
    """The deepest nesting of arrays and inline tables in TOML ``text`` (not counting strings and comments)."""
    depth = deepest = 0
    for token in _TOKENS.finditer(text):
        t = token.group()
        if t in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif t in "]}":
            depth = max(0, depth - 1)
    return deepest


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_FILE_BYTES // 1024} kB; a scenario file is a few lines of TOML")
    try:
        text = data.decode("utf-8-sig")  # a byte order mark, as some editors save, is not part of the TOML
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text file (a scenario is UTF-8 TOML)") from None
    depth = nesting(text)
    if depth > MAX_NESTING:
        raise ScenarioError(
            f"{path}: arrays or tables nested {depth} deep (at most {MAX_NESTING}); a scenario file holds plain values"
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply to read; a scenario file holds plain values") from None


def _flatten(doc: Mapping[str, Any], path: Path) -> dict[str, Any]:
    sections = sorted({p.section for p in registry.REGISTRY})
    pool = [*TOP_LEVEL_KEYS, *sections, *(p.name for p in registry.REGISTRY)]
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key in TOP_LEVEL_KEYS:
            if not isinstance(value, str):
                raise ScenarioError(f"{path}: {key} must be a string, not {_kind(value)}")
            continue
        if key not in sections:
            close = difflib.get_close_matches(key, pool, n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ScenarioError(
                f"{path}: unknown key {key!r}{hint}; allowed at the top level: "
                f"{', '.join(TOP_LEVEL_KEYS)} and the sections [{'], ['.join(sections)}]"
            )
        if not isinstance(value, dict):
            raise ScenarioError(f"{path}: {key} must be a section [{key}] of parameters, not a value")
        for sub, v in value.items():
            name = f"{key}.{sub}"
            if isinstance(v, dict):
                raise ScenarioError(f"{path}: {name} must be a value, not a table")
            if name == "org.roster" and isinstance(v, str) and v.strip() and not Path(v).is_absolute():
                v = str(path.parent / v)  # a roster named in a scenario file is found beside it
            try:
                out[name] = registry.by_name(name).check(v, str(path))
            except KeyError:
                raise ScenarioError(str(registry.unknown(name, str(path)))) from None
            except ParameterError as exc:
                raise ScenarioError(str(exc)) from None
    return out


def _kind(value: Any) -> str:
    return {list: "a list", dict: "a table", bool: "true or false"}.get(type(value), f"a {type(value).__name__}")


def load(ref: str | os.PathLike[str]) -> Scenario:
    """Load a scenario by file path or shipped name, following ``extends``; check everything.

    The title is the file's own; the description is the nearest in the chain that has one.

    The chain of ``extends`` is followed in a loop, child first, for at most :data:`MAX_EXTENDS`
    files; then each file's settings apply over its parent's, the child's last.
    """
    chain: list[Path] = []
    layers: list[tuple[dict[str, Any], str]] = []
    ref_text, parent_of = str(ref), None
    while True:
        path = _locate(ref_text, parent_of).resolve()
        if path in chain:
            cycle = " -> ".join(p.name for p in (*chain, path))
            raise ScenarioError(f"{chain[0]}: extends forms a cycle: {cycle}")
        if len(chain) >= MAX_EXTENDS:
            raise ScenarioError(f"{chain[0]}: its extends chain is longer than {MAX_EXTENDS} files")
        chain.append(path)
        doc = _read(path)
        if len(chain) == 1:
            title = doc.get("title", "")
        layers.append((_flatten(doc, path), doc.get("description", "")))
        if "extends" not in doc:
            break
        ref_text, parent_of = doc["extends"], path
    overrides: dict[str, Any] = {}
    for own, _ in reversed(layers):
        overrides.update(own)
    description = next((text for _, text in layers if text), "")
    return Scenario(chain[0].stem, description, chain[0], overrides, title)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def dump(values: Mapping[str, Any], description: str = "", extends: str | None = None, title: str = "") -> str:
    """Render dotted-name ``values`` as a scenario file (None values are left out: unset)."""
    lines = [f"title = {_toml_value(title)}"] if title else []
    lines.append(f"description = {_toml_value(description)}")
    if extends:
        lines.append(f"extends = {_toml_value(extends)}")
    sections: dict[str, list[str]] = {}
    for name, value in values.items():
        if value is None:
            continue
        section, key = name.split(".", 1)
        sections.setdefault(section, []).append(f"{key} = {_toml_value(value)}")
    for section, items in sections.items():
        lines += ["", f"[{section}]", *items]
    return "\n".join(lines) + "\n"
