"""Exports and PDF reports. Who may use which (declared in tsunagiai.accounts.access, section C10):

- staff: row exports of the intakes they may see (``visible_intakes``), the case summary and
  support plan PDFs of cases they may see (404 otherwise); each audited with what was exported;
- those who may see aggregates (analysts, supervisors, coordinators, administrators): count
  tables, the monthly report and the national reporting items, counts only, small counts
  suppressed (``tsunagiai.analytics.suppression``) except for the coordination section, which
  sees every record anyway;
- auditors and volunteers: none (403).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_audit_event, record_read
from tsunagiai.audit.basis import scope_basis
from tsunagiai.core.eras import DateStyle, format_date
from tsunagiai.reference.models import IssueCategory
from tsunagiai.reports import params, queries
from tsunagiai.reports.params import ParamError
from tsunagiai.reports.writers import CsvEncoding, Table, csv_stream, write_xlsx

SUPPRESSION_NOTE = _(
    '"<5" means 1 to 4; "x" is a value withheld so that a suppressed value cannot be worked out from the other cells.'
)
TOTAL = pgettext_lazy("sum of a row or column", "Total")


def _bad_request(request: HttpRequest, error: ParamError) -> HttpResponse:
    return render(request, "reports/error.html", {"message": str(error)}, status=400)


def _require_aggregates(user: Any) -> None:
    if not access.may_view_aggregates(user):
        raise PermissionDenied


def _exact_counts(user: Any) -> bool:
    """The coordination section sees every record: its count exports are not suppressed."""
    return access.is_coordination(user)


def table_response(table: Table, fmt: str, dates: DateStyle, filename: str) -> HttpResponse | StreamingHttpResponse:
    """CSV streamed as it is produced; xlsx written to an anonymous temporary file, then streamed."""
    if fmt == "xlsx":
        handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
        write_xlsx(table, handle, dates=dates)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{filename}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    encoding: CsvEncoding = "cp932" if fmt == "csv_sjis" else "utf-8-sig"
    charset = "shift_jis" if fmt == "csv_sjis" else "utf-8"
    response = StreamingHttpResponse(
        csv_stream(table, encoding=encoding, dates=dates), content_type=f"text/csv; charset={charset}"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.csv") or ""
    return response


# --- the intake list (staff: rows they may see) ------------------------------------------

INTAKE_HEADERS = [
    _("Intake number"),
    _("Received at"),
    _("Receiving window"),
    pgettext_lazy("how a consultation came in", "Route"),
    pgettext_lazy("who consulted", "Consulter"),
    _("Consultation fields"),
    pgettext_lazy("of an intake", "Urgency"),
    _("First response"),
    pgettext_lazy("of an intake", "Status"),
    pgettext_lazy("intake export column", "Town block"),
    _("Area (branch office)"),
]
INTAKE_WIDTHS = [10, 20, 24, 14, 18, 30, 10, 16, 8, 16, 14]


def _intake_rows(queryset: Any) -> Iterator[Sequence[Any]]:
    first_responses = dict(queryset.model.FirstResponse.choices)
    statuses = dict(queryset.model.Status.choices)
    for intake in queryset.iterator(chunk_size=2000):
        yield [
            intake.pk,
            intake.received_at,
            intake.receiving_organisation.name,
            intake.channel.label,
            intake.consulter_type.label,
            # Separated by 、: the labels contain ・ themselves (生活困窮・家計).
            "、".join(category.label for category in intake.categories.all()),
            intake.urgency.label,
            str(first_responses.get(intake.first_response, intake.first_response)),
            str(statuses.get(intake.status, intake.status)),
            intake.town_block.name if intake.town_block else "",
            intake.town_block.branch_area.name if intake.town_block and intake.town_block.branch_area else "",
        ]


def intake_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The intakes the user may see, received in ``from``–``to``, as CSV or xlsx (audited)."""
    try:
        fmt = params.table_format(request.GET)
        dates = params.date_style(request.GET, request.user)
        start, end = params.date_range(request.GET, timezone.localdate())
    except ParamError as error:
        return _bad_request(request, error)
    period = queries.Period(start, end + dt.timedelta(days=1))
    queryset = (
        access.visible_intakes(request.user)
        .filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
        .select_related("receiving_organisation", "channel", "consulter_type", "urgency", "town_block__branch_area")
        .prefetch_related(Prefetch("categories", queryset=IssueCategory.objects.order_by("sort_order", "code")))
        .order_by("received_at", "pk")
    )
    count = queryset.count()
    record_audit_event(
        "reports.export",
        acting_user=request.user,
        object_type="intake.intake",  # rows of intakes: a list read, on the grounds of the user's scope
        basis=scope_basis(request.user),
        changes={"export": "intakes", "rows": count, "format": fmt, "from": str(start), "to": str(end)},
        note=f"受付一覧 {count}件",  # the audit log is a record kept in the office's language
    )
    name = gettext("Intake list")
    headers = [str(header) for header in INTAKE_HEADERS]
    table = Table(headers, _intake_rows(queryset), sheet_name=name, widths=INTAKE_WIDTHS)
    return table_response(table, fmt, dates, f"{name}_{start:%Y%m%d}-{end:%Y%m%d}")


