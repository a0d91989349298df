"""Keeping the rollup (models.RollupRow) up to date, and reading it.

Signatures::

    ensure_fresh() -> None                  # compute again what changed (cheap when nothing did)
    refresh(full: bool = False) -> dict     # the same, or everything; returns what was done
    mark_changed(day: date | datetime) -> None, mark_household(household_id: int) -> None
    read(family, period: GridPeriod, *, area=None, organisation=None, dimensions=None,
         by=()) -> dict[tuple, Cell]        # sums of rows; ``by`` adds e.g. "organisation", "period"
    cumulative(family, period, ...)         # the same over every month before the period's end
    version(period: GridPeriod | None) -> int   # for cache keys: changes when a month it covers changes

What is counted (``family``) and along which dimensions (docs/analytics.md, "Rollup"):

- ``intake``: intakes by month received, area of the intake's town block, receiving organisation;
  ``total``, ``channel``, ``consulter``, ``multi`` (categories of ≥ 2 core agency types, routing.md §4).
- ``new_household``: households by the month of their first intake ever, with that intake's area and
  receiving organisation (the households newly connected).
- ``household``: households with an intake in the month (``m``), fiscal quarter (``q``) or year (``y``),
  with the area and organisation of their first intake in it; ``total`` and ``multi`` (their intakes in it
  together span ≥ 2 core agency types).

Both household families are sums over ``RollupHouseholdSpan``, which keeps where each household is
counted: a change to a household's intakes updates its own rows there and sums again only the periods
concerned (not every intake of the fiscal year).
- ``referral``: referrals by month sent, area of the household's town block, counted for the sending and
  the receiving organisation; ``total``, per receiving organisation ``to`` / ``to_accepted`` (amount:
  hours to acceptance) / ``to_contacted`` (amount: hours from acceptance to first contact) / ``to_loop``
  (completed or failed), and ``declined`` by reason.
- ``case``: cases by month opened, area of the household's town block, lead organisation; ``total``,
  ``open_lead_type`` (cases not closed, by the lead's agency type), ``gap`` (gap cases by status),
  ``multi`` (multi-issue cases).

Freshness: saving or deleting an intake, referral or case, changing an intake's categories, and every
audited change of one (``save_versioned`` edits) mark its month dirty (signals registered in
``apps.AnalyticsConfig.ready``); every reader calls ``ensure_fresh()`` first, which computes the dirty
months again in one transaction. Bulk loads that bypass the ORM (the demo generator) are covered by
``manage.py refresh_analytics --full`` and by a full rebuild when the rollup was never built, or was
built with another secret or routing policy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, Q, Sum
from django.utils import timezone

from tsunagiai.analytics import cellkey, grid
from tsunagiai.analytics.grid import GridPeriod
from tsunagiai.analytics.models import RollupHousehold, RollupHouseholdSpan, RollupMonth, RollupRow, RollupState

INTAKE, NEW_HOUSEHOLD, HOUSEHOLD, REFERRAL, CASE = "intake", "new_household", "household", "referral", "case"
MONTHLY_FAMILIES = (INTAKE, NEW_HOUSEHOLD, REFERRAL, CASE)
UNKNOWN_AREA = -1  # records whose area is not known (no town block): in the city's total, in no area
TOTAL = ("total", "")
BATCH = 2000


@dataclass(frozen=True)
class Cell:
    """The records of one published figure: how many, the sum of their record keys, a magnitude."""

    n: int = 0
    key_sum: int = 0
    amount: float = 0.0

    def __add__(self, other: Cell) -> Cell:
        return Cell(self.n + other.n, self.key_sum + other.key_sum, self.amount + other.amount)


EMPTY = Cell()


def total(cells: Iterable[Cell]) -> Cell:
    result = EMPTY
    for cell in cells:
        result = result + cell
    return result


# --- time -------------------------------------------------------------------------------


def month_of(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _range(field: str, start: dt.date, end: dt.date) -> Q:
    return Q(**{f"{field}__gte": _at(start), f"{field}__lt": _at(end)})


# --- the routing policy (multi-issue) ------------------------------------------------------


def _policy() -> tuple[dict[str, str], int]:
    from tsunagiai.reference.routing import routing_policy

    policy = routing_policy()
    core = {code: agency for code, (agency, is_core) in policy.category_agency.items() if is_core}
    return core, policy.multi_issue_min_core_agency_types


def policy_fingerprint() -> str:
    core, minimum = _policy()
    return hashlib.sha256(repr((sorted(core.items()), minimum)).encode()).hexdigest()[:32]


# --- accumulating rows ------------------------------------------------------------------------


class _Rows:
    def __init__(self) -> None:
        self.cells: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, 0, 0.0])

    def add(
        self,
        family: str,
        span: str,
        period: dt.date,
        area: Area,
        organisations: Iterable[int | None],
        dimensions: Iterable[tuple[str, str]],
        key: int,
        amount: float = 0.0,
        count: int = 1,
    ) -> None:
        """One record (or ``count`` records whose keys add up to ``key``): counted in the whole city and
        in its area, for all organisations and for each of its own (a referral: the sender and the
        receiver, once when they are the same)."""
        dims = list(dimensions)
        for organisation in dict.fromkeys((None, *organisations)):
            for where in (CITY, area):
                for dimension, value in dims:
                    cell = self.cells[(family, span, period, where, organisation, dimension, value)]
                    cell[0] += count
                    cell[1] += key
                    cell[2] += amount

    def put(
        self,
        family: str,
        span: str,
        period: dt.date,
        where: Area,
        organisation: int | None,
        dimensions: Iterable[tuple[str, str]],
        count: int,
        key: int,
    ) -> None:
        """Counts already summed for one place (area or city) and organisation (or all)."""
        for dimension, value in dimensions:
            cell = self.cells[(family, span, period, where, organisation, dimension, value)]
            cell[0] += count
            cell[1] += key


Area = tuple[int | None, int | None, int | None]  # (branch area, junior-high, elementary district)
CITY: Area = (None, None, None)


def _area(branch: int | None, junior: int | None, elementary: int | None) -> Area:
    """The rollup area of a record: its town block's three levels, or "unknown" (-1)."""
    if branch is None and junior is None and elementary is None:
        return (None, None, UNKNOWN_AREA)
    return (branch, junior, elementary)


