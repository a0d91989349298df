"""Exports and PDF reports. Who may use which (declared in tsunagiai.accounts.access.rules: ``STAFF``,
``AGGREGATES`` for the counts, ``REPORTS`` for the index; the gate refuses everyone else):

- staff: row exports of the intakes they may see (``visible_intakes``), the case summary and
  support plan PDFs of cases they may see (404 otherwise); each audited with what was exported;
- those who may see aggregates (analysts, supervisors, coordinators, administrators): count
  tables, the monthly report and the national reporting items, counts only, perturbed by the
  cell-key method for periods of the publication grid (``tsunagiai.analytics.cellkey``, ``grid``),
  except for the coordination section, which sees every record anyway (exact, any dates);
- auditors and volunteers: none (403).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import TYPE_CHECKING, Any

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tsunagiai.accounts import access
from tsunagiai.analytics import cellkey, grid
from tsunagiai.audit.actions import record_audit_event, record_read
from tsunagiai.audit.basis import scope_basis
from tsunagiai.core.eras import DateStyle, format_date
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.reports import exports, params, queries
from tsunagiai.reports.actions import do_request_intake_export
from tsunagiai.reports.models import ExportJob
from tsunagiai.reports.params import ParamError
from tsunagiai.reports.writers import CsvEncoding, Table, csv_stream, write_xlsx

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

SUPPRESSION_NOTE = _(
    "Each figure has a small random adjustment (up to ±4, always the same for the same records) so that nobody"
    ' can be identified by comparing figures; a figure under 5 is shown as "<5". Totals are adjusted as figures of'
    " their own, so they may differ from the sum of the rows; shares are computed from the figures shown."
)
TOTAL = pgettext_lazy("sum of a row or column", "Total")


def _bad_request(request: AuthenticatedRequest, error: ParamError) -> HttpResponse:
    return render(request, "reports/error.html", {"message": str(error)}, status=400)


def _exact_counts(user: User) -> bool:
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


def intake_export(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """The intakes the user may see, received in ``from``–``to``, as CSV or xlsx (audited).

    Up to ``REPORTS_BACKGROUND_EXPORT_ROWS`` rows are sent at once; more are written by a background job
    and the user is sent to its page (progress, then the download link)."""
    try:
        export = exports.IntakeExport.from_query(request.GET, request.user, timezone.localdate())
    except ParamError as error:
        return _bad_request(request, error)
    queryset = exports.intake_queryset(request.user, export)
    count = queryset.count()
    if count > exports.background_threshold():
        job = do_request_intake_export(export, acting_user=request.user, count=count)
        return redirect("reports:job_detail", job_id=job.pk)
    record_audit_event(
        "reports.export",
        acting_user=request.user,
        object_type="intake.intake",  # rows of intakes: a list read, on the grounds of the user's scope
        basis=scope_basis(request.user),
        changes={
            "export": "intakes",
            "rows": count,
            "format": export.fmt,
            "from": str(export.start),
            "to": str(export.end),
        },  # fmt: skip
        note=f"受付一覧 {count}件",  # the audit log is a record kept in the office's language
    )
    table = exports.intake_table(exports.intake_rows(queryset))
    return table_response(table, export.fmt, export.dates, export.filename)


def _own_job(request: AuthenticatedRequest, job_id: int) -> ExportJob:
    """The job, if the user asked for it; anyone else's is 404, exactly like one that does not exist."""
    job = ExportJob.objects.filter(pk=job_id, requested_by_id=request.user.pk).first()
    if job is None:
        raise Http404
    return job


def job_detail(request: AuthenticatedRequest, job_id: int) -> HttpResponse:
    """A background export: its progress (htmx polls the status every 2 s until it ends), then the
    download link and the number of rows; a failed job says so and offers no file."""
    job = _own_job(request, job_id)
    context = {"job": job, "parameters": _job_parameters(job)}
    if request.headers.get("HX-Request"):
        return render(request, "reports/job.html#status", context)
    return render(request, "reports/job.html", context)


def _job_parameters(job: ExportJob) -> dict[str, str]:
    stored = job.parameters
    dates: DateStyle = "western" if stored.get("dates") == "western" else "era"
    try:
        start, end = dt.date.fromisoformat(str(stored.get("from"))), dt.date.fromisoformat(str(stored.get("to")))
    except ValueError:
        return {}
    return {"start": format_date(start, dates), "end": format_date(end, dates)}