# --- count tables (counts only, suppressed) -------------------------------------------


def _count_rows(matrix: queries.CountMatrix, exact: bool) -> tuple[list[list[Any]], list[str]]:
    if exact:
        rows: list[list[Any]] = [
            [label, *values, sum(values)] for label, values in zip(matrix.row_labels, matrix.values, strict=True)
        ]
        column_totals = [sum(column) for column in zip(*matrix.values, strict=True)] if matrix.values else []
        rows.append([str(TOTAL), *column_totals, sum(column_totals)])
        return rows, []
    from tsunagiai.analytics.suppression import CountTable, suppress

    published = suppress(CountTable(matrix.row_labels, matrix.column_labels, matrix.values))
    rows = [[label, *(f.display for f in figures), total.display] for label, figures, total in published.as_rows()]
    rows.append([str(TOTAL), *(f.display for f in published.column_totals), published.grand_total.display])
    return rows, [str(SUPPRESSION_NOTE)]


def count_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Consultations in ``from``–``to`` by area (``level``) × ``by`` (channel, consulter, window)."""
    _require_aggregates(request.user)
    try:
        fmt = params.table_format(request.GET)
        dates = params.date_style(request.GET, request.user)
        start, end = params.date_range(request.GET, timezone.localdate())
        level = params.choice(request.GET, "level", gettext("Area level"), queries.AREA_LEVELS, "branch")
        by = params.choice(request.GET, "by", gettext("Columns"), queries.COUNT_DIMENSIONS, "channel")
    except ParamError as error:
        return _bad_request(request, error)
    matrix = queries.consultation_matrix(queries.Period(start, end + dt.timedelta(days=1)), level, by)
    rows, notes = _count_rows(matrix, _exact_counts(request.user))
    period_note = gettext("Period: %(start)s to %(end)s (consultations received)") % {
        "start": format_date(start, dates),
        "end": format_date(end, dates),
    }
    record_audit_event(
        "reports.export",
        acting_user=request.user,
        changes={"export": "consultation_counts", "level": level, "by": by, "format": fmt},
        note="相談件数の集計表",  # the audit log is a record kept in the office's language
    )
    name = gettext("Consultation counts")
    table = Table(
        [matrix.row_heading, *matrix.column_labels, str(TOTAL)],
        rows,
        sheet_name=name,
        notes=[period_note, *notes],
    )
    return table_response(table, fmt, dates, f"{name}_{start:%Y%m%d}-{end:%Y%m%d}")


# --- the national reporting items ------------------------------------------------------


def national_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The 重層的支援体制整備事業 items for fiscal year ``fy`` with their definitions."""
    _require_aggregates(request.user)
    try:
        fmt = params.table_format(request.GET)
        dates = params.date_style(request.GET, request.user)
        fiscal_year = params.fiscal_year(request.GET, timezone.localdate())
    except ParamError as error:
        return _bad_request(request, error)
    items = queries.national_items(fiscal_year)
    exact = _exact_counts(request.user)

    no_data = gettext("No data")

    def shown(value: int | None) -> Any:
        if value is None:
            return no_data
        if not exact and 0 < value < 5:
            return "<5"
        return value

    period = queries.fiscal_year_period(fiscal_year)
    rows = [[item.project, item.item, shown(item.value), item.unit, item.definition] for item in items]
    record_audit_event(
        "reports.export", acting_user=request.user, changes={"export": "national", "fy": fiscal_year, "format": fmt}
    )
    notes = [
        gettext("Period covered: %(start)s to %(end)s")
        % {"start": format_date(period.start, dates), "end": format_date(period.last_day, dates)}
    ]
    if not exact:
        notes.append(
            gettext(
                '"<5" means 1 to 4 (these are counts for the whole city, so this first suppression is the only one).'
            )
        )
    table = Table(
        [
            pgettext("national reporting", "Project"),
            pgettext("national reporting", "Item"),
            pgettext("national reporting", "Value"),
            pgettext("national reporting", "Unit"),
            pgettext("national reporting", "Definition"),
        ],
        rows,
        sheet_name=gettext("National report FY%(year)s") % {"year": fiscal_year},
        widths=[34, 30, 10, 8, 80],
        notes=notes,
    )
    filename = gettext("Multi-layered support system project_reporting items_FY%(year)s") % {"year": fiscal_year}
    return table_response(table, fmt, dates, filename)


