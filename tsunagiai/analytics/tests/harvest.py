"""The analyst's harvest: every figure the outputs publish, read through HTTP like any user would, written
down as what it says about the true counts (attacker.Knowledge).

Outputs read (signed in as the given user, through the Django test client):

- the dashboard (``/analytics/``) for every period of the grid × every area with records (the city, branch
  areas, junior-high and elementary districts) × every organisation with records there (and all of them):
  the KPI cards, the charts' data (json_script) and the tables' totals;
- the count tables (``/reports/counts/``, CSV) for every period × area level × columns (channel,
  consulter, window), cells and every total;
- the monthly report (``/reports/monthly/``, PDF read with pypdf) for every month: windows, sources,
  branch areas and kinds of window, this month and the fiscal year to date;
- the national items (``/reports/national/``, CSV) for the fiscal year.

Atoms (the unknowns): intakes by (month, elementary district, receiving organisation) — ``("i", month,
elementary, organisation)`` — and the same split by channel ``(…, "channel", code)`` and by consulter type
``(…, "consulter", code)`` (each intake has one of each: public fact); newly connected households by the
same three — ``("h", month, elementary, organisation)``. The area hierarchy and the organisations' names are
public (reference data). A label missing from a table that lists every label with records is a 0.

``truth(...)`` gives, for the test only, the true count of every atom (from the database), so that each
published figure's true value is known and the protected ones (1-4) can be checked.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tsunagiai.analytics import grid
from tsunagiai.analytics.tests.attacker import Atom, Knowledge

Decode = Callable[[str], tuple[int, int | None]]
CARD = re.compile(r'data-kpi="(\w+)">([^<]*)<')
TOTAL = re.compile(r'data-total="(\w+)">([^<]*)<')
CHARTS = re.compile(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', re.S)
UNKNOWN = -1


@dataclass
class Public:
    """What anyone knows: reference data (names, the area tree) and the publication grid."""

    elementary_of: dict[int, tuple[int | None, int | None]]  # elementary → (branch, junior-high)
    area_names: dict[str, dict[str, int]]  # level → name → id
    organisation_ids: dict[str, set[int]]  # name → ids
    kind_ids: dict[str, set[int]]  # agency type label → organisations of that type
    channel_ids: dict[str, str]
    consulter_ids: dict[str, str]
    source_groups: dict[str, set[str]]  # dashboard label → consulter codes
    report_source_groups: dict[str, set[str]]  # monthly report label → consulter codes

    @classmethod
    def load(cls) -> Public:
        from tsunagiai.analytics.kpis import SOURCE_GROUP_LABELS, SOURCE_GROUPS
        from tsunagiai.reference.models import Area, ConsulterType, IntakeChannel, Organisation, TownBlock
        from tsunagiai.reports import queries

        elementary_of: dict[int, tuple[int | None, int | None]] = {}
        for el, br, jh in TownBlock.objects.values_list(
            "elementary_district_id", "branch_area_id", "junior_high_district_id"
        ):
            if el is not None:
                elementary_of[el] = (br, jh)
        names: dict[str, dict[str, int]] = defaultdict(dict)
        for pk, level, name in Area.objects.values_list("pk", "level", "name"):
            names[level][name] = pk
        organisations: dict[str, set[int]] = defaultdict(set)
        kinds: dict[str, set[int]] = defaultdict(set)
        for pk, name, kind in Organisation.objects.values_list("pk", "name", "agency_type__label"):
            organisations[name].add(pk)
            kinds[str(kind)].add(pk)
        sources: dict[str, set[str]] = defaultdict(set)
        report_sources: dict[str, set[str]] = defaultdict(set)
        codes = list(ConsulterType.objects.values_list("pk", flat=True))
        for code in codes:
            sources[str(SOURCE_GROUP_LABELS[SOURCE_GROUPS.get(code, "other")])].add(code)
            group = queries.SOURCE_GROUPS.get(code, queries.OTHER_SOURCE)
            report_sources[str(queries.SOURCE_GROUP_LABELS[group])].add(code)
        return cls(
            elementary_of,
            dict(names),
            dict(organisations),
            dict(kinds),
            {label: pk for pk, label in IntakeChannel.objects.values_list("pk", "label")},
            {label: pk for pk, label in ConsulterType.objects.values_list("pk", "label")},
            dict(sources),
            dict(report_sources),
        )

    def in_area(self, elementary: int, level: str, area: int | None) -> bool:
        if area is None:
            return True
        if elementary == UNKNOWN:
            return False
        branch, junior = self.elementary_of.get(elementary, (None, None))
        return {"branch_area": branch, "junior_high_district": junior, "elementary_district": elementary}[level] == area


@dataclass
class Harvest:
    """The atoms with records (the support) and what was learned about them."""

    public: Public
    decode: Decode
    months: list[dt.date]
    support: set[tuple[dt.date, int, int]] = field(default_factory=set)  # (month, elementary, organisation)
    knowledge: Knowledge = field(default_factory=Knowledge)
    requests: int = 0
    refused: list[str] = field(default_factory=list)
    scope: set[int] | None = None  # elementary districts studied (None: the whole city)
    _within: dict[tuple[str, int], bool] = field(default_factory=dict)
    _by_month: dict[dt.date, list[tuple[dt.date, int, int]]] = field(default_factory=dict)
    _cached: dict[tuple[Any, ...], list[tuple[dt.date, int, int]]] = field(default_factory=dict)

    def within(self, level: str, area: int | None) -> bool:
        """Whether a figure of this area counts only records of the studied districts."""
        if self.scope is None:
            return True
        if area is None or area == UNKNOWN:
            return False
        members = {el for el in self.public.elementary_of if self.public.in_area(el, level, area)}
        return bool(members) and members <= self.scope

    # --- atoms of a figure --------------------------------------------------------------------

    def atoms(
        self,
        period: grid.GridPeriod,
        level: str = "",
        area: int | None = None,
        organisations: Iterable[int] | None = None,
        split: tuple[str, Iterable[str]] | None = None,
        family: str = "i",
    ) -> list[Atom]:
        if not self.within(level, area):
            return []  # a figure that also counts records outside the studied districts: not used
        chosen = self._cells(period, level, area)
        if organisations is not None:
            orgs = set(organisations)
            chosen = [cell for cell in chosen if cell[2] in orgs]
        if split is None:
            return [(family, m, el, org) for m, el, org in chosen]
        dimension, values = split
        return [(family, m, el, org, dimension, v) for m, el, org in chosen for v in values]

    def _cells(self, period: grid.GridPeriod, level: str, area: int | None) -> list[tuple[dt.date, int, int]]:
        """The support's cells in a period and area (kept: the same ones are asked for many times)."""
        key = (period.start, period.end, level, area)
        if key not in self._cached:
            if not self._by_month:
                for cell in sorted(self.support):
                    self._by_month.setdefault(cell[0], []).append(cell)
            self._cached[key] = [
                cell
                for month in period.months()
                for cell in self._by_month.get(month, [])
                if self.public.in_area(cell[1], level, area)
            ]
        return self._cached[key]

    def learn(self, atoms: list[Atom], display: str) -> None:
        display = html.unescape(display).strip()
        if display in ("", "—", "x"):
            return
        low, high = self.decode(display)
        self.knowledge.learn(atoms, low, high)

    # --- the structure every intake has -------------------------------------------------------------

    def structure(self) -> None:
        """Each intake has one channel and one consulter type: the split atoms add up to the total; a
        household is newly connected by one of the intakes: never more of them than intakes."""
        channels = list(self.public.channel_ids.values())
        consulters = list(self.public.consulter_ids.values())
        for m, el, org in self.support:
            total = [("i", m, el, org)]
            self.knowledge.equal(total, [("i", m, el, org, "channel", c) for c in channels])
            self.knowledge.equal(total, [("i", m, el, org, "consulter", c) for c in consulters])
            self.knowledge.not_more([("h", m, el, org)], total)