# --- fetching -------------------------------------------------------------------------------------


@dataclass
class _Intake:
    id: int
    household: int | None
    received_at: dt.datetime
    month: dt.date
    area: Area
    organisation: int
    channel: str
    consulter: str
    core_types: frozenset[str]


def _intakes(where: Q) -> list[_Intake]:
    from tsunagiai.intake.models import Intake

    rows = list(
        Intake.objects.filter(where)
        .order_by("received_at", "id")
        .values_list(
            "id",
            "household_id",
            "received_at",
            "town_block__branch_area_id",
            "town_block__junior_high_district_id",
            "town_block__elementary_district_id",
            "receiving_organisation_id",
            "channel_id",
            "consulter_type_id",
        )  # fmt: skip
    )
    core, _minimum = _policy()
    links: Any = Intake.categories.through
    types: dict[int, set[str]] = defaultdict(set)
    if rows:
        ids = Intake.objects.filter(where).values("id")
        for intake_id, category in links.objects.filter(intake_id__in=ids, issuecategory_id__in=list(core)).values_list(
            "intake_id", "issuecategory_id"
        ):
            types[intake_id].add(core[category])
    return [
        _Intake(i, h, at, month_of(at), _area(b, j, e), org, channel, consulter, frozenset(types.get(i, ())))
        for i, h, at, b, j, e, org, channel, consulter in rows
    ]


# --- computing each family ----------------------------------------------------------------------


def _intake_rows(rows: _Rows, intakes: Iterable[_Intake], minimum: int) -> None:
    for intake in intakes:
        key = cellkey.record_key(INTAKE, intake.id)
        dims = [TOTAL, ("channel", intake.channel), ("consulter", intake.consulter)]
        if len(intake.core_types) >= minimum:
            dims.append(("multi", "1"))
        rows.add(INTAKE, "m", intake.month, intake.area, (intake.organisation,), dims, key)