# --- PDF reports ------------------------------------------------------------------------


def pdf_response(request: HttpRequest, template: str, context: dict[str, Any], filename: str) -> HttpResponse:
    """Render the template to A4 PDF with WeasyPrint (fonts from the system: fonts-noto-cjk)."""
    import weasyprint  # type: ignore[import-untyped]

    dates: DateStyle = context["dates"]
    html = render_to_string(
        template,
        {
            **context,
            "created_on": format_date(timezone.localdate(), dates),
            "author": getattr(request.user, "full_name", "") or request.user.get_username(),
        },
        request=request,
    )
    pdf = weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{filename}.pdf") or ""
    return response


def _span(period: queries.Period, dates: DateStyle) -> str:
    return pgettext("a span of dates", "%(start)s – %(end)s") % {
        "start": format_date(period.start, dates),
        "end": format_date(period.last_day, dates),
    }


def _pct(part: int, whole: int, exact: bool) -> str:
    if whole == 0 or (not exact and (part < 5 or whole < 5)):
        return "—"
    return f"{100 * part / whole:.1f}%"


def _shown(value: int, exact: bool) -> str:
    return str(value) if exact or value == 0 or value >= 5 else "<5"


def monthly_report(request: HttpRequest) -> HttpResponse:
    """月次報告: consultations per window, sources, and by branch area, for the month and the fiscal
    year to date (counts only; small counts shown as "<5" except for the coordination section)."""
    _require_aggregates(request.user)
    try:
        dates = params.date_style(request.GET, request.user)
        year, month = params.a_month(request.GET, timezone.localdate())
    except ParamError as error:
        return _bad_request(request, error)
    figures = queries.monthly_figures(year, month)
    exact = _exact_counts(request.user)
    windows = [(line.label, _shown(line.month, exact), _shown(line.year, exact)) for line in figures.windows]
    sources_total_m = sum(line.month for line in figures.sources)
    sources_total_y = sum(line.year for line in figures.sources)
    sources = [
        (
            line.label,
            _shown(line.month, exact),
            _pct(line.month, sources_total_m, exact),
            _shown(line.year, exact),
            _pct(line.year, sources_total_y, exact),
        )
        for line in figures.sources
    ]
    areas = [
        {
            "label": line.label,
            "consultations": (_shown(line.consultations.month, exact), _shown(line.consultations.year, exact)),
            "new_households": (_shown(line.new_households.month, exact), _shown(line.new_households.year, exact)),
            "cases_opened": _shown(line.cases_opened.year, exact),
            "multi_issue": _pct(line.multi_issue.year, line.cases_opened.year, exact),
            "community": _pct(line.community_sources.year, line.consultations.year, exact),
        }
        for line in figures.areas
    ]
    window_kinds = [
        {
            "label": line.label,
            "month": (
                _shown(line.consultations.month, exact),
                _shown(line.community_sources.month, exact),
                _pct(line.community_sources.month, line.consultations.month, exact),
            ),
            "year": (
                _shown(line.consultations.year, exact),
                _shown(line.community_sources.year, exact),
                _pct(line.community_sources.year, line.consultations.year, exact),
            ),
        }
        for line in figures.window_kinds
    ]
    record_audit_event("reports.monthly_report", acting_user=request.user, changes={"month": f"{year}-{month:02d}"})
    title = gettext("Monthly report")
    month_label = (
        format_date(figures.month.start, dates)[:-2]
        if dates == "era"
        else gettext("%(month)s/%(year)s") % {"year": year, "month": month}
    )
    context = {
        "dates": dates,
        "title": title,
        "month_label": month_label,
        "period_month": _span(figures.month, dates),
        "period_year": _span(figures.year, dates),
        "windows": windows,
        "sources": sources,
        "areas": areas,
        "window_kinds": window_kinds,
        "suppressed": not exact,
        "suppression_note": str(SUPPRESSION_NOTE),
    }
    return pdf_response(request, "reports/pdf/monthly.html", context, f"{title}_{year}{month:02d}")