def _csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _table(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows (up to the empty row before the notes)."""
    header, data = rows[0], []
    for row in rows[1:]:
        if not row or not any(row):
            break
        data.append(row)
    return header, data


LEVELS = {"branch": "branch_area", "junior_high": "junior_high_district", "elementary": "elementary_district"}


def count_exports(client: Any, harvest: Harvest, periods: list[grid.GridPeriod]) -> None:
    """Every count table of every period: cells, row totals, column totals, the grand total."""
    public = harvest.public
    for period in periods:
        for level, area_level in LEVELS.items():
            for by in ("window", "channel", "consulter_type"):
                response = client.get("/reports/counts/", {"period": period.code, "level": level, "by": by})
                harvest.requests += 1
                assert response.status_code == 200, response.content[:500]
                header, data = _table(_csv(response))
                columns = header[1:-1]
                names = public.area_names.get(area_level, {})

                def column_atoms(
                    label: str,
                    rows_area: tuple[str, int | None] | None,
                    by: str = by,
                    period: grid.GridPeriod = period,
                ) -> list[Atom]:
                    level_, area_id = rows_area if rows_area else ("", None)
                    if by == "window":
                        return harvest.atoms(period, level_, area_id, public.organisation_ids.get(label, set()))
                    ids = public.channel_ids if by == "channel" else public.consulter_ids
                    dimension = "channel" if by == "channel" else "consulter"
                    return harvest.atoms(period, level_, area_id, split=(dimension, [ids[label]]))

                listed: set[int | None] = set()
                for row in data[:-1]:
                    area_id = names.get(row[0])
                    listed.add(area_id)
                    place = (area_level, area_id) if area_id is not None else ("elementary_district", UNKNOWN)
                    for label, display in zip(columns, row[1:-1], strict=True):
                        harvest.learn(column_atoms(label, place), display)
                    harvest.learn(harvest.atoms(period, *place), row[-1])
                for area_id in names.values():  # an area not listed has no records in the period
                    if area_id not in listed:
                        harvest.learn(harvest.atoms(period, area_level, area_id), "0")
                total_row = data[-1]
                for label, display in zip(columns, total_row[1:-1], strict=True):
                    harvest.learn(column_atoms(label, None), display)
                harvest.learn(harvest.atoms(period), total_row[-1])


def _month_of_label(label: str) -> dt.date | None:
    match = re.search(r"(令和|平成)?(\d+|元)年(\d+)月", label)
    if not match:
        return None
    year = 1 if match[2] == "元" else int(match[2])
    base = {"令和": 2018, "平成": 1988, None: 0}[match[1]]
    return dt.date(base + year, int(match[3]), 1)


def dashboards(client: Any, harvest: Harvest, periods: list[grid.GridPeriod]) -> None:
    """The dashboard for every period × area with records × organisation with records there (and all).

    A combination that selects exactly the intakes of one already read (a junior-high district with one
    elementary district holding records, an organisation alone in its area) publishes the same figures
    for them (the same records, the same figure): it is not asked for again."""
    public = harvest.public
    areas: list[tuple[str, int | None]] = [("", None)] if harvest.scope is None else []
    for level in ("branch_area", "junior_high_district", "elementary_district"):
        areas.extend(
            (level, area_id)
            for area_id in sorted(public.area_names.get(level, {}).values())
            if harvest.within(level, area_id)
            and any(public.in_area(el, level, area_id) for _m, el, _o in harvest.support)
        )
    for period in periods:
        seen: set[frozenset[Atom]] = set()
        for level, area_id in areas:
            atoms_here = harvest.atoms(period, level, area_id)
            if not atoms_here:
                continue
            orgs_here = sorted({a[3] for a in atoms_here})
            for org in [None, *orgs_here]:
                selected = frozenset(harvest.atoms(period, level, area_id, None if org is None else [org]))
                if selected in seen:
                    continue
                seen.add(selected)
                query: dict[str, Any] = {"period": period.code}
                if area_id is not None:
                    query["area"] = area_id
                if org is not None:
                    query["organisation"] = org
                response = client.get("/analytics/", query, headers={"HX-Request": "true"})  # the body, as htmx asks
                harvest.requests += 1
                assert response.status_code == 200, response.content[:500]
                _read_dashboard(harvest, period, level, area_id, org, response.content.decode())


def _read_dashboard(
    harvest: Harvest, period: grid.GridPeriod, level: str, area_id: int | None, org: int | None, page: str
) -> None:
    public = harvest.public
    orgs = [org] if org is not None else None
    every = harvest.atoms(period, level, area_id, orgs)
    cards = dict(CARD.findall(page))
    harvest.learn(every, cards.get("consultations", ""))
    harvest.learn(harvest.atoms(period, level, area_id, orgs, family="h"), cards.get("new_households", ""))
    for key, display in TOTAL.findall(page):
        if key in ("window", "channel", "consulter", "month", "sources"):
            harvest.learn(every, display)
    charts = {c["id"]: c for c in json.loads(CHARTS.search(page)[1])}  # type: ignore[index]
    window = charts.get("chart-window")
    if window:
        listed = set()
        for label, display in zip(window["labels"], window["displays"], strict=True):
            ids = public.organisation_ids.get(label, set())
            listed |= ids
            harvest.learn(harvest.atoms(period, level, area_id, ids if org is None else ids & {org}), display)
        if org is None:  # every organisation with records here is listed
            absent = {a[3] for a in every} - listed
            for other in absent:
                harvest.learn(harvest.atoms(period, level, area_id, [other]), "0")
    splits: tuple[tuple[str, str, dict[str, str]], ...] = (
        ("chart-channel", "channel", public.channel_ids),
        ("chart-consulter", "consulter", public.consulter_ids),
    )
    for chart_id, dimension, codes_of in splits:
        chart = charts.get(chart_id)
        if not chart:
            continue
        listed_codes = set()
        for label, display in zip(chart["labels"], chart["displays"], strict=True):
            code = codes_of[label]
            listed_codes.add(code)
            harvest.learn(harvest.atoms(period, level, area_id, orgs, split=(dimension, [code])), display)
        for code in set(codes_of.values()) - listed_codes:
            harvest.learn(harvest.atoms(period, level, area_id, orgs, split=(dimension, [code])), "0")
    sources = charts.get("chart-sources")
    if sources:
        for label, display in zip(sources["labels"], sources["displays"], strict=True):
            codes = public.source_groups.get(label, set())
            harvest.learn(harvest.atoms(period, level, area_id, orgs, split=("consulter", codes)), display)
    months = charts.get("chart-month")
    if months:
        for label, display in zip(months["labels"], months["displays"], strict=True):
            month = _month_of_label(label)
            if month is not None:
                harvest.learn(harvest.atoms(grid.month(month.year, month.month), level, area_id, orgs), display)


def monthly_reports(client: Any, harvest: Harvest, months: list[grid.GridPeriod]) -> None:
    """The monthly PDF of every month: windows and sources (month and fiscal year to date), branch areas."""
    import pypdf
    from django.utils import translation

    from tsunagiai.reports.queries import COMMUNITY_SOURCES, SOURCE_GROUP_LABELS

    public = harvest.public
    with translation.override("ja"):
        source_labels = {str(label) for label in SOURCE_GROUP_LABELS.values()}
    branch_names = public.area_names.get("branch_area", {})
    number = r"(\d+|<5|—)"
    for month in months:
        response = client.get("/reports/monthly/", {"month": month.code, "dates": "era"}, HTTP_ACCEPT_LANGUAGE="ja")
        harvest.requests += 1
        assert response.status_code == 200
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
        to_date = grid.year_to_date(month)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        section = 0
        for line in lines:
            heading = re.match(r"^([1-4])\. ", line)
            if heading:
                section = int(heading[1])
                continue
            if section == 1:
                match = re.fullmatch(rf"(.+?) {number} {number}", line)
                if match and match[1] in public.organisation_ids:
                    ids = public.organisation_ids[match[1]]
                    harvest.learn(harvest.atoms(month, organisations=ids), match[2])
                    harvest.learn(harvest.atoms(to_date, organisations=ids), match[3])
            elif section == 2:
                match = re.fullmatch(rf"(.+?) {number} \S+ {number} \S+", line)
                if match and match[1] in source_labels:
                    codes = harvest.public.report_source_groups.get(match[1], set())
                    harvest.learn(harvest.atoms(month, split=("consulter", codes)), match[2])
                    harvest.learn(harvest.atoms(to_date, split=("consulter", codes)), match[3])
            elif section == 3:
                match = re.fullmatch(rf"(\S+) {number} {number} {number} {number} .*", line)
                if match and match[1] in branch_names:
                    area = branch_names[match[1]]
                    harvest.learn(harvest.atoms(month, "branch_area", area), match[2])
                    harvest.learn(harvest.atoms(to_date, "branch_area", area), match[3])
                    harvest.learn(harvest.atoms(month, "branch_area", area, family="h"), match[4])
                    harvest.learn(harvest.atoms(to_date, "branch_area", area, family="h"), match[5])
            elif section == 4:
                match = re.fullmatch(rf"(.+?) {number} {number} \S+ {number} {number} \S+", line)
                if match and match[1] in public.kind_ids:
                    ids = public.kind_ids[match[1]]
                    community = ("consulter", sorted(COMMUNITY_SOURCES))
                    harvest.learn(harvest.atoms(month, organisations=ids), match[2])
                    harvest.learn(harvest.atoms(month, organisations=ids, split=community), match[3])
                    harvest.learn(harvest.atoms(to_date, organisations=ids), match[4])
                    harvest.learn(harvest.atoms(to_date, organisations=ids, split=community), match[5])


def national(client: Any, harvest: Harvest, year: grid.GridPeriod) -> None:
    response = client.get("/reports/national/", {"fy": year.code[2:]}, HTTP_ACCEPT_LANGUAGE="ja")
    harvest.requests += 1
    assert response.status_code == 200
    header, data = _table(_csv(response))
    values = {row[1]: row[2] for row in data}
    harvest.learn(harvest.atoms(year), values.get("相談受付件数", ""))
    harvest.learn(harvest.atoms(year, family="h"), values.get("新たに支援につながった世帯数", ""))
    channel = harvest.public.channel_ids
    outreach = [code for code in channel.values() if code == "outreach"]
    if outreach:
        harvest.learn(
            harvest.atoms(year, split=("channel", outreach)), values.get("アウトリーチで把握した相談件数", "")
        )


def refusals(client: Any, harvest: Harvest, period: grid.GridPeriod) -> None:
    """Free periods and "the period plus one day" must be refused (or give nothing new)."""
    start, last = period.start, period.last_day
    plus_one = (last + dt.timedelta(days=1)).isoformat()
    for url, query in (
        ("/analytics/", {"date_from": start.isoformat(), "date_to": plus_one}),
        ("/analytics/", {"date_from": start.isoformat(), "date_to": start.isoformat()}),
        ("/reports/counts/", {"from": start.isoformat(), "to": plus_one}),
        ("/reports/counts/", {"from": (start + dt.timedelta(days=1)).isoformat(), "to": last.isoformat()}),
    ):
        response = client.get(url, query)
        harvest.requests += 1
        if response.status_code != 400:
            harvest.refused.append(f"{url} {query} answered {response.status_code}")


# --- the truth (for the test only) ----------------------------------------------------------------


def truth() -> dict[Atom, int]:
    """The true count of every atom, from the database."""
    from django.db.models import Q

    from tsunagiai.analytics.rollup import _intakes, month_of

    counts: dict[Atom, int] = defaultdict(int)
    first_seen: set[int] = set()
    for intake in _intakes(Q()):
        el = intake.area[2] if intake.area[2] is not None else UNKNOWN
        base = (intake.month, el, intake.organisation)
        counts[("i", *base)] += 1
        counts[("i", *base, "channel", intake.channel)] += 1
        counts[("i", *base, "consulter", intake.consulter)] += 1
        if intake.household is not None and intake.household not in first_seen:
            first_seen.add(intake.household)
            counts[("h", month_of(intake.received_at), el, intake.organisation)] += 1
    return dict(counts)


def support() -> set[tuple[dt.date, int, int]]:
    """(month, elementary, organisation) of every intake — what the count tables by window reveal."""
    return {(a[1], a[2], a[3]) for a in truth() if a[0] == "i" and len(a) == 4}


# --- the old method, for comparison ---------------------------------------------------------------


def legacy_outputs(harvest: Harvest, counts: dict[Atom, int], periods: list[grid.GridPeriod]) -> None:
    """What the outputs published before the cell-key method — exact counts, each table suppressed on its
    own ("<5", secondary "x", totals withheld when they would give a "<5" away) — for the same grid:
    the count tables and the dashboard's cards and tables. Learned as the old rules say: a shown figure
    is exact, "<5" is 1-4, an "x" cell is at least 5, a withheld total says nothing."""
    from tsunagiai.analytics.tests.legacy_suppression import CountTable, State, suppress

    public = harvest.public

    def value(atoms: list[Atom]) -> int:
        return sum(counts.get(a, 0) for a in atoms)

    def learn_figure(atoms: list[Atom], figure: Any, *, cell: bool) -> None:
        if figure.state is State.SHOWN:
            harvest.knowledge.learn(atoms, figure.value, figure.value)
        elif figure.state is State.SMALL:
            harvest.knowledge.learn(atoms, 1, 4)
        elif cell:
            harvest.knowledge.learn(atoms, 5, None)

    def table(
        rows: list[list[list[Atom]]], row_atoms: list[list[Atom]], column_atoms: list[list[Atom]], every: list[Atom]
    ) -> None:
        values = [[value(c) for c in row] for row in rows]
        published = suppress(
            CountTable([str(i) for i in range(len(rows))], [str(j) for j in range(len(column_atoms))], values)
        )
        for i, row in enumerate(rows):
            for j, atoms in enumerate(row):
                learn_figure(atoms, published.cells[i][j], cell=True)
            learn_figure(row_atoms[i], published.row_totals[i], cell=False)
        for j, atoms in enumerate(column_atoms):
            learn_figure(atoms, published.column_totals[j], cell=False)
        learn_figure(every, published.grand_total, cell=False)

    channels = sorted(set(public.channel_ids.values()))
    consulters = sorted(set(public.consulter_ids.values()))
    organisations = sorted({o for _m, _e, o in harvest.support})
    for period in periods:
        every = harvest.atoms(period)  # empty when a scope leaves out records (the city's totals): not learned
        if not every and harvest.scope is None:
            continue
        for level in ("branch_area", "junior_high_district", "elementary_district"):
            areas = [a for a in sorted(public.area_names.get(level, {}).values()) if harvest.atoms(period, level, a)]
            for columns in ("window", "channel", "consulter"):

                def atoms_of(
                    area: int | None,
                    column: Any,
                    level: str = level,
                    columns: str = columns,
                    period: grid.GridPeriod = period,
                ) -> list[Atom]:
                    lvl = level if area is not None else ""
                    if columns == "window":
                        return harvest.atoms(period, lvl, area, [column])
                    return harvest.atoms(period, lvl, area, split=(columns, [column]))

                key_lists: dict[str, list[Any]] = {
                    "window": list(organisations),
                    "channel": list(channels),
                    "consulter": list(consulters),
                }
                every_key = key_lists[columns]
                keys = [k for k in every_key if any(value(atoms_of(a, k)) for a in areas)]
                table(
                    [[atoms_of(a, k) for k in keys] for a in areas],
                    [harvest.atoms(period, level, a) for a in areas],
                    [atoms_of(None, k) for k in keys],
                    every,
                )
        # the dashboard: a card, then one-row tables (window, channel, consulter) for every area × organisation
        places: list[tuple[str, int | None]] = [("", None)] + [
            (level, a)
            for level in ("branch_area", "junior_high_district", "elementary_district")
            for a in sorted(public.area_names.get(level, {}).values())
            if harvest.atoms(period, level, a)
        ]
        for level, area in places:
            for org in [None, *sorted({a[3] for a in harvest.atoms(period, level, area)})]:
                orgs = [org] if org is not None else None
                here = harvest.atoms(period, level, area, orgs)
                total = value(here)
                harvest.knowledge.learn(here, *((1, 4) if 0 < total < 5 else (total, total)))
                splits: tuple[tuple[str, list[Any]], ...] = (
                    ("window", list(organisations)),
                    ("channel", list(channels)),
                    ("consulter", list(consulters)),
                )
                for columns, keys in splits:
                    if columns == "window":
                        cells = [
                            harvest.atoms(period, level, area, [k] if org is None else ([k] if k == org else []))
                            for k in keys
                        ]
                    else:
                        cells = [harvest.atoms(period, level, area, orgs, split=(columns, [k])) for k in keys]
                    cells = [c for c in cells if value(c)]
                    if cells:
                        table([cells], [here], cells, here)