def _spans_of(month: dt.date) -> list[GridPeriod]:
    fiscal = grid.fiscal_year_of(month)
    number = (month.month - 4) % 12 // 3 + 1
    return [grid.month(month.year, month.month), grid.quarter(fiscal, number), grid.fiscal_year(fiscal)]


HouseholdRow = tuple[int, str, dt.date, int | None, int | None, int | None, int, bool]


def _household_state(intakes: Iterable[_Intake], spans: set[GridPeriod] | None, minimum: int) -> list[HouseholdRow]:
    """Where each household of these intakes (every intake of theirs, in order of receipt) is counted:
    its first intake ever (kind ``first``), and per month, quarter and fiscal year (of ``spans`` only,
    when given) its first intake in it and whether its intakes in it span ≥ ``minimum`` core types."""
    first: dict[int, _Intake] = {}
    in_span: dict[tuple[int, GridPeriod], tuple[_Intake, set[str]]] = {}
    for intake in intakes:
        if intake.household is None:
            continue
        first.setdefault(intake.household, intake)
        for span in _spans_of(intake.month):
            if spans is not None and span not in spans:
                continue
            found = in_span.setdefault((intake.household, span), (intake, set()))
            found[1].update(intake.core_types)
    rows: list[HouseholdRow] = [(h, "first", i.month, *i.area, i.organisation, False) for h, i in first.items()]
    rows.extend(
        (h, span.span, span.start, *i.area, i.organisation, len(types) >= minimum)
        for (h, span), (i, types) in in_span.items()
    )
    return rows


def _save_households(rows: list[HouseholdRow]) -> None:
    table = connection.ops.quote_name(RollupHouseholdSpan._meta.db_table)
    names = ("household", "kind", "period", "branch_area", "junior_high", "elementary", "organisation", "multi")
    columns = ", ".join(connection.ops.quote_name(c) for c in names)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608 - names only
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def _household_rows(rows: _Rows, periods: Iterable[tuple[str, dt.date]] | None) -> None:
    """The rollup rows of households (newly connected: kind ``first``; in a period: ``m``/``q``/``y``)
    summed from where each household is counted, for these (kind, period) pairs (None: all)."""
    where = Q()
    if periods is not None:
        where = Q(pk__in=[])
        for kind, period in periods:
            where |= Q(kind=kind, period=period)
    found = (
        RollupHouseholdSpan.objects.filter(where)
        .values("kind", "period", "branch_area", "junior_high", "elementary", "organisation", "multi")
        .annotate(n=Count("id"), k=Sum(cellkey.record_key_sql(HOUSEHOLD, "household")))
        .order_by()
    )
    for row in found:
        area: Area = (row["branch_area"], row["junior_high"], row["elementary"])
        if row["kind"] == "first":
            family, span, dims = NEW_HOUSEHOLD, "m", [TOTAL]
        else:
            family, span = HOUSEHOLD, row["kind"]
            dims = [TOTAL, ("multi", "1")] if row["multi"] else [TOTAL]
        rows.add(family, span, row["period"], area, (row["organisation"],), dims, int(row["k"]), count=int(row["n"]))