def _case_context(request: HttpRequest, case_id: int) -> tuple[Any, DateStyle]:
    case = access.access_case(request.user, case_id)  # 404 for a case the user may not see
    try:
        dates = params.date_style(request.GET, request.user)
    except ParamError:
        raise
    return case, dates


def _current_revision(case: Any) -> Any:
    from tsunagiai.support.models import PlanRevision

    return (
        PlanRevision.objects.filter(plan__case=case)
        .select_related("created_by")
        .prefetch_related("actions__owner_organisation", "actions__owner_user")
        .order_by("-number")
        .first()
    )


def case_summary(request: HttpRequest, case_id: int) -> HttpResponse:
    """ケース概要: household, members, team and lead with its history, the plan, recent records."""
    try:
        case, dates = _case_context(request, case_id)
    except ParamError as error:
        return _bad_request(request, error)
    from tsunagiai.cases.models import LeadChange, TeamMember
    from tsunagiai.people.models import HouseholdMembership

    members = (
        HouseholdMembership.objects.filter(household=case.household, ended_on__isnull=True)
        .select_related("person")
        .order_by("started_on", "pk")
    )
    team = TeamMember.objects.filter(case=case).select_related("organisation", "user").order_by("joined_at", "pk")
    leads = (
        LeadChange.objects.filter(case=case)
        .select_related("from_organisation", "to_organisation")
        .order_by("changed_at")
    )
    records = (
        access.visible_support_records(request.user)
        .filter(case=case)
        .select_related("organisation")
        .order_by("-occurred_at")[:10]
    )
    record_read(request, case, action="reports.case_summary_pdf")
    context = {
        "dates": dates,
        "title": gettext("Case summary"),
        "case": case,
        "members": members,
        "team": team,
        "leads": leads,
        "revision": _current_revision(case),
        "records": records,
    }
    return pdf_response(request, "reports/pdf/case_summary.html", context, f"{context['title']}_{case.pk}")


def support_plan(request: HttpRequest, case_id: int) -> HttpResponse:
    """支援プラン: the current revision (goals, actions, review date, agreement)."""
    try:
        case, dates = _case_context(request, case_id)
    except ParamError as error:
        return _bad_request(request, error)
    record_read(request, case, action="reports.support_plan_pdf")
    title = gettext("Support plan")
    context = {"dates": dates, "title": title, "case": case, "revision": _current_revision(case)}
    return pdf_response(request, "reports/pdf/support_plan.html", context, f"{title}_{case.pk}")


def index(request: HttpRequest) -> HttpResponse:
    """What the user may export (403 for those who may export nothing)."""
    staff = access.is_staff_member(request.user)
    aggregates = access.may_view_aggregates(request.user)
    if not staff and not aggregates:
        raise PermissionDenied
    today = timezone.localdate()
    return render(
        request,
        "reports/index.html",
        {
            "staff": staff,
            "aggregates": aggregates,
            "this_month": f"{today:%Y-%m}",
            "fiscal_year": queries.fiscal_year_of(today),
        },
    )
