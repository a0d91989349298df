"""The superseded method: small-cell suppression of each table on its own (until decision 0010).

Kept only for the attack suite (test_attack.py), which shows that an analyst who compares tables
suppressed this way recovers hidden counts exactly — the reason it was replaced by the cell-key method
(tsunagiai/analytics/cellkey.py). Nothing in the application uses it.

Signature::

    suppress(table: CountTable, *, threshold: int = 5) -> SuppressedTable

    CountTable(row_labels: Sequence[str], column_labels: Sequence[str], values: Sequence[Sequence[int]])
        # a one-dimensional table (counts by window, by month ...) is a table with one row:
        # CountTable.one_row(labels, values, row_label="")
    SuppressedTable
        .cells[i][j], .row_totals[i], .column_totals[j], .grand_total: Figure
        .as_rows() -> list of (label, [Figure, ...], row total Figure)
    Figure(value: int | None, state: "shown" | "small" | "withheld")
        .display -> "12" | "<5" | "x"       .value is None unless shown

Rules (docs/analytics.md, "Anonymisation"):

1. Primary suppression: a count of 1 to 4 (cell or total) is shown as "<5".
   A zero is shown as 0 (it says that nobody is in the cell; it identifies nobody).
2. Secondary suppression: a row or column whose total is published and which has
   exactly one suppressed cell gets a second one, the smallest cell of that line
   with a count of 5 or more, shown as "x" (秘匿, as in e-Stat tables). When the
   line has no such cell, its total is withheld ("x") instead. Rows and columns
   are revisited until nothing changes.
3. Audit: for every "<5" figure, the exact range an attacker can deduce from all
   published figures (cells, row totals, column totals, the grand total, and the
   knowledge that "<5" means 1-4 and "x" means at least 5) is computed by linear
   programming. The row/column/total constraints form two laminar families, so
   the constraint matrix is totally unimodular and the LP bounds are the integer
   bounds. A figure whose range is a single value gets one more secondary cell
   in its row (or column), or, when there is none, that line's total is withheld;
   steps 2-3 repeat. As a last resort every total is withheld.

Totals are computed from the true values and published only when, by step 3,
they reveal no suppressed figure.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

THRESHOLD = 5
SMALL_DISPLAY = "<5"
WITHHELD_DISPLAY = "x"


class State(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # primary: 1..threshold-1, shown as "<5"
    WITHHELD = "withheld"  # secondary: withheld so that a small figure cannot be recovered, shown as "x"


@dataclass(frozen=True)
class Figure:
    """One published figure: the value when shown, otherwise only the state."""

    value: int | None
    state: State

    @property
    def display(self) -> str:
        if self.state is State.SMALL:
            return SMALL_DISPLAY
        if self.state is State.WITHHELD:
            return WITHHELD_DISPLAY
        return str(self.value)

    @property
    def suppressed(self) -> bool:
        return self.state is not State.SHOWN

    def __str__(self) -> str:
        return self.display


@dataclass(frozen=True)
class CountTable:
    row_labels: Sequence[str]
    column_labels: Sequence[str]
    values: Sequence[Sequence[int]]

    def __post_init__(self) -> None:
        if len(self.values) != len(self.row_labels):
            raise ValueError("one row of values per row label")
        for row in self.values:
            if len(row) != len(self.column_labels):
                raise ValueError("one value per column label in every row")
            if any(not isinstance(v, int) or v < 0 for v in row):
                raise ValueError("counts are non-negative integers")

    @classmethod
    def one_row(cls, labels: Sequence[str], values: Sequence[int], row_label: str = "") -> CountTable:
        return cls(row_labels=[row_label], column_labels=list(labels), values=[list(values)])


@dataclass(frozen=True)
class SuppressedTable:
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[Figure, ...], ...]
    row_totals: tuple[Figure, ...]
    column_totals: tuple[Figure, ...]
    grand_total: Figure

    def as_rows(self) -> Iterator[tuple[str, tuple[Figure, ...], Figure]]:
        yield from zip(self.row_labels, self.cells, self.row_totals, strict=True)

    @property
    def any_suppressed(self) -> bool:
        return any(f.suppressed for row in self.cells for f in row)


def suppress(table: CountTable, *, threshold: int = THRESHOLD) -> SuppressedTable:
    """Apply primary and secondary suppression; see the module docstring for the rules."""
    values = [list(row) for row in table.values]
    if not values or not table.column_labels:
        return SuppressedTable(
            tuple(table.row_labels),
            tuple(table.column_labels),
            tuple(() for _ in values),
            tuple(Figure(0, State.SHOWN) for _ in values),
            (),
            Figure(0, State.SHOWN),
        )
    n_rows, n_cols = len(values), len(table.column_labels)
    row_sums = [sum(row) for row in values]
    col_sums = [sum(values[i][j] for i in range(n_rows)) for j in range(n_cols)]
    grand = sum(row_sums)

    def small(v: int) -> bool:
        return 0 < v < threshold

    state: dict[tuple[int, int], State] = {
        (i, j): (State.SMALL if small(values[i][j]) else State.SHOWN) for i in range(n_rows) for j in range(n_cols)
    }
    row_state = [State.SMALL if small(s) else State.SHOWN for s in row_sums]
    col_state = [State.SMALL if small(s) else State.SHOWN for s in col_sums]
    grand_state = [State.SMALL if small(grand) else State.SHOWN]

    def line(kind: str, k: int) -> list[tuple[int, int]]:
        return [(k, j) for j in range(n_cols)] if kind == "row" else [(i, k) for i in range(n_rows)]

    def add_secondary(kind: str, k: int) -> bool:
        """One more withheld cell in the line (the smallest count >= threshold), or withhold its total."""
        candidates = [c for c in line(kind, k) if state[c] is State.SHOWN and values[c[0]][c[1]] >= threshold]
        if candidates:
            chosen = min(candidates, key=lambda c: (values[c[0]][c[1]], c))
            state[chosen] = State.WITHHELD
            return True
        totals = row_state if kind == "row" else col_state
        if totals[k] is State.SHOWN:
            totals[k] = State.WITHHELD
            return True
        return False

    def pair_lines() -> None:
        changed = True
        while changed:
            changed = False
            for kind, count, totals in (("row", n_rows, row_state), ("col", n_cols, col_state)):
                for k in range(count):
                    if totals[k] is not State.SHOWN:
                        continue
                    if sum(1 for c in line(kind, k) if state[c] is not State.SHOWN) == 1:
                        changed = add_secondary(kind, k) or changed

    totals_of = {"row": row_state, "col": col_state, "grand": grand_state}
    sums_of = {"row": row_sums, "col": col_sums, "grand": [grand]}

    def withhold_all_totals() -> bool:
        changed = False
        for kind, states in totals_of.items():
            for k, s in enumerate(states):
                if s is State.SHOWN and sums_of[kind][k] >= threshold:
                    states[k] = State.WITHHELD
                    changed = True
        return changed

    while True:
        pair_lines()
        pinned = _pinned(values, state, row_state, col_state, grand_state[0], threshold)
        if pinned is None:
            break
        kind, i, j = pinned
        if kind != "cell":
            # a "<5" total that the rest gives away: withhold it ("x" says nothing about its size)
            totals_of[kind][i] = State.WITHHELD
            continue
        if add_secondary("row", i) or add_secondary("col", j):
            continue
        small_lines = [(k, n) for k, n in (("row", i), ("col", j), ("grand", 0)) if totals_of[k][n] is State.SMALL]
        if small_lines:
            kind, n = small_lines[0]
            totals_of[kind][n] = State.WITHHELD
            continue
        if not withhold_all_totals():
            # nothing published is left to reveal it: withhold the cell itself (cannot happen, kept as a guard)
            state[(i, j)] = State.WITHHELD

    def fig(v: int, s: State) -> Figure:
        return Figure(v if s is State.SHOWN else None, s)

    return SuppressedTable(
        row_labels=tuple(table.row_labels),
        column_labels=tuple(table.column_labels),
        cells=tuple(tuple(fig(values[i][j], state[(i, j)]) for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple(fig(row_sums[i], row_state[i]) for i in range(n_rows)),
        column_totals=tuple(fig(col_sums[j], col_state[j]) for j in range(n_cols)),
        grand_total=fig(grand, grand_state[0]),
    )


def _pinned(
    values: list[list[int]],
    state: dict[tuple[int, int], State],
    row_state: list[State],
    col_state: list[State],
    grand_state: State,
    threshold: int,
) -> tuple[str, int, int] | None:
    """The first "<5" figure an attacker could determine exactly, or None when all are safe.

    ("cell", i, j) for a cell, ("row"|"col"|"grand", k, 0) for a total.

    The attacker knows every shown figure, that "<5" is 1..threshold-1 and "x" at least threshold.
    """
    hidden = [c for c, s in state.items() if s is not State.SHOWN]
    n_rows, n_cols = len(values), len(values[0]) if values else 0
    small_totals = (
        [("row", i) for i, s in enumerate(row_state) if s is State.SMALL]
        + [("col", j) for j, s in enumerate(col_state) if s is State.SMALL]
        + ([("grand", 0)] if grand_state is State.SMALL else [])
    )
    if not hidden and not small_totals:
        return None
    if n_rows == 1 and State.SMALL not in (row_state[0], grand_state):  # its column totals are its cells
        return _pinned_one_row(values[0], state, row_state[0], grand_state, threshold)
    index = {c: k for k, c in enumerate(hidden)}
    bounds = [
        (1, threshold - 1) if state[c] is State.SMALL else (threshold, None)  # withheld cells are >= threshold
        for c in hidden
    ]
    a_eq: list[list[float]] = []
    b_eq: list[float] = []
    a_ub: list[list[float]] = []
    b_ub: list[float] = []

    def members(kind: str, k: int) -> list[tuple[int, int]]:
        if kind == "row":
            return [(k, j) for j in range(n_cols)]
        if kind == "col":
            return [(i, k) for i in range(n_rows)]
        return [(i, j) for i in range(n_rows) for j in range(n_cols)]

    def vector(cells: list[tuple[int, int]]) -> tuple[list[float], int]:
        coeffs = [0.0] * len(hidden)
        known = 0
        for c in cells:
            if c in index:
                coeffs[index[c]] = 1.0
            else:
                known += values[c[0]][c[1]]
        return coeffs, known

    lines = [("row", i, s) for i, s in enumerate(row_state)] + [("col", j, s) for j, s in enumerate(col_state)]
    lines.append(("grand", 0, grand_state))
    for kind, k, s in lines:
        cells = members(kind, k)
        coeffs, known = vector(cells)
        true_total = sum(values[c[0]][c[1]] for c in cells)
        if s is State.SHOWN:
            if any(coeffs):
                a_eq.append(coeffs)
                b_eq.append(true_total - known)
        elif s is State.SMALL:
            a_ub.append(coeffs)
            b_ub.append(threshold - 1 - known)
            a_ub.append([-x for x in coeffs])
            b_ub.append(known - 1)
        elif true_total >= threshold:  # a withheld total: the attacker may assume "x" is at least the threshold
            a_ub.append([-x for x in coeffs])
            b_ub.append(known - threshold)

    targets: list[tuple[tuple[str, int, int], list[float]]] = []
    for c in hidden:
        if state[c] is State.SMALL:
            coeffs = [0.0] * len(hidden)
            coeffs[index[c]] = 1.0
            targets.append((("cell", c[0], c[1]), coeffs))
    for kind, k in small_totals:
        coeffs, _known = vector(members(kind, k))
        targets.append(((kind, k, 0), coeffs))
    if not targets:
        return None
    # Imported here, not at the top: SciPy costs every process ~0.3 s at start-up, and only this check needs it.
    from scipy.optimize import linprog

    kwargs = {
        "A_eq": np.array(a_eq) if a_eq else None,
        "b_eq": np.array(b_eq) if b_eq else None,
        "A_ub": np.array(a_ub) if a_ub else None,
        "b_ub": np.array(b_ub) if b_ub else None,
        "bounds": bounds,
        "method": "highs",
    }
    for line_of, coeffs in targets:
        objective = np.array(coeffs)
        low = linprog(objective, **kwargs)  # type: ignore[call-overload]
        high = linprog(-objective, **kwargs)  # type: ignore[call-overload]
        if low.status != 0 or high.status != 0:
            continue  # unbounded above (status 3) is safe; the true table is always feasible
        if round(float(-high.fun)) - round(float(low.fun)) < 1:
            return line_of
    return None


def _pinned_one_row(
    row: list[int], state: dict[tuple[int, int], State], row_total: State, grand_total: State, threshold: int
) -> tuple[str, int, int] | None:
    """The same audit for a one-row table in closed form (the LP is the slow part of the dashboard).

    The only constraint is the row total (= the grand total; each column total is its one cell): the
    hidden cells add up to a known S. A "<5" cell p can take every value in
    [max(1, S - U), min(threshold - 1, S - L)], L and U being the least and greatest sum of the other
    hidden cells ("<5": 1..threshold-1, "x": threshold and more, without an upper bound).
    """
    if State.SHOWN not in (row_total, grand_total):
        return None
    hidden = [j for j in range(len(row)) if state[(0, j)] is not State.SHOWN]
    total = sum(row[j] for j in hidden)
    for j in hidden:
        if state[(0, j)] is not State.SMALL:
            continue
        others = [k for k in hidden if k != j]
        low_others = sum(1 if state[(0, k)] is State.SMALL else threshold for k in others)
        unbounded = any(state[(0, k)] is State.WITHHELD for k in others)
        high_others = float("inf") if unbounded else (threshold - 1) * len(others)
        low = max(1, total - high_others)
        high = min(threshold - 1, total - low_others)
        if high - low < 1:
            return ("cell", 0, j)
    return None
