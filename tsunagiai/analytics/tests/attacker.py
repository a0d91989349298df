"""The analyst as an attacker: every published figure becomes a constraint on the true counts, and
integer linear programming decides, for every protected count (a true 1 to 4), whether the figures
together leave it a single possible value.

The attacker's unknowns are *atoms*: the counts of the finest cells the outputs are built from (for
intakes: month × elementary district × receiving organisation, and the same by channel or consulter
type). Every published figure is the sum of some atoms, and says that sum lies in a range:

- exact publication with per-table suppression (the old method): a shown figure is exact, "<5" is 1-4,
  a secondary "x" cell is at least 5, a withheld total is anything;
- the cell-key method: "0" is exactly 0, "<5" is 1 to 8, a shown p is p-4 to p+4 (never below 1)
  (``cellkey.possible_counts``).

Public facts enter the same way: the hierarchy of areas (an elementary district lies in one junior-high
district and one branch area), periods (a quarter is three months), organisations adding up to the city,
a table's rows adding up to its total — they are all in which atoms a figure sums. A label missing from a
table is a 0 (the tables list every label that has records).

``pinned(targets)`` returns the protected figures that are *pinned*: no integer solution of all the
constraints gives them another value. It first looks for solutions that move many targets at once (a few
MILPs with random objectives), then decides each remaining target alone (is there a solution with the
target at least one above, or one below, its true value?). Only a found solution clears a target: one that
cannot be decided within the time limit counts as pinned.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Atom = tuple[Any, ...]
Cell = frozenset[Atom]


@dataclass
class Knowledge:
    """Everything the attacker learned: for each set of atoms, the range its sum must lie in."""

    ranges: dict[Cell, tuple[int, int | None]] = field(default_factory=dict)
    equalities: list[tuple[Cell, Cell]] = field(default_factory=list)  # sum(left) == sum(right)
    at_most: list[tuple[Cell, Cell]] = field(default_factory=list)  # sum(left) <= sum(right)
    figures: int = 0  # how many published figures were read (before merging equal cells)

    def learn(self, atoms: Iterable[Atom], low: int, high: int | None) -> None:
        cell = frozenset(atoms)
        self.figures += 1
        if not cell:
            return
        old_low, old_high = self.ranges.get(cell, (0, None))
        new_high = high if old_high is None else (old_high if high is None else min(old_high, high))
        self.ranges[cell] = (max(old_low, low), new_high)

    def equal(self, left: Iterable[Atom], right: Iterable[Atom]) -> None:
        self.equalities.append((frozenset(left), frozenset(right)))

    def not_more(self, left: Iterable[Atom], right: Iterable[Atom]) -> None:
        self.at_most.append((frozenset(left), frozenset(right)))

    def zero_atoms(self) -> set[Atom]:
        return {atom for cell, (_low, high) in self.ranges.items() if high == 0 for atom in cell}


@dataclass
class Verdict:
    targets: int
    pinned: list[tuple[Cell, int]]
    variables: int
    constraints: int

    @property
    def pinned_count(self) -> int:
        return len(self.pinned)


class _Model:
    def __init__(self, knowledge: Knowledge) -> None:
        import numpy as np
        from scipy.sparse import csr_array

        zero = knowledge.zero_atoms()
        atoms = sorted({a for cell in knowledge.ranges for a in cell} - zero, key=repr)
        known = set(atoms)
        for left, right in [*knowledge.equalities, *knowledge.at_most]:
            extra = sorted((left | right) - zero - known, key=repr)
            atoms.extend(extra)
            known.update(extra)
        self.index = {atom: i for i, atom in enumerate(atoms)}
        rows: list[list[int]] = []
        coeffs: list[list[float]] = []
        low: list[float] = []
        high: list[float] = []
        for cell, (lo, hi) in knowledge.ranges.items():
            members = [self.index[a] for a in cell if a in self.index]
            if not members:
                continue
            rows.append(members)
            coeffs.append([1.0] * len(members))
            low.append(lo)
            high.append(np.inf if hi is None else hi)
        for relations, lowest in ((knowledge.equalities, 0.0), (knowledge.at_most, -np.inf)):
            for left, right in relations:
                members = [self.index[a] for a in left if a in self.index]
                minus = [self.index[a] for a in right if a in self.index]
                if not members and not minus:
                    continue
                rows.append(members + minus)
                coeffs.append([1.0] * len(members) + [-1.0] * len(minus))
                low.append(lowest)
                high.append(0)
        indptr = np.cumsum([0] + [len(r) for r in rows])
        self.matrix = csr_array(
            (
                np.concatenate(coeffs) if coeffs else np.zeros(0),
                np.concatenate(rows) if rows else np.zeros(0, int),
                indptr,
            ),
            shape=(len(rows), len(atoms)),
        )
        self.low = np.array(low)
        self.high = np.array(high)
        self.size = len(atoms)

    def vector(self, cell: Cell) -> Any:
        import numpy as np

        v = np.zeros(self.size)
        for a in cell:
            if a in self.index:
                v[self.index[a]] = 1.0
        return v

    def _inequalities(self, extra: tuple[Any, float, float] | None) -> tuple[Any, Any, Any, Any, Any]:
        import numpy as np
        from scipy.sparse import vstack

        matrix, low, high = self.matrix, self.low, self.high
        if extra is not None:
            row, lo, hi = extra
            matrix = vstack([matrix, row.reshape(1, -1)]).tocsr()
            low, high = np.append(low, lo), np.append(high, hi)
        finite_high, finite_low = np.isfinite(high), np.isfinite(low)
        a_ub = vstack([matrix[finite_high], -matrix[finite_low]]).tocsr()
        b_ub = np.concatenate([high[finite_high], -low[finite_low]])
        return a_ub, b_ub, matrix, low, high

    def relaxed(self, objective: Any) -> Any:
        """A vertex of the linear relaxation minimising the objective (None when infeasible)."""
        from scipy.optimize import linprog

        a_ub, b_ub, *_rest = self._inequalities(None)
        result = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        return result.x if result.status == 0 else None

    def bound(self, vector: Any, sense: int) -> float | None:
        """The least (sense 1) or greatest (sense -1) value of vector·x over the linear relaxation (None:
        unbounded or infeasible). One HiGHS model is kept and solved again from its last basis (SciPy's
        bundled HiGHS, ``scipy.optimize._highspy``; ``linprog`` when that is not there): 10-50 times
        faster than a fresh ``linprog`` for each of thousands of targets."""
        import numpy as np

        warm = self._warm()
        if warm is None:
            x = self.relaxed(sense * vector)
            return None if x is None else float(vector @ x)
        core, highs = warm
        cost = sense * vector
        highs.changeColsCost(self.size, np.arange(self.size, dtype=np.int32), cost)
        highs.run()
        if highs.getModelStatus() != core.HighsModelStatus.kOptimal:
            return None
        return sense * float(highs.getInfo().objective_function_value)

    def _warm(self) -> Any:
        if getattr(self, "_highs", None) is not None:
            return self._highs  # type: ignore[has-type]
        try:
            from scipy.optimize._highspy import _core as core
        except ImportError:  # another SciPy: fall back to linprog
            self._highs = None
            return None
        import numpy as np

        lp = core.HighsLp()
        lp.num_col_, lp.num_row_ = self.size, self.matrix.shape[0]
        lp.col_cost_ = np.zeros(self.size)
        lp.col_lower_ = np.zeros(self.size)
        lp.col_upper_ = np.full(self.size, core.kHighsInf)
        lp.row_lower_ = np.where(np.isfinite(self.low), self.low, -core.kHighsInf)
        lp.row_upper_ = np.where(np.isfinite(self.high), self.high, core.kHighsInf)
        lp.a_matrix_.format_ = core.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = self.size, self.matrix.shape[0]
        lp.a_matrix_.start_ = self.matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = self.matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = self.matrix.data.astype(float)
        highs = core._Highs()
        highs.setOptionValue("output_flag", False)
        highs.passModel(lp)
        self._highs = (core, highs)
        return self._highs

    def integer(self, objective: Any, extra: tuple[Any, float, float] | None = None, time_limit: float = 20) -> Any:
        """An integer solution, good for the objective (None: infeasible, or none found in time)."""
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp

        _a, _b, matrix, low, high = self._inequalities(extra)
        result = milp(
            objective,
            integrality=np.ones(self.size),
            bounds=Bounds(0, np.inf),
            constraints=LinearConstraint(matrix, low, high),
            options={"time_limit": time_limit, "presolve": True, "mip_rel_gap": 0.5},
        )
        return None if result.x is None else np.round(result.x)

    def spread(self, vectors: list[Any], trues: list[int], sense: int, integer: bool) -> Any:
        """A solution moving as many targets as it can by one, all in one direction (sense 1: up).

        Maximise sum(y_t), 0 <= y_t <= 1, y_t <= sense * (v_t·x - true_t): a vertex where a target's
        y_t is 1 shows that target can move by a whole count. (A plain objective like "maximise the sum
        of the targets" puts all the slack on a few of them.)
        """
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array, hstack, identity, vstack

        k = len(vectors)
        targets = csr_array(np.vstack(vectors)) if k else csr_array((0, self.size))
        top = hstack([self.matrix, csr_array((self.matrix.shape[0], k))])
        link = hstack([-sense * targets, identity(k, format="csr")])  # y_t - sense * v_t·x <= -sense * true_t
        matrix = vstack([top, link]).tocsr()
        low = np.concatenate([self.low, np.full(k, -np.inf)])
        high = np.concatenate([self.high, -sense * np.array(trues, dtype=float)])
        objective = np.concatenate([np.zeros(self.size), -np.ones(k)])
        integrality = np.concatenate([np.ones(self.size) if integer else np.zeros(self.size), np.zeros(k)])
        upper = np.concatenate([np.full(self.size, np.inf), np.ones(k)])
        result = milp(
            objective,
            integrality=integrality,
            bounds=Bounds(0, upper),
            constraints=LinearConstraint(matrix, low, high),
            options={"time_limit": 60, "presolve": True, "mip_rel_gap": 0.2},
        )
        return None if result.x is None else result.x[: self.size]


EPS = 1e-6


def protected(knowledge: Knowledge, truth: dict[Atom, int]) -> dict[Cell, int]:
    """Every figure read whose true count (from ``truth``, the count of every atom) is 1 to 4."""
    found = {}
    for cell in knowledge.ranges:
        true = sum(truth.get(atom, 0) for atom in cell)
        if 1 <= true <= 4:
            found[cell] = true
    return found


def pinned(
    knowledge: Knowledge,
    targets: dict[Cell, int],
    *,
    integer: bool = False,
    seed: int = 0,
    rounds: int = 30,
    enough: int | None = None,
    log: Any = None,
) -> Verdict:
    """The protected figures (``targets``: atoms → true count, 1-4) whose value the knowledge pins.

    Linear programming (the default): a target is pinned when the least and the greatest value the
    relaxation allows, rounded inwards, are both its true count. Vertices of the relaxation for random
    objectives clear most targets at once (a vertex where a target is at least one away from its true
    count shows the range spans two integers); the others are bounded one by one.

    ``integer=True`` (for small problems) is stronger: a target is cleared only by an integer solution
    giving it another value, so what the integer programme pins is found too. ``enough``: stop once that
    many are found pinned (to show that an attack works without deciding every target).
    """
    import numpy as np

    model = _Model(knowledge)
    live = {cell: true for cell, true in targets.items() if any(a in model.index for a in cell)}
    vectors = {cell: model.vector(cell) for cell in live}
    cleared: set[Cell] = set()
    rng = random.Random(seed)

    def clear_with(solution: Any) -> None:
        for cell, true in live.items():
            if cell not in cleared and abs(float(vectors[cell] @ solution) - true) >= 1 - EPS:
                cleared.add(cell)

    stalled = 0
    for round_ in range(rounds):
        remaining = [cell for cell in live if cell not in cleared]
        if not remaining or stalled >= 2:
            break
        rng.shuffle(remaining)
        solution = model.spread(
            [vectors[c] for c in remaining], [live[c] for c in remaining], (1, -1)[round_ % 2], integer
        )
        if solution is not None:
            clear_with(np.round(solution) if integer else solution)
        stalled = stalled + 1 if len(remaining) == len(live) - len(cleared) else 0
        if log:
            log(f"round {round_}: {len(live) - len(cleared)} of {len(live)} targets left")
    result: list[tuple[Cell, int]] = []
    for cell, true in live.items():
        if cell in cleared:
            continue
        if enough is not None and len(result) >= enough:
            break
        vector = vectors[cell]
        moved = False
        if integer:
            for lo, hi in ((true + 1, np.inf), (-np.inf, true - 1)):
                solution = model.integer(np.zeros(model.size), extra=(vector, lo, hi), time_limit=30)
                if solution is not None:
                    clear_with(solution)
                    moved = True
                    break
        else:
            high = model.bound(vector, -1)
            low = model.bound(vector, 1) if high is not None and high < true + 1 - EPS else None
            moved = high is None or high >= true + 1 - EPS or (low is not None and low <= true - 1 + EPS)
        if not moved:
            result.append((cell, true))
    return Verdict(len(live), result, model.size, model.matrix.shape[0])