def job_download(request: AuthenticatedRequest, job_id: int) -> HttpResponse | FileResponse:
    """The job's file, for its requester only (404 for anyone else), while it is kept (audited)."""
    job = _own_job(request, job_id)
    path = exports.job_file(job) if job.downloadable else None
    if path is None or not path.is_file():
        context = {"job": job, "parameters": _job_parameters(job)}
        return render(request, "reports/job.html", context, status=410 if job.expired else 404)
    record_audit_event(
        "reports.export_downloaded",
        acting_user=request.user,
        obj=job,
        basis=scope_basis(request.user),
        changes={"export": job.kind, "rows": job.row_count, "format": job.format},
        note=f"受付一覧 {job.row_count}件 (ダウンロード)",  # the audit log is a record kept in the office's language
    )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=exports.CONTENT_TYPES.get(job.format, "application/octet-stream"),
    )


# --- count tables (counts only, perturbed) -----------------------------------------------


def _exact_count_rows(matrix: queries.CountMatrix) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [label, *values, sum(values)] for label, values in zip(matrix.row_labels, matrix.values, strict=True)
    ]
    column_totals = [sum(column) for column in zip(*matrix.values, strict=True)] if matrix.values else []
    rows.append([str(TOTAL), *column_totals, sum(column_totals)])
    return rows


def _published_count_rows(matrix: queries.CellMatrix, exact: bool) -> list[list[Any]]:
    def shown(cell: Any) -> Any:
        figure = cellkey.published(cell.n, cell.key_sum, exact=exact)
        return figure.value if figure.value is not None else figure.display

    rows: list[list[Any]] = [
        [label, *(shown(c) for c in cells), shown(row_total)]
        for label, cells, row_total in zip(matrix.row_labels, matrix.cells, matrix.row_totals, strict=True)
    ]
    rows.append([str(TOTAL), *(shown(c) for c in matrix.column_totals), shown(matrix.grand_total)])
    return rows


def count_export(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """Consultations in a period by area (``level``) × ``by`` (channel, consulter, window).

    Perturbed by the cell-key method, for a period of the publication grid (``period``, or ``from``/``to``
    that are exactly one); exact, for any dates, for the coordination section."""
    exact = _exact_counts(request.user)
    try:
        fmt = params.table_format(request.GET)
        dates = params.date_style(request.GET, request.user)
        chosen = params.grid_period(request.GET, timezone.localdate(), exact=exact)
        level = params.choice(request.GET, "level", gettext("Area level"), queries.AREA_LEVELS, "branch")
        by = params.choice(request.GET, "by", gettext("Columns"), queries.COUNT_DIMENSIONS, "channel")
    except ParamError as error:
        return _bad_request(request, error)
    if isinstance(chosen, tuple):  # exact users' free dates
        start, end = chosen
        matrix = queries.consultation_matrix(queries.Period(start, end + dt.timedelta(days=1)), level, by)
        heading, columns, rows, notes = matrix.row_heading, matrix.column_labels, _exact_count_rows(matrix), []
    else:
        start, end = chosen.start, chosen.last_day
        cells = queries.consultation_cells(chosen, level, by)
        heading, columns = cells.row_heading, cells.column_labels
        rows = _published_count_rows(cells, exact)
        notes = [] if exact else [str(SUPPRESSION_NOTE)]
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
        [heading, *columns, str(TOTAL)],
        rows,
        sheet_name=name,
        notes=[period_note, *notes],
    )
    return table_response(table, fmt, dates, f"{name}_{start:%Y%m%d}-{end:%Y%m%d}")


# --- the national reporting items ------------------------------------------------------


