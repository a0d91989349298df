"""The cell-key method: record keys the same in SQL and Python, the perturbation table's promises, what a
single published figure can tell, and the publication grid."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import translation

from tsunagiai.analytics import cellkey, grid
from tsunagiai.analytics.cellkey import MAX_NOISE, NOISE_WEIGHTS, Figure, N, State


def test_the_table_is_symmetric_and_half_of_the_cell_keys_leave_a_count_unchanged() -> None:
    assert sum(NOISE_WEIGHTS.values()) == N
    assert all(NOISE_WEIGHTS[d] == NOISE_WEIGHTS[-d] for d in NOISE_WEIGHTS)
    assert NOISE_WEIGHTS[0] == N // 2
    assert NOISE_WEIGHTS[MAX_NOISE] == 1  # the largest noise: one cell key in 4,096 each way
    for count in (5, 9, 40, 1000):  # counts of 5 and more: every noise drawn as often as the table says
        drawn = [cellkey.noise(count, key) for key in range(N)]
        assert {d: drawn.count(d) for d in NOISE_WEIGHTS} == NOISE_WEIGHTS


def test_zero_stays_zero_and_no_count_is_published_below_one() -> None:
    for key in range(N):
        assert cellkey.perturbed(0, key) == 0
        for count in range(1, 12):
            assert cellkey.perturbed(count, key) >= 1
            assert abs(cellkey.perturbed(count, key) - count) <= MAX_NOISE


def test_the_same_records_always_give_the_same_figure() -> None:
    assert cellkey.published(7, 123_456, exact=False) == cellkey.published(7, 123_456 + 3 * N, exact=False)


def test_a_published_value_under_five_is_shown_as_under_five_and_exact_users_get_the_count() -> None:
    small = [key for key in range(N) if cellkey.perturbed(6, key) < 5]
    assert small  # a 6 is sometimes shown as "<5"
    assert cellkey.published(6, small[0], exact=False) == Figure(None, State.SMALL)
    assert cellkey.published(6, small[0], exact=True) == Figure(6, State.SHOWN)
    assert cellkey.published(0, 99, exact=False).display == "0"


def test_what_a_figure_says_always_holds_the_truth_and_never_pins_a_small_count() -> None:
    """Every (count, cell key): the published figure's range holds the true count, and no published
    figure leaves only one value among 1-4."""
    for count in range(0, 30):
        for key in range(N):
            low, high = cellkey.possible_counts(cellkey.published(count, key, exact=False).display)
            assert low <= count and (high is None or count <= high)
            if 1 <= count <= 4:
                assert high is None or high - low >= 1


def test_shares_are_computed_from_the_published_figures() -> None:
    assert cellkey.share(Figure(6, State.SHOWN), Figure(12, State.SHOWN)) == "50.0%"
    assert cellkey.share(Figure(None, State.SMALL), Figure(12, State.SHOWN)) == "—"
    assert cellkey.share(Figure(14, State.SHOWN), Figure(12, State.SHOWN)) == "100.0%"  # never above 100 %
    assert cellkey.share(Figure(0, State.SHOWN), Figure(0, State.SHOWN)) == "—"


@pytest.mark.django_db
def test_the_record_key_is_the_same_in_sql_and_in_python() -> None:
    from django.db.models import Sum

    from tsunagiai.reference.models import Area

    for code in range(1, 40):
        Area.objects.create(code=f"k{code}", level=Area.Level.BRANCH_AREA, name=f"k{code}")
    areas = Area.objects.filter(code__startswith="k")
    ids = list(areas.values_list("pk", flat=True))
    in_sql = dict(areas.annotate(k=cellkey.record_key_sql("test")).values_list("pk", "k"))
    assert in_sql == {pk: cellkey.record_key("test", pk) for pk in ids}
    assert areas.aggregate(s=Sum(cellkey.record_key_sql("test")))["s"] == sum(in_sql.values())
    big = 2**40 + 17  # ids beyond 32 bits are reduced first: no overflow
    assert 0 <= cellkey.record_key("test", big) < N


def test_the_keys_depend_on_the_secret_and_the_kind_of_record() -> None:
    first = [cellkey.record_key("intake", pk) for pk in range(1, 200)]
    assert first != [cellkey.record_key("case", pk) for pk in range(1, 200)]
    with override_settings(ANALYTICS_CELL_KEY_SECRET="another secret"):
        assert first != [cellkey.record_key("intake", pk) for pk in range(1, 200)]
        assert cellkey.key_fingerprint() != ""


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2025-04", dt.date(2025, 4, 1), dt.date(2025, 5, 1)),
        ("2025Q1", dt.date(2025, 4, 1), dt.date(2025, 7, 1)),
        ("2025Q4", dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
        ("FY2025", dt.date(2025, 4, 1), dt.date(2026, 4, 1)),
    ],
)
def test_grid_codes(code: str, start: dt.date, end: dt.date) -> None:
    period = grid.parse(code)
    assert (period.start, period.end, period.code) == (start, end, code)
    assert grid.from_dates(start, end - dt.timedelta(days=1)) == period


@pytest.mark.parametrize("code", ["2025-13", "2025Q5", "FY99", "FY1999", "2025-04-01", "", "2025-4"])
def test_codes_off_the_grid_are_refused(code: str) -> None:
    with pytest.raises(ValueError):
        grid.parse(code)


def test_dates_that_are_not_exactly_a_grid_period_have_none() -> None:
    assert grid.from_dates(dt.date(2025, 4, 1), dt.date(2025, 5, 1)) is None  # the month plus one day
    assert grid.from_dates(dt.date(2025, 4, 2), dt.date(2025, 4, 30)) is None
    assert grid.from_dates(dt.date(2025, 5, 1), dt.date(2025, 7, 31)) is None  # three months, not a quarter


def test_the_choices_run_from_the_first_data_to_today_newest_first() -> None:
    years, quarters, months = grid.choices(dt.date(2025, 5, 10), dt.date(2025, 8, 3), "western")
    assert [code for code, _label in years[1]] == ["FY2025"]
    assert [code for code, _label in quarters[1]] == ["2025Q2", "2025Q1"]
    assert [code for code, _label in months[1]] == ["2025-08", "2025-07", "2025-06", "2025-05"]
    with translation.override("ja"):
        assert grid.parse("2025Q1").label("era") == "令和7年度 第1四半期（4月〜6月）"
        assert grid.parse("FY2025").label("western") == "2025年度"
        assert grid.parse("2025-04").label("era") == "令和7年4月"
