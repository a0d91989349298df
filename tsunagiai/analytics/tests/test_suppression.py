"""Small-cell suppression: an attacker who knows every published figure cannot recover a "<5" figure.

The attacker here is independent of the implementation: a brute-force search over every table
consistent with what is published ("<5" is 1-4, "x" cells are at least 5, shown figures are exact).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagiai.analytics.suppression import CountTable, Figure, State, SuppressedTable, suppress


def _table(values: list[list[int]]) -> CountTable:
    return CountTable([f"r{i}" for i in range(len(values))], [f"c{j}" for j in range(len(values[0]))], values)


def _fits(figure: Figure, value: int) -> bool:
    if figure.state is State.SHOWN:
        return figure.value == value
    if figure.state is State.SMALL:
        return 1 <= value <= 4
    return True  # a withheld total: the attacker learns nothing about it


def feasible_values(published: SuppressedTable, true_values: list[list[int]]) -> dict[tuple[int, int], set[int]]:
    """Every value each "<5" cell can take in a table consistent with the published figures."""
    n_rows, n_cols = len(published.cells), len(published.column_labels)
    cap = sum(map(sum, true_values)) + 6  # above any total
    unknown = [(i, j) for i in range(n_rows) for j in range(n_cols) if published.cells[i][j].suppressed]
    # An "x" cell is searched near its true value only: fewer candidate tables can only make the attacker
    # stronger here (a "<5" cell still taking two values among them takes two values among all).
    ranges = {
        c: range(1, 5)
        if published.cells[c[0]][c[1]].state is State.SMALL
        else range(max(5, true_values[c[0]][c[1]] - 2), true_values[c[0]][c[1]] + 3)
        for c in unknown
    }
    grid = [[f.value or 0 for f in row] for row in published.cells]
    found: dict[tuple[int, int], set[int]] = {c: set() for c in unknown if ranges[c].start == 1}

    def bounded(limit: Figure) -> int:
        if limit.state is State.SHOWN:
            return limit.value or 0
        if limit.state is State.SMALL:
            return 4
        return cap * n_rows * n_cols

    def search(k: int) -> None:
        if all(len(v) >= 2 for v in found.values()):
            return
        if k == len(unknown):
            rows_ok = all(_fits(published.row_totals[i], sum(grid[i])) for i in range(n_rows))
            cols_ok = all(
                _fits(published.column_totals[j], sum(grid[i][j] for i in range(n_rows))) for j in range(n_cols)
            )
            if rows_ok and cols_ok and _fits(published.grand_total, sum(map(sum, grid))):
                for c in found:
                    found[c].add(grid[c[0]][c[1]])
            return
        i, j = unknown[k]
        for v in ranges[(i, j)]:
            grid[i][j] = v
            if (
                sum(grid[i][: j + 1]) > bounded(published.row_totals[i])
                and published.row_totals[i].state is not State.WITHHELD
            ):
                break
            if published.column_totals[j].state is not State.WITHHELD and sum(
                grid[r][j] for r in range(i + 1)
            ) > bounded(published.column_totals[j]):
                break
            search(k + 1)
        grid[i][j] = 0

    search(0)
    return found


def assert_unrecoverable(values: list[list[int]]) -> SuppressedTable:
    published = suppress(_table(values))
    for (i, j), possible in feasible_values(published, values).items():
        assert len(possible) >= 2, f"cell {(i, j)} of {values} recovered as {possible} from {published}"
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            figure = published.cells[i][j]
            assert figure.state is not State.SHOWN or figure.value == v
            if 1 <= v <= 4:
                assert figure.display in {"<5", "x"}
    return published


def test_small_counts_show_as_under_five_and_zero_as_zero() -> None:
    published = suppress(CountTable.one_row(["a", "b", "c", "d"], [0, 3, 40, 50]))
    assert [f.display for f in published.cells[0]] == ["0", "<5", "x", "50"]
    assert published.grand_total.display == "93"  # 3 + 40 = 43 hidden: the "<5" can be 1..4


def test_a_row_with_one_small_cell_gets_a_second_one_withheld() -> None:
    published = assert_unrecoverable([[2, 30, 40], [50, 60, 70]])
    assert published.cells[0][1].display == "x"  # the smallest of the row


def test_a_table_without_small_cells_is_published_whole() -> None:
    published = suppress(_table([[5, 6], [7, 8]]))
    assert not published.any_suppressed
    assert published.grand_total.value == 26
    assert [f.value for f in published.row_totals] == [11, 15]


def test_a_small_cell_pinned_by_the_minimum_of_its_partner_is_protected_further() -> None:
    # 1 + 5 = 6 with "x" >= 5 would give the 1 away: one more cell or the total must go.
    assert_unrecoverable([[1, 5, 20]])
    assert_unrecoverable([[1, 5], [6, 30]])


def test_small_totals_are_suppressed_too() -> None:
    published = assert_unrecoverable([[1, 1, 1, 1]])
    assert published.row_totals[0].display != "4"


@pytest.mark.parametrize("values", list(itertools.product([0, 1, 4, 5, 12], repeat=3)))
def test_every_one_row_table_resists_recovery(values: tuple[int, ...]) -> None:
    assert_unrecoverable([list(values)])


@pytest.mark.parametrize("values", list(itertools.product([0, 1, 5, 7], repeat=4)))
def test_every_two_by_two_table_resists_recovery(values: tuple[int, ...]) -> None:
    assert_unrecoverable([list(values[:2]), list(values[2:])])


counts = st.one_of(st.integers(0, 4), st.integers(5, 15))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda cols: st.lists(st.lists(counts, min_size=cols, max_size=cols), min_size=1, max_size=3)
    )
)
def test_random_tables_resist_recovery_from_rows_columns_and_totals(values: list[list[int]]) -> None:
    assert_unrecoverable(values)


def test_rejects_negative_and_ragged_counts() -> None:
    with pytest.raises(ValueError):
        CountTable(["r"], ["a"], [[-1]])
    with pytest.raises(ValueError):
        CountTable(["r"], ["a", "b"], [[1]])