def national_export(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    """The 重層的支援体制整備事業 items for fiscal year ``fy`` with their definitions."""
    try:
        fmt = params.table_format(request.GET)
        dates = params.date_style(request.GET, request.user)
        fiscal_year = params.fiscal_year(request.GET, timezone.localdate())
    except ParamError as error:
        return _bad_request(request, error)
    items = queries.national_items(fiscal_year)
    exact = _exact_counts(request.user)

    no_data = gettext("No data")

    def shown(item: queries.NationalItem) -> Any:
        if item.value is None:
            return no_data
        figure = cellkey.published(item.value.n, item.value.key_sum, exact=exact or item.public)
        return figure.value if figure.value is not None else figure.display

    period = queries.fiscal_year_period(fiscal_year)
    rows = [[item.project, item.item, shown(item), item.unit, item.definition] for item in items]
    record_audit_event(
        "reports.export", acting_user=request.user, changes={"export": "national", "fy": fiscal_year, "format": fmt}
    )
    notes = [
        gettext("Period covered: %(start)s to %(end)s")
        % {"start": format_date(period.start, dates), "end": format_date(period.last_day, dates)}
    ]
    if not exact:
        notes.append(str(SUPPRESSION_NOTE))
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


def pdf_response(request: AuthenticatedRequest, template: str, context: dict[str, Any], filename: str) -> HttpResponse:
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


def monthly_report(request: AuthenticatedRequest) -> HttpResponse:
    """月次報告: consultations per window, sources, and by branch area, for the month and the fiscal
    year to date (counts only; perturbed by the cell-key method, exact for the coordination section;
    shares computed from the figures shown)."""
    try:
        dates = params.date_style(request.GET, request.user)
        year, month = params.a_month(request.GET, timezone.localdate())
    except ParamError as error:
        return _bad_request(request, error)
    figures = queries.monthly_figures(year, month)
    exact = _exact_counts(request.user)

    def figure(cell: Any) -> cellkey.Figure:
        return cellkey.published(cell.n, cell.key_sum, exact=exact)

    def shown(cell: Any) -> str:
        return figure(cell).display

    def pct(part: Any, whole: Any) -> str:
        return cellkey.share(figure(part), figure(whole))

    windows = [(line.label, shown(line.month), shown(line.year)) for line in figures.windows]
    sources = [
        (
            line.label,
            shown(line.month),
            pct(line.month, figures.total.month),
            shown(line.year),
            pct(line.year, figures.total.year),
        )
        for line in figures.sources
    ]
    areas = [
        {
            "label": line.label,
            "consultations": (shown(line.consultations.month), shown(line.consultations.year)),
            "new_households": (shown(line.new_households.month), shown(line.new_households.year)),
            "cases_opened": shown(line.cases_opened.year),
            "multi_issue": pct(line.multi_issue.year, line.cases_opened.year),
            "community": pct(line.community_sources.year, line.consultations.year),
        }
        for line in figures.areas
    ]
    window_kinds = [
        {
            "label": line.label,
            "month": (
                shown(line.consultations.month),
                shown(line.community_sources.month),
                pct(line.community_sources.month, line.consultations.month),
            ),
            "year": (
                shown(line.consultations.year),
                shown(line.community_sources.year),
                pct(line.community_sources.year, line.consultations.year),
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


def _case_context(request: AuthenticatedRequest, case_id: int) -> tuple[Any, DateStyle]:
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


def case_summary(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
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


def support_plan(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    """支援プラン: the current revision (goals, actions, review date, agreement)."""
    try:
        case, dates = _case_context(request, case_id)
    except ParamError as error:
        return _bad_request(request, error)
    record_read(request, case, action="reports.support_plan_pdf")
    title = gettext("Support plan")
    context = {"dates": dates, "title": title, "case": case, "revision": _current_revision(case)}
    return pdf_response(request, "reports/pdf/support_plan.html", context, f"{title}_{case.pk}")


def index(request: AuthenticatedRequest) -> HttpResponse:
    """What the user may export (the ``REPORTS`` rule refuses, 403, those who may export nothing)."""
    staff = access.is_staff_member(request.user)
    aggregates = access.may_view_aggregates(request.user)
    today = timezone.localdate()
    style = getattr(request.user, "date_style", "era") or "era"
    return render(
        request,
        "reports/index.html",
        {
            "staff": staff,
            "aggregates": aggregates,
            "exact": _exact_counts(request.user),
            "periods": grid.choices(dt.date(today.year - 5, 4, 1), today, style) if aggregates else [],
            "this_year": grid.current_fiscal_year(today).code,
            "this_month": f"{today:%Y-%m}",
            "fiscal_year": queries.fiscal_year_of(today),
            "jobs": list(ExportJob.objects.filter(requested_by_id=request.user.pk).order_by("-created_at")[:10])
            if staff
            else [],
        },
    )
