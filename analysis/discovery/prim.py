"""PRIM scenario discovery: the region of parameter space where an outcome of interest concentrates.

The Patient Rule Induction Method (Friedman and Fisher 1999, "Bump hunting in high-dimensional
data", *Statistics and Computing* 9:123-143) looks for a *box*: a low and a high limit on some of
the parameters, inside which the cases of interest (``y`` True, e.g. "the policy does not beat the
baseline") are much more common than overall. Bryant and Lempert (2010, "Thinking inside the box",
*Technological Forecasting and Social Change* 77:34-49) made it the tool of *scenario discovery*:
the box, read as "where A is above a and B is below b", is a scenario a decision maker can
recognise. EMA Workbench (``ema_workbench.analysis.prim``) is the reference implementation; this
one follows it for binary outcomes and numeric parameters, written anew and without the
dependency.

Three numbers judge a box (all are shares, between 0 and 1):

- **coverage**: the share of all cases of interest that lie inside the box (how much of the
  phenomenon the box explains);
- **density**: the share of the points inside the box that are cases of interest (how pure it is;
  Friedman and Fisher's box mean of ``y``);
- **mass**: the share of all points that lie inside the box (its support).

The algorithm, as implemented here:

1. **Peeling.** Start from the box holding every point. At each step, for every column, consider
   removing about ``peel_alpha`` of the points now in the box from its low end, or from its high
   end. The cut is made between two distinct values (ties are never split), at the boundary
   whose count of removed points is nearest to ``peel_alpha`` times the points in the box (at
   least one point); a column with one distinct value left in the box cannot be peeled. Take the
   peel whose remaining box has the highest density (ties: the larger box, then the first column,
   low end before high end). Peel on while the box's mass stays at least ``mass_min``, recording
   every box: the *peeling trajectory*.
2. **Selection.** Take the box of the trajectory with the highest coverage among those whose
   density reaches ``threshold`` (ties: the denser, then the earlier). If none reaches it, take
   the densest box and say so (``met_threshold`` False).
3. **Pasting.** Grow the chosen box back: for every limit, consider moving it out to take in about
   ``paste_alpha`` of the box's points from just beyond it (points inside the box on every other
   parameter); take the paste that gives the highest density, as long as it raises the density.
   Each paste is added to the trajectory (``phase`` "paste") and the last one is the box reported.
4. **Quasi-p-values** (Bryant and Lempert 2010; as EMA Workbench computes them): for each
   restricted parameter, a one-sided binomial test of the box's cases against the density of the
   box with that one restriction removed. A small value says the restriction matters; a large one
   that the box is about as dense without it.
5. **Sequential covering** (:func:`find_boxes`; Friedman and Fisher 1999, section 5): remove the
   points of the box found and search again among the rest, until a box is no denser than the
   share of cases overall or ``max_boxes`` are found.

A box's limits are data values and inclusive: a point is inside when ``low <= value <= high`` on
every parameter. The cuts depend only on the order of each column's values, so any increasing
transform of a column (a logarithm, an exponential) leaves the same points in every box. Nothing
is random: the same data give the same boxes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.common.labels import label
from sim.params import ParameterError

__all__ = ["PrimResult", "box_table", "describe", "find_boxes", "format_value", "prim"]

#: The columns of :attr:`PrimResult.trajectory` before the limits of each parameter.
TRAJECTORY_COLUMNS = ("step", "phase", "coverage", "density", "mass", "points", "cases", "restricted")
#: The columns of :func:`box_table`.
BOX_TABLE_COLUMNS = ("parameter", "low", "high", "min", "max", "quasi_p", "coverage", "density", "mass")


@dataclass(frozen=True, eq=False)
class PrimResult:
    """The box PRIM chose, its peeling and pasting trajectory and its statistics.

    Counts and shares are over every point given (``total_points`` points, ``total_cases`` of them
    cases of interest), also for a box that :func:`find_boxes` found after earlier boxes took
    their points out (``excluded`` points).

    Attributes:
        trajectory: One row per box of the peeling trajectory (``phase`` "peel", step 0 the box of
            every point) and of the pasting (``phase`` "paste"): ``step``, ``phase``,
            ``coverage``, ``density``, ``mass``, ``points``, ``cases``, ``restricted`` (the number
            of restricted parameters), then ``<parameter>_low`` and ``<parameter>_high`` for
            every parameter.
        box: The chosen box: restricted parameter -> (low, high), inclusive limits, in the order
            of :func:`box_table` (smallest quasi-p-value first). An unrestricted end holds the
            parameter's full-range value; unrestricted parameters are left out.
        coverage: Share of all cases of interest that are inside the box (NaN when there are none).
        density: Share of the points inside the box that are cases of interest.
        mass: Share of all points that are inside the box.
        cases: Cases of interest inside the box.
        points: Points inside the box.
        base_density: Share of cases of interest among all points.
        quasi_p: Restricted parameter -> quasi-p-value (Bryant and Lempert 2010).
        met_threshold: Whether the box's density reaches ``threshold``; when False the box is the
            densest found instead.
        threshold: The density asked for.
        chosen: The row of ``trajectory`` that is the chosen box.
        peeled: The row of the peeling trajectory selected before pasting (``chosen`` when no
            paste raised the density).
        full_range: Every parameter -> (min, max) over all points.
        inside: One boolean per row of ``x``: the point is inside the box (and was searched).
        total_cases: Cases of interest among all points.
        total_points: All points.
        excluded: Points left out of the search because earlier boxes hold them.
        note: Why there is no box, or that the threshold was not met; empty otherwise.
    """

    trajectory: pd.DataFrame
    box: Mapping[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    cases: int
    points: int
    base_density: float
    quasi_p: Mapping[str, float]
    met_threshold: bool
    threshold: float
    chosen: int
    peeled: int
    full_range: Mapping[str, tuple[float, float]] = field(repr=False)
    inside: np.ndarray = field(repr=False)
    total_cases: int = 0
    total_points: int = 0
    excluded: int = 0
    note: str = ""

    def __repr__(self) -> str:
        box = ", ".join(f"{k}: ({lo:.4g}, {hi:.4g})" for k, (lo, hi) in self.box.items())
        return (
            f"PrimResult(coverage={self.coverage:.3g}, density={self.density:.3g}, mass={self.mass:.3g}, "
            f"box={{{box}}}, met_threshold={self.met_threshold}, points={self.points}, cases={self.cases})"
        )


@dataclass(frozen=True)
class _Settings:
    peel_alpha: float
    paste_alpha: float
    mass_min: float
    threshold: float


# ----------------------------------------------------------------------------- checks
def _share(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < float(value) < 1:
        raise ParameterError(f"{label(name)} {value!r}: expected a number strictly between 0 and 1")
    return float(value)


def _settings(peel_alpha: Any, paste_alpha: Any, mass_min: Any, threshold: Any) -> _Settings:
    return _Settings(
        peel_alpha=_share("peel_alpha", peel_alpha),
        paste_alpha=_share("paste_alpha", paste_alpha),
        mass_min=_share("mass_min", mass_min),
        threshold=_share("threshold", threshold),
    )


def _names(items: Sequence[Any], most: int = 5) -> str:
    shown = ", ".join(repr(str(c)) for c in items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _check_x(x: Any) -> tuple[np.ndarray, list[str]]:
    """The points as a float array (rows, parameters) and the parameter names."""
    name = label("x")
    if not isinstance(x, pd.DataFrame):
        raise ParameterError(
            f"{name}: expected a pandas DataFrame with one numeric column per parameter, got {type(x).__name__}"
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ParameterError(f"{name} is empty ({x.shape[0]} rows, {x.shape[1]} columns): PRIM needs points to search")
    columns = [str(c) for c in x.columns]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise ParameterError(f"{name}: column names must be unique; repeated: {_names(repeated)}")
    bad = [
        c
        for c, dtype in zip(columns, x.dtypes, strict=True)
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_complex_dtype(dtype)
    ]
    if bad:
        kinds = ", ".join(sorted({str(x[c].dtype) for c in x.columns if str(c) in bad}))
        raise ParameterError(
            f"{name}: every column must be numeric; not numeric ({kinds}): {_names(bad)} "
            "(code a categorical parameter as numbers, or leave it out)"
        )
    try:
        values = x.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:  # e.g. a nullable column pandas cannot cast
        raise ParameterError(f"{name}: the columns cannot be read as numbers ({exc})") from None
    finite = np.isfinite(values)
    if not finite.all():
        where = [c for c, ok in zip(columns, finite.all(axis=0), strict=True) if not ok]
        count = int((~finite).sum())
        raise ParameterError(f"{name}: {count} missing or infinite values (NaN, inf) in column(s) {_names(where)}")
    return values, columns


def _check_y(y: Any, rows: int) -> np.ndarray:
    name = label("y")
    values = np.asarray(y.to_numpy() if isinstance(y, pd.Series | pd.Index) else y)
    if values.ndim != 1:
        raise ParameterError(f"{name}: expected one flag per point (a 1-d array), got shape {values.shape}")
    if len(values) != rows:
        raise ParameterError(f"{name} has {len(values)} values but x has {rows} rows: one flag per point is needed")
    if values.dtype == bool:
        return values
    if values.dtype == object:
        try:
            values = values.astype(float)
        except (TypeError, ValueError):
            raise ParameterError(f"{name}: expected True/False (or 1/0) for every point") from None
    if not (np.issubdtype(values.dtype, np.number) and not np.iscomplexobj(values)):
        raise ParameterError(f"{name}: expected True/False (or 1/0) for every point, got {values.dtype} values")
    numeric = values.astype(float)
    if np.isnan(numeric).any():
        raise ParameterError(f"{name}: {int(np.isnan(numeric).sum())} missing values (NaN); flag every point")
    if not np.isin(numeric, (0.0, 1.0)).all():
        others = np.unique(numeric[~np.isin(numeric, (0.0, 1.0))])[:3]
        raise ParameterError(f"{name}: expected True/False (or 1/0) for every point, found {others.tolist()}")
    return numeric == 1.0


# ----------------------------------------------------------------------------- the search
@dataclass
class _Data:
    """The points searched (``x``, ``y``: the active rows) and what the counts are shares of."""

    x: np.ndarray  # (n, d) the active points
    y: np.ndarray  # (n,) int: 1 for a case of interest
    rows: np.ndarray  # the active rows' positions in the caller's x
    full_lo: np.ndarray
    full_hi: np.ndarray
    total_points: int
    total_cases: int


def _inside(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return ((x >= lo) & (x <= hi)).all(axis=1)


def _nearest(clean: np.ndarray, counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per column, the row of ``clean`` (a clean cut) whose count is nearest ``k``; first row wins ties.

    ``clean`` is (rows, columns); ``counts`` is (rows, 1), the points a cut at that row moves.
    Returns the chosen rows and whether the column has any clean cut at all.
    """
    far = np.iinfo(np.int64).max
    dist = np.where(clean, np.abs(counts - k), far)
    return np.argmin(dist, axis=0), clean.any(axis=0)