def _hours(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() / 3600


def _referral_rows(rows: _Rows, where: Q) -> None:
    from tsunagiai.referrals.models import Referral, Status
    from tsunagiai.referrals.selectors import LOOP_CLOSED

    for rid, sent_at, source, target, status, reason, accepted_at, contact_at, branch, junior, elementary in (
        Referral.objects.filter(where)
        .order_by()
        .values_list(
            "id",
            "sent_at",
            "from_organisation_id",
            "to_organisation_id",
            "status",
            "close_reason_code",
            "accepted_at",
            "first_contact_at",
            "household__town_block__branch_area_id",
            "household__town_block__junior_high_district_id",
            "household__town_block__elementary_district_id",
        )  # fmt: skip
    ):
        key = cellkey.record_key(REFERRAL, rid)
        month, area, orgs = month_of(sent_at), _area(branch, junior, elementary), (source, target)
        to = str(target)
        dims = [TOTAL, ("to", to)]
        if status in LOOP_CLOSED:
            dims.append(("to_loop", to))
        if status == Status.DECLINED:
            dims.append(("declined", reason or ""))
        rows.add(REFERRAL, "m", month, area, orgs, dims, key)
        accept = _hours(accepted_at, sent_at)
        if accept is not None:
            rows.add(REFERRAL, "m", month, area, orgs, [("to_accepted", to)], key, accept)
            contact = _hours(contact_at, accepted_at)
            if contact is not None:
                rows.add(REFERRAL, "m", month, area, orgs, [("to_contacted", to)], key, contact)


def _case_rows(rows: _Rows, where: Q) -> None:
    from tsunagiai.cases.models import Case

    for cid, opened_at, lead, lead_type, status, gap, multi, branch, junior, elementary in (
        Case.objects.filter(where)
        .order_by()
        .values_list(
            "id",
            "opened_at",
            "lead_organisation_id",
            "lead_organisation__agency_type_id",
            "status",
            "is_gap_case",
            "is_multi_issue",
            "household__town_block__branch_area_id",
            "household__town_block__junior_high_district_id",
            "household__town_block__elementary_district_id",
        )  # fmt: skip
    ):
        dims = [TOTAL]
        if status != Case.Status.CLOSED:
            dims.append(("open_lead_type", lead_type or ""))
        if gap:
            dims.append(("gap", status))
        if multi:
            dims.append(("multi", "1"))
        key = cellkey.record_key(CASE, cid)
        rows.add(CASE, "m", month_of(opened_at), _area(branch, junior, elementary), (lead,), dims, key)


COLUMNS = (
    "family", "span", "period", "level", "branch_area", "junior_high", "elementary", "organisation",
    "dimension", "value", "n", "key_sum", "amount",
)  # fmt: skip


def _save(rows: _Rows) -> int:
    """Insert the rows with executemany (the ORM's bulk_create prepares every value in Python: 10 times
    slower for the 100,000s of rows of a full rebuild)."""
    table = connection.ops.quote_name(RollupRow._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608 - names only
    values = [
        (
            family,
            span,
            period,
            "c" if where == CITY else "a",
            where[0],
            where[1],
            where[2],
            organisation,
            dimension,
            value,
            n,
            key_sum,
            amount,
        )  # fmt: skip
        for (family, span, period, where, organisation, dimension, value), (n, key_sum, amount) in rows.cells.items()
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(values), BATCH):
            cursor.executemany(sql, values[start : start + BATCH])
    return len(values)


# --- refreshing ------------------------------------------------------------------------------------


def _data_months() -> list[dt.date]:
    from tsunagiai.cases.models import Case
    from tsunagiai.intake.models import Intake
    from tsunagiai.referrals.models import Referral

    spans = [
        Intake.objects.order_by().aggregate(a=Min("received_at"), b=Max("received_at")),
        Referral.objects.order_by().aggregate(a=Min("sent_at"), b=Max("sent_at")),
        Case.objects.order_by().aggregate(a=Min("opened_at"), b=Max("opened_at")),
    ]
    firsts = [month_of(s["a"]) for s in spans if s["a"]]
    lasts = [month_of(s["b"]) for s in spans if s["b"]]
    if not firsts:
        return []
    months, current = [], min(firsts)
    while current <= max(lasts):
        months.append(current)
        current = grid.add_months(current, 1)
    return months


def _rebuild() -> dict[str, int]:
    RollupRow.objects.all().delete()
    RollupHouseholdSpan.objects.all().delete()
    _core, minimum = _policy()
    rows = _Rows()
    intakes = _intakes(Q())
    _intake_rows(rows, intakes, minimum)
    _save_households(_household_state(intakes, None, minimum))
    _household_rows(rows, None)
    _referral_rows(rows, Q())
    _case_rows(rows, Q())
    created = _save(rows)
    if connection.vendor == "postgresql":  # fresh statistics for the planner after replacing every row
        with connection.cursor() as cursor:
            for model in (RollupRow, RollupHouseholdSpan):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    months = _data_months()
    top = (RollupMonth.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    RollupMonth.objects.all().delete()
    RollupMonth.objects.bulk_create([RollupMonth(month=m, dirty=False, version=top) for m in months])
    return {"rows": created, "months": len(months), "full": 1}


def _months_q(field: str, months: Iterable[dt.date]) -> Q:
    where = Q(pk__in=[])
    for month in months:
        where |= _range(field, month, grid.add_months(month, 1))
    return where


def _household_groups(rows: _Rows, touched: dict[tuple[str, dt.date], tuple[set[Area], set[int]]]) -> Q:
    """Sum again, for each (kind, period), only the rollup rows the changed households are in: those of
    their areas (each organisation, and all), of their organisations in the whole city, and the city's
    total. Returns the rows they replace."""
    key = Sum(cellkey.record_key_sql(HOUSEHOLD, "household"))
    stale = Q(pk__in=[])
    for (kind, period), (areas, organisations) in touched.items():
        family, span = (NEW_HOUSEHOLD, "m") if kind == "first" else (HOUSEHOLD, kind)
        base = RollupHouseholdSpan.objects.filter(kind=kind, period=period).order_by()

        def dims(multi: bool, family: str = family) -> list[tuple[str, str]]:
            return [TOTAL, ("multi", "1")] if multi and family == HOUSEHOLD else [TOTAL]

        in_areas, rows_of_areas = Q(pk__in=[]), Q(pk__in=[])
        for branch, junior, elementary in areas:
            in_areas |= Q(branch_area=branch, junior_high=junior, elementary=elementary)
            rows_of_areas |= Q(level="a", branch_area=branch, junior_high=junior, elementary=elementary)
        fields = ("branch_area", "junior_high", "elementary", "organisation", "multi")
        for row in base.filter(in_areas).values(*fields).annotate(n=Count("id"), k=key):
            area: Area = (row["branch_area"], row["junior_high"], row["elementary"])
            for organisation in (None, row["organisation"]):
                rows.put(
                    family, span, period, area, organisation, dims(row["multi"]), int(row["n"]), int(row["k"] or 0)
                )
        for row in (
            base.filter(organisation__in=organisations).values("organisation", "multi").annotate(n=Count("id"), k=key)
        ):
            rows.put(
                family, span, period, CITY, row["organisation"], dims(row["multi"]), int(row["n"]), int(row["k"] or 0)
            )
        for row in base.values("multi").annotate(n=Count("id"), k=key):
            rows.put(family, span, period, CITY, None, dims(row["multi"]), int(row["n"]), int(row["k"] or 0))
        stale |= Q(family=family, span=span, period=period) & (
            rows_of_areas | Q(level="c", organisation__in=organisations) | Q(level="c", organisation__isnull=True)
        )
    return stale


def _recompute(months: set[dt.date], households: set[int]) -> dict[str, int]:
    """The dirty months again: their intakes, referrals and cases; the changed households (marked by the
    signals): where each is counted, and the rollup rows of the areas and organisations that concerns."""
    _core, minimum = _policy()
    rows = _Rows()
    if months:
        _intake_rows(rows, _intakes(_months_q("received_at", months)), minimum)
        _referral_rows(rows, _months_q("sent_at", months))
        _case_rows(rows, _months_q("opened_at", months))
    stale_rows = Q(family__in=[INTAKE, REFERRAL, CASE], span="m", period__in=months)
    spans = {span for month in months for span in _spans_of(month)}
    which = Q(kind="first")
    for span in spans:
        which |= Q(kind=span.span, period=span.start)
    mine = RollupHouseholdSpan.objects.filter(Q(household__in=households) & which)
    fields = ("kind", "period", "branch_area", "junior_high", "elementary", "organisation")
    old = list(mine.values_list(*fields)) if households else []
    state = _household_state(_intakes(Q(household_id__in=households)), spans, minimum) if households else []
    mine.delete()
    _save_households(state)
    touched: dict[tuple[str, dt.date], tuple[set[Area], set[int]]] = {}
    for kind, period, branch, junior, elementary, organisation in [*old, *(row[1:7] for row in state)]:
        areas, organisations = touched.setdefault((kind, period), (set(), set()))
        areas.add((branch, junior, elementary))
        organisations.add(organisation)
    stale_rows |= _household_groups(rows, touched)
    RollupRow.objects.filter(stale_rows).delete()
    created = _save(rows)
    touched_months = months | {period for kind, period in touched if kind == "first"}
    top = (RollupMonth.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    RollupMonth.objects.bulk_create(
        [RollupMonth(month=m, dirty=False, version=top) for m in touched_months],
        update_conflicts=True,
        unique_fields=["month"],
        update_fields=["dirty", "version"],
    )
    return {"rows": created, "months": len(touched_months), "full": 0}


def refresh(full: bool = False) -> dict[str, int]:
    """Compute again the dirty months (or everything), in one transaction; what was done."""
    with transaction.atomic():
        state = RollupState.objects.select_for_update().first()
        keys, policy = cellkey.key_fingerprint(), policy_fingerprint()
        if (
            full
            or state is None
            or state.rebuild
            or (state.key_fingerprint, state.policy_fingerprint) != (keys, policy)
        ):
            RollupHousehold.objects.all().delete()
            done = _rebuild()
            RollupState.objects.all().delete()
            RollupState.objects.create(key_fingerprint=keys, policy_fingerprint=policy, built_at=timezone.now())
            return done
        months = set(RollupMonth.objects.filter(dirty=True).values_list("month", flat=True))
        households = set(RollupHousehold.objects.values_list("household", flat=True))
        if not months and not households:
            return {"rows": 0, "months": 0, "full": 0}
        # Clear the marks first: a change committed while this runs marks its month again.
        RollupMonth.objects.filter(month__in=months).update(dirty=False)
        RollupHousehold.objects.filter(household__in=households).delete()
        return _recompute(months, households)


def ensure_fresh() -> None:
    """Before reading: bring the rollup up to date (one small query when nothing changed: the state row
    and whether any month or household is marked changed)."""
    state = (
        RollupState.objects.annotate(
            months_marked=Exists(RollupMonth.objects.filter(dirty=True)),
            households_marked=Exists(RollupHousehold.objects.all()),
        )
        .order_by("id")
        .first()
    )
    if (
        state is None
        or state.rebuild
        or state.key_fingerprint != cellkey.key_fingerprint()
        or state.policy_fingerprint != policy_fingerprint()
        or state.months_marked
        or state.households_marked
    ):
        refresh()


# --- marking what changed --------------------------------------------------------------------------


def mark_changed(value: dt.date | dt.datetime | None) -> None:
    if value is None:
        return
    RollupMonth.objects.bulk_create(
        [RollupMonth(month=month_of(value), dirty=True)],
        update_conflicts=True,
        unique_fields=["month"],
        update_fields=["dirty"],
    )


def mark_household(household_id: int | None) -> None:
    if household_id is not None:
        RollupHousehold.objects.bulk_create([RollupHousehold(household=household_id)], ignore_conflicts=True)


class _Deleted(threading.local):
    """Months and households of deleted records, marked when the transaction commits: a bulk delete of
    40,000 intakes (Django sends a signal per row) then makes one query, not 40,000."""

    def __init__(self) -> None:
        self.months: set[dt.date] = set()
        self.households: set[int] = set()

    def add(self, value: dt.date | dt.datetime | None, household_id: int | None) -> None:
        if value is not None:
            self.months.add(month_of(value))
        if household_id is not None:
            self.households.add(household_id)
        transaction.on_commit(self.flush)  # idempotent: the first callback flushes, the others find nothing

    def flush(self) -> None:
        months, households = self.months, self.households
        self.months, self.households = set(), set()
        if months:
            RollupMonth.objects.bulk_create(
                [RollupMonth(month=m, dirty=True) for m in sorted(months)],
                update_conflicts=True,
                unique_fields=["month"],
                update_fields=["dirty"],
            )
        if households:
            RollupHousehold.objects.bulk_create(
                [RollupHousehold(household=h) for h in sorted(households)], ignore_conflicts=True
            )


mark_deleted = _Deleted().add


def mark_rebuild() -> None:
    RollupState.objects.update(rebuild=True)


# --- reading ------------------------------------------------------------------------------------


AREA_COLUMNS = {
    "branch_area": "branch_area",
    "junior_high_district": "junior_high",
    "elementary_district": "elementary",
    "unknown": "elementary",
}


def _place(
    area: tuple[str, int] | None, organisation: int | None, any_organisation: bool = False, per_area: bool = False
) -> Q:
    """Rows of an area (``(level, id)``, ``("unknown", -1)``; None: the whole city, or every area when
    ``per_area``) and of an organisation (None: all of them; ``any_organisation``: each of them)."""
    if per_area:
        where = Q(level="a")
    else:
        where = Q(level="c") if area is None else Q(level="a", **{AREA_COLUMNS[area[0]]: area[1]})
    if any_organisation:
        return where & Q(organisation__isnull=False)
    return where & (Q(organisation__isnull=True) if organisation is None else Q(organisation=organisation))


def _period_filter(family: str, period: GridPeriod) -> Q:
    if family == HOUSEHOLD:
        if not period.span:
            raise ValueError("households are counted per month, quarter or fiscal year only")
        return Q(span=period.span, period=period.start)
    return Q(span="m", period__gte=period.start, period__lt=period.end)


def _sum(where: Q, by: Sequence[str]) -> dict[tuple[Any, ...], Cell]:
    fields = [*by, "dimension", "value"]
    result: dict[tuple[Any, ...], Cell] = {}
    for row in (
        RollupRow.objects.filter(where)
        .values(*fields)
        .annotate(sn=Sum("n"), sk=Sum("key_sum"), sa=Sum("amount"))
        .order_by()
    ):
        result[tuple(row[f] for f in fields)] = Cell(int(row["sn"]), int(row["sk"]), float(row["sa"] or 0.0))
    return result


def read(
    family: str,
    period: GridPeriod,
    *,
    area: tuple[str, int] | None = None,
    organisation: int | None = None,
    dimensions: Sequence[str] | None = None,
    by: Sequence[str] = (),
    any_organisation: bool = False,
    per_area: str = "",
) -> dict[tuple[Any, ...], Cell]:
    """Sums of the rows of a family in a grid period, keyed by (*by, dimension, value).

    ``area``: (level, id) with level ``branch_area``/``junior_high_district``/``elementary_district`` (or
    ``("unknown", -1)``); None for the whole city. ``any_organisation``: the rows of each organisation
    (tell them apart with ``by=("organisation",)``). ``per_area``: an area level — the rows of every area
    of that level, keyed first by the area (None or -1: area unknown). ``by`` may also hold ``period``.
    """
    where = Q(family=family) & _period_filter(family, period)
    where &= _place(area, organisation, any_organisation, per_area=bool(per_area))
    if per_area:
        by = (AREA_COLUMNS[per_area], *by)
    if dimensions is not None:
        where &= Q(dimension__in=list(dimensions))
    return _sum(where, by)


def cumulative(
    family: str, period: GridPeriod, *, area: tuple[str, int] | None = None, organisation: int | None = None,
    dimensions: Sequence[str] | None = None,
) -> dict[tuple[Any, ...], Cell]:  # fmt: skip
    """Sums over every month before the end of the period (cases opened up to then)."""
    where = Q(family=family, span="m", period__lt=period.end) & _place(area, organisation)
    if dimensions is not None:
        where &= Q(dimension__in=list(dimensions))
    return _sum(where, ())


def version(period: GridPeriod | None = None, end: dt.date | None = None) -> int:
    """The highest version of the months up to the end of the period (or of ``end``; every month when
    neither is given): the figures of the period can change only when it changes."""
    months = RollupMonth.objects.all()
    limit = period.end if period is not None else end
    if limit is not None:
        months = months.filter(month__lt=limit)
    return int(months.aggregate(v=Max("version"))["v"] or 0)


def first_month() -> dt.date | None:
    first = RollupMonth.objects.aggregate(m=Min("month"))["m"]
    return first if isinstance(first, dt.date) else None