def _peel(data: _Data, order: np.ndarray, inbox: np.ndarray, s: _Settings) -> tuple[int, int, float] | None:
    """The best peel of the box: (column, side 0 low / 1 high, new limit), or None when none is allowed."""
    d = order.shape[1]
    m = int(inbox.sum())
    if m < 2:
        return None
    keep = inbox[order]  # (n, d): each column has exactly m True
    sorted_rows = order.T[keep.T].reshape(d, m).T  # (m, d): the box's points, ascending per column
    cols = np.arange(d)
    values = data.x[sorted_rows, cols]
    cum = np.cumsum(data.y[sorted_rows], axis=0)  # cum[i - 1, j]: cases among the i smallest on column j
    h = int(cum[-1, 0])
    k = max(1, int(s.peel_alpha * m))
    clean = values[1:] > values[:-1]  # row p - 1: a cut between the p smallest and the rest
    p = np.arange(1, m)[:, None]
    # low end: remove the p smallest (nearest k; the smaller peel wins a tie)
    row_lo, ok = _nearest(clean, p, k)
    p_lo = row_lo + 1
    kept_lo = m - p_lo
    cases_lo = h - cum[p_lo - 1, cols]
    # high end: remove the m - p largest (the smaller peel, i.e. the larger p, wins a tie)
    row_hi_rev, _ = _nearest(clean[::-1], (m - p)[::-1], k)
    p_hi = (m - 1) - row_hi_rev
    kept_hi = p_hi
    cases_hi = cum[p_hi - 1, cols]
    kept = np.stack([kept_lo, kept_hi], axis=1).ravel()  # candidates: column 0 low, column 0 high, ...
    cases = np.stack([cases_lo, cases_hi], axis=1).ravel()
    allowed = np.repeat(ok, 2) & (kept / data.total_points >= s.mass_min) & (kept > 0)
    if not allowed.any():
        return None
    density = np.where(allowed, cases / np.maximum(kept, 1), -np.inf)
    kept_key = np.where(allowed, kept, -1)
    best = int(np.lexsort((np.arange(2 * d), -kept_key, -density))[0])
    j, side = divmod(best, 2)
    limit = values[p_lo[j], j] if side == 0 else values[p_hi[j] - 1, j]
    return j, side, float(limit)


def _paste(
    data: _Data, lo: np.ndarray, hi: np.ndarray, s: _Settings
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Paste the box out while that raises its density; the final limits and each box on the way."""
    lo, hi = lo.copy(), hi.copy()
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    x, y = data.x, data.y
    d = x.shape[1]
    active_lo, active_hi = x.min(axis=0), x.max(axis=0)
    while True:
        below, above = x < lo, x > hi
        outside = (below | above).sum(axis=1)
        inbox = outside == 0
        m, h = int(inbox.sum()), int(y[inbox].sum())
        density = h / m
        k = max(1, int(s.paste_alpha * m))
        once = outside == 1
        best: tuple[float, int, int, int, float] | None = None  # (density, points, column, side, limit)
        for j in range(d):
            for side, beyond in ((0, below[:, j]), (1, above[:, j])):
                candidates = once & beyond
                if not candidates.any():
                    continue
                v = x[candidates, j]
                ordered = np.argsort(-v if side == 0 else v, kind="stable")  # nearest the limit first
                v, cum = v[ordered], np.cumsum(y[candidates][ordered])
                clean = np.append(v[1:] != v[:-1], True)  # taking the i nearest splits no tie
                i = int(_nearest(clean[:, None], np.arange(1, len(v) + 1)[:, None], k)[0][0]) + 1
                new_density = (h + int(cum[i - 1])) / (m + i)
                key = (new_density, m + i)
                if best is None or key > best[:2]:
                    best = (new_density, m + i, j, side, float(v[i - 1]))
        if best is None or best[0] <= density:
            return lo, hi, steps
        _, _, j, side, limit = best
        if side == 0:
            lo[j] = data.full_lo[j] if limit <= active_lo[j] else limit
        else:
            hi[j] = data.full_hi[j] if limit >= active_hi[j] else limit
        steps.append((lo.copy(), hi.copy()))


def _row(data: _Data, lo: np.ndarray, hi: np.ndarray, step: int, phase: str) -> dict[str, Any]:
    inbox = _inside(data.x, lo, hi)
    points, cases = int(inbox.sum()), int(data.y[inbox].sum())
    restricted = int(((lo > data.full_lo) | (hi < data.full_hi)).sum())
    return {
        "step": step,
        "phase": phase,
        "coverage": cases / data.total_cases if data.total_cases else math.nan,
        "density": cases / points if points else math.nan,
        "mass": points / data.total_points,
        "points": points,
        "cases": cases,
        "restricted": restricted,
    }


def _select(coverage: np.ndarray, density: np.ndarray, threshold: float) -> tuple[int, bool]:
    """The row with the highest coverage among those dense enough, else the densest; and whether dense enough."""
    rows = np.arange(len(coverage))
    met = density >= threshold
    if met.any():
        r = rows[met]
        return int(r[np.lexsort((r, -density[met], -coverage[met]))[0]]), True
    return int(np.lexsort((rows, -coverage, -density))[0]), False


def _quasi_p(data: _Data, lo: np.ndarray, hi: np.ndarray, restricted: np.ndarray) -> np.ndarray:
    """Per restricted column: P(at least the box's cases | the density without that restriction)."""
    x, y = data.x, data.y
    beyond = (x < lo) | (x > hi)
    outside = beyond.sum(axis=1)
    inbox = outside == 0
    t_box, h_box = int(inbox.sum()), int(y[inbox].sum())
    out = np.full(len(restricted), np.nan)
    for i, j in enumerate(restricted):
        wider = inbox | ((outside == 1) & beyond[:, j])
        share = float(y[wider].sum()) / int(wider.sum())
        out[i] = stats.binomtest(h_box, t_box, share, alternative="greater").pvalue
    return out


def _search(data: _Data, columns: list[str], s: _Settings, excluded: int, n_rows: int) -> PrimResult:
    lo, hi = data.full_lo.copy(), data.full_hi.copy()
    boxes: list[tuple[np.ndarray, np.ndarray, str]] = [(lo.copy(), hi.copy(), "peel")]
    h = int(data.y.sum())
    note = ""
    if data.total_cases == 0:
        note = "there are no cases of interest"
    elif h == len(data.y):
        note = "every point searched is a case of interest"
    else:
        order = np.argsort(data.x, axis=0, kind="stable")
        inbox = np.ones(len(data.y), bool)
        while (peel := _peel(data, order, inbox, s)) is not None:
            j, side, limit = peel
            if side == 0:
                lo[j] = limit
                inbox &= data.x[:, j] >= limit
            else:
                hi[j] = limit
                inbox &= data.x[:, j] <= limit
            boxes.append((lo.copy(), hi.copy(), "peel"))
    rows = [_row(data, b_lo, b_hi, step, phase) for step, (b_lo, b_hi, phase) in enumerate(boxes)]
    coverage = np.array([r["coverage"] for r in rows], float)
    density = np.array([r["density"] for r in rows], float)
    chosen, met = _select(np.nan_to_num(coverage), density, s.threshold)
    peeled = chosen
    if data.total_cases and h:
        c_lo, c_hi, _ = boxes[chosen]
        _, _, pasted = _paste(data, c_lo, c_hi, s)
        for p_lo, p_hi in pasted:
            boxes.append((p_lo, p_hi, "paste"))
            rows.append(_row(data, p_lo, p_hi, len(rows), "paste"))
        if pasted:
            chosen = len(rows) - 1
            met = rows[chosen]["density"] >= s.threshold
    b_lo, b_hi, _ = boxes[chosen]
    restricted = np.flatnonzero((b_lo > data.full_lo) | (b_hi < data.full_hi))
    qp = _quasi_p(data, b_lo, b_hi, restricted) if len(restricted) else np.array([])
    order_qp = sorted(range(len(restricted)), key=lambda i: (qp[i], restricted[i]))
    box = {columns[restricted[i]]: (float(b_lo[restricted[i]]), float(b_hi[restricted[i]])) for i in order_qp}
    quasi_p = {columns[restricted[i]]: float(qp[i]) for i in order_qp}
    if data.total_cases and not met and not note:
        note = (
            f"no box reaches the density asked for ({s.threshold:.0%}); "
            f"the densest box found is reported ({rows[chosen]['density']:.0%})"
        )
    if data.total_cases and h and not len(restricted) and not note:
        note = "the chosen box restricts no parameter"
    trajectory = pd.DataFrame(rows, columns=list(TRAJECTORY_COLUMNS))
    limits = np.array([np.concatenate([b[0], b[1]]) for b in boxes])
    names = [f"{c}_low" for c in columns] + [f"{c}_high" for c in columns]
    trajectory = pd.concat([trajectory, pd.DataFrame(limits, columns=names)], axis=1)
    trajectory = trajectory[[*TRAJECTORY_COLUMNS, *(f"{c}_{end}" for c in columns for end in ("low", "high"))]]
    inside = np.zeros(n_rows, bool)
    inside[data.rows[_inside(data.x, b_lo, b_hi)]] = True
    row = rows[chosen]
    return PrimResult(
        trajectory=trajectory,
        box=MappingProxyType(box),
        coverage=float(row["coverage"]),
        density=float(row["density"]),
        mass=float(row["mass"]),
        cases=int(row["cases"]),
        points=int(row["points"]),
        base_density=data.total_cases / data.total_points,
        quasi_p=MappingProxyType(quasi_p),
        met_threshold=bool(met),
        threshold=s.threshold,
        chosen=chosen,
        peeled=peeled,
        full_range=MappingProxyType(
            {c: (float(a), float(b)) for c, a, b in zip(columns, data.full_lo, data.full_hi, strict=True)}
        ),
        inside=inside,
        total_cases=data.total_cases,
        total_points=data.total_points,
        excluded=excluded,
        note=note,
    )


def _data(values: np.ndarray, flags: np.ndarray, active: np.ndarray) -> _Data:
    return _Data(
        x=values[active],
        y=flags[active].astype(np.int64),
        rows=np.flatnonzero(active),
        full_lo=values.min(axis=0),
        full_hi=values.max(axis=0),
        total_points=len(flags),
        total_cases=int(flags.sum()),
    )


def prim(
    x: pd.DataFrame,
    y: Any,
    *,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    threshold: float = 0.8,
) -> PrimResult:
    """Find the box of parameter space where the cases of interest concentrate (PRIM).

    Peels the box of all points (Friedman and Fisher 1999), chooses the box of the trajectory
    with the highest coverage among those with density at least ``threshold`` (Bryant and Lempert
    2010; the densest when none reaches it), pastes it while that raises its density, and tests
    each restriction with a quasi-p-value. The module docstring gives the details.

    Args:
        x: One numeric column per uncertain parameter (e.g. ``manager.coaching_skill_mean``), one
            row per point (a sweep's points). Constant columns are never restricted.
        y: One flag per row of ``x`` (bools, or 1/0): True for the cases of interest.
        peel_alpha: Share of the box's points a peel removes, in (0, 1).
        paste_alpha: Share of the box's points a paste adds, in (0, 1).
        mass_min: Peeling stops before the box holds less than this share of all points, in (0, 1).
        threshold: The density a box must reach to be chosen for its coverage, in (0, 1).

    Returns:
        A :class:`PrimResult`.

    Raises:
        ParameterError: ``x`` empty, not a DataFrame, with a non-numeric column or a missing
            value; ``y`` of another length or not boolean; a share outside (0, 1).
    """
    s = _settings(peel_alpha, paste_alpha, mass_min, threshold)
    values, columns = _check_x(x)
    flags = _check_y(y, len(values))
    return _search(_data(values, flags, np.ones(len(flags), bool)), columns, s, 0, len(flags))


def find_boxes(x: pd.DataFrame, y: Any, max_boxes: int = 2, **kw: float) -> list[PrimResult]:
    """Several boxes by sequential covering (Friedman and Fisher 1999, section 5).

    Finds a box with :func:`prim`, removes its points and searches the rest again. It stops
    after ``max_boxes`` boxes, when no case of interest is left, or when the next box is no
    denser than the share of cases among all points, or restricts no parameter (that box is not
    returned). Each box's coverage, mass and counts are shares of all points and cases, as in
    EMA Workbench, and its limits hold among the points that earlier boxes left.

    Args:
        x: As for :func:`prim`.
        y: As for :func:`prim`.
        max_boxes: The most boxes to find, at least 1.
        **kw: ``peel_alpha``, ``paste_alpha``, ``mass_min``, ``threshold`` as for :func:`prim`.

    Returns:
        The boxes found, in the order found; empty when not even the first beats the base density.
    """
    unknown = sorted(set(kw) - {"peel_alpha", "paste_alpha", "mass_min", "threshold"})
    if unknown:
        raise ParameterError(f"find_boxes: unknown option(s) {_names(unknown)}")
    if isinstance(max_boxes, bool) or not isinstance(max_boxes, numbers.Integral) or max_boxes < 1:
        raise ParameterError(f"{label('max_boxes')} {max_boxes!r}: expected a whole number of at least 1")
    defaults = {"peel_alpha": 0.05, "paste_alpha": 0.05, "mass_min": 0.05, "threshold": 0.8}
    s = _settings(**{**defaults, **kw})
    values, columns = _check_x(x)
    flags = _check_y(y, len(values))
    base = flags.mean()
    active = np.ones(len(flags), bool)
    found: list[PrimResult] = []
    while len(found) < max_boxes and flags[active].any():
        result = _search(_data(values, flags, active), columns, s, int((~active).sum()), len(flags))
        if not result.box or not result.density > base:
            break
        found.append(result)
        active &= ~result.inside
    return found


# ----------------------------------------------------------------------------- reporting
def format_value(value: float) -> str:
    """``value`` to 3 significant digits without trailing zeros, as :func:`describe` writes it (0.600 -> 0.6)."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = 2 - math.floor(math.log10(abs(value)))
    rounded = round(value, digits)
    if digits <= 0:
        return f"{rounded:,.0f}"
    return f"{rounded:.{digits}f}".rstrip("0").rstrip(".")


def _with_unit(value: float, unit: str | None) -> str:
    if not unit:
        return format_value(value)
    return f"{format_value(value)}{unit}" if unit.startswith("%") else f"{format_value(value)} {unit}"


def _condition(result: PrimResult, name: str, labels: Mapping[str, str], units: Mapping[str, str]) -> str:
    low, high = result.box[name]
    full_low, full_high = result.full_range[name]
    unit = units.get(name)
    what = labels.get(name, name)
    if low == high:
        return f"{what} is {_with_unit(low, unit)}"
    if low > full_low and high < full_high:
        return f"{what} is between {_with_unit(low, None)} and {_with_unit(high, unit)}"
    if low > full_low:
        return f"{what} is above {_with_unit(low, unit)}"
    return f"{what} is below {_with_unit(high, unit)}"


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(
    result: PrimResult,
    *,
    subject: str,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> str:
    """One plain-English sentence on the box, for a report.

    For example: "Coaching the coaches does not pay where manager.coaching_skill_mean is above
    0.6 and rep.learning_rate is below 0.03 (this box holds 78% of all such cases; 91% of the
    points in it are such cases)." Restrictions come in the order of :func:`box_table` (smallest
    quasi-p-value first); limits are rounded to 3 significant digits ("is 3" when a box keeps one
    value of a parameter). When there is no box (no
    case of interest, every point one, or no restriction) the sentence says so.

    Args:
        result: What :func:`prim` or :func:`find_boxes` returned.
        subject: The clause before "where", e.g. "Coaching the coaches does not pay".
        labels: Parameter -> the words for it in the sentence (default: its name).
        units: Parameter -> the unit written after its limits (e.g. "h", "%").

    Returns:
        The sentence, ending with a full stop.
    """
    labels, units = labels or {}, units or {}
    subject = subject.strip().rstrip(".")
    n = result.total_points
    if result.total_cases == 0:
        return f"There is no point, of {n:,}, where {_lower_first(subject)}: there is no region to describe."
    if result.total_cases == n:
        return f"{subject} everywhere: in all {n:,} points, so no region stands out."
    if not result.box:
        if result.met_threshold:
            return (
                f"{subject} in {result.base_density:.0%} of all {n:,} points, already at least the "
                f"{result.threshold:.0%} asked for, so no region is singled out."
            )
        return f"{subject} in {result.base_density:.0%} of the {n:,} points, with no region standing out."
    where = _join([_condition(result, name, labels, units) for name in result.box])
    stats_text = (
        f"this box holds {result.coverage:.0%} of all such cases; "
        f"{result.density:.0%} of the points in it are such cases"
    )
    if not result.met_threshold:
        stats_text += f", short of the {result.threshold:.0%} asked for: it is the densest box found"
    if result.excluded:
        stats_text += "; the points of earlier boxes are left out"
    return f"{subject} where {where} ({stats_text})."


def _lower_first(text: str) -> str:
    """Lower the first letter unless the first word is an acronym ("PRIM", "KPI")."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def box_table(result: PrimResult) -> pd.DataFrame:
    """The chosen box as a table: one row per restricted parameter, smallest quasi-p-value first.

    Columns: ``parameter``, ``low``, ``high`` (the box's inclusive limits; an unrestricted end
    holds the full-range value), ``min``, ``max`` (the full range over all points), ``quasi_p``,
    and the box's ``coverage``, ``density`` and ``mass`` repeated on every row so that the CSV
    carries them. ``attrs`` holds those and ``points``, ``cases``, ``base_density``,
    ``threshold``, ``met_threshold`` and ``note``.
    """
    rows = [
        {
            "parameter": name,
            "low": low,
            "high": high,
            "min": result.full_range[name][0],
            "max": result.full_range[name][1],
            "quasi_p": result.quasi_p[name],
            "coverage": result.coverage,
            "density": result.density,
            "mass": result.mass,
        }
        for name, (low, high) in result.box.items()
    ]
    table = pd.DataFrame(rows, columns=list(BOX_TABLE_COLUMNS))
    table = table.astype({c: float for c in BOX_TABLE_COLUMNS if c != "parameter"})
    table.attrs.update(
        coverage=result.coverage,
        density=result.density,
        mass=result.mass,
        points=result.points,
        cases=result.cases,
        base_density=result.base_density,
        threshold=result.threshold,
        met_threshold=result.met_threshold,
        note=result.note,
    )
    return table
