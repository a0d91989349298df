"""Referral pages: send from an intake or a case, read (both sides), move the state, list with metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.consent.links import record_consent_links
from tsunagiai.consent.models import InformationScope
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.forms import add_action_errors
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.emergency.views import read_only_refusal
from tsunagiai.reference.models import Organisation
from tsunagiai.reference.routing import suggest
from tsunagiai.reference.selectors import organisation_directory, organisations_covering
from tsunagiai.referrals import selectors
from tsunagiai.referrals.actions import (
    do_mark_seen,
    do_send_referral,
    do_transition_referral,
)
from tsunagiai.referrals.forms import ReferralFilterForm, ReferralForm, TransitionForm
from tsunagiai.referrals.models import (
    REASON_REQUIRED,
    TRANSITIONS,
    ConsentMissing,
    IllegalTransition,
    Referral,
    SharedSection,
    Status,
)

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

PAGE_SIZE = 25


# --- sending -------------------------------------------------------------------

# The kinds of information (consent.InformationScope) each shared section carries: what a consent
# recorded from a refused referral is preselected to cover.
SECTION_INFORMATION: dict[str, str] = {
    SharedSection.PERSON_BASIC: InformationScope.BASIC,
    SharedSection.CONTACT: InformationScope.BASIC,
    SharedSection.HOUSEHOLD: InformationScope.BASIC,
    SharedSection.CONCERN: InformationScope.HISTORY,
    SharedSection.CATEGORIES: InformationScope.HISTORY,
    SharedSection.HISTORY: InformationScope.HISTORY,
}


def _consent_links(
    request: AuthenticatedRequest,
    people: list[Any],
    to_organisation: Organisation,
    sections: list[str],
    *,
    reason: str,
    next_url: str = "",
) -> list[dict[str, Any]]:
    """For a referral without consent: 「同意を記録する」 per person whose consent the user may record.

    The consent form comes with the receiving organisation and the shared kinds of information
    preselected, returning to ``next_url`` (default: this page); ``reason`` has a ``%(name)s``.
    """
    return record_consent_links(
        request,
        people,
        organisations=[to_organisation],
        information=[SECTION_INFORMATION[s] for s in sections if s in SECTION_INFORMATION],
        next_url=next_url or request.get_full_path(),
        reason=lambda person: reason % {"name": person.full_name},
    )


def _sending_organisation(user: User, preferred_id: int | None) -> Organisation:
    edit_ids = access.organisation_ids(user, access.EDIT_ROLES)
    if not edit_ids:
        raise PermissionDenied
    chosen = preferred_id if preferred_id in edit_ids else min(edit_ids)
    return Organisation.objects.get(pk=chosen)


def _directory(request: AuthenticatedRequest, place: Any, suggested: list[str]) -> tuple[QuerySet[Organisation], str]:
    """Organisations to choose from: of the chosen (default: the suggested) agency types, covering the area."""
    agency_type = request.GET.get("agency_type", "")
    organisations = organisations_covering(place) if place is not None else organisation_directory()
    # "all" shows every type; otherwise the chosen type, or else the suggested ones.
    if agency_type and agency_type != "all":
        organisations = organisations.filter(agency_type_id=agency_type)
    elif not agency_type and suggested:
        organisations = organisations.filter(agency_type_id__in=suggested)
    return organisations.select_related("agency_type"), agency_type


def _suggested_by_label(
    suggestion: Any, agency_types: list[Any], organisations: QuerySet[Organisation]
) -> dict[str, Any]:
    """The routing suggestion in words: agency types by their labels, with the organisations of each type listed."""
    labels = {t.code: t.label for t in agency_types}
    codes = [suggestion.lead, *suggestion.agencies] if suggestion.lead else list(suggestion.agencies)
    names: dict[str, list[str]] = {}
    for org in organisations.filter(agency_type_id__in=codes).order_by("name"):
        names.setdefault(org.agency_type_id, []).append(org.name)

    def entry(code: str) -> dict[str, Any]:
        return {"label": labels.get(code, _("Other agency")), "organisations": names.get(code, [])}

    return {
        "lead": entry(suggestion.lead) if suggestion.lead else None,
        "agencies": [entry(code) for code in suggestion.agencies],
    }


def _previous(request: AuthenticatedRequest, user: User) -> Referral | None:
    raw = request.POST.get("previous") or request.GET.get("previous")
    if not raw:
        return None
    previous = access.access_referral(user, raw, for_edit=True)
    return previous if previous.status == Status.DECLINED else None


def _send(
    request: AuthenticatedRequest,
    *,
    subject: dict[str, Any],
    categories: list[str],
    urgency: str | None,
    place: Any,
    preferred_org: int | None,
    back_url: str,
) -> HttpResponse:
    if not access.may_send_referral(request.user):
        raise PermissionDenied
    sender = _sending_organisation(request.user, preferred_org)
    suggestion = suggest(categories, urgency=urgency)
    organisations, agency_type = _directory(request, place, suggestion.agencies)
    organisations = organisations.exclude(pk=sender.pk)
    previous = _previous(request, request.user)
    consent_needed: list[dict[str, Any]] | None = None
    form = ReferralForm(
        request.POST or None,
        organisations=organisations,
        initial={"previous": previous.pk if previous else None, "shared_sections": ["concern", "categories"]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = do_send_referral(
                acting_user=request.user,
                from_organisation=sender,
                to_organisation=data["to_organisation"],
                reason=data["reason"],
                request=data["request"],
                shared_sections=data["shared_sections"],
                sharing_basis=data["sharing_basis"],
                sharing_note=data["sharing_note"],
                previous=previous,
                **subject,
            )
        except ConsentMissing as exc:
            add_action_errors(form, exc)
            consent_needed = _consent_links(
                request,
                exc.people,
                data["to_organisation"],
                data["shared_sections"],
                reason=_("No consent of %(name)s on record covers this organisation."),
            )
        except ActionRefused as exc:
            add_action_errors(form, exc)
        except access.NotLinkable as refused:
            return read_only_refusal(request, refused)
        else:
            messages.success(request, _("The referral was sent."))
            return redirect("referrals:detail", referral_id=referral.pk)
    from tsunagiai.reference.selectors import active_agency_types

    agency_types = list(active_agency_types())
    return render(
        request,
        "referrals/create.html",
        {
            "form": form,
            "sender": sender,
            "subject": subject,
            "suggestion": suggestion,
            "suggested": _suggested_by_label(
                suggestion,
                agency_types,
                (organisations_covering(place) if place is not None else organisation_directory()).exclude(
                    pk=sender.pk
                ),
            ),
            "agency_types": agency_types,
            "agency_type": agency_type,
            "back_url": back_url,
            "previous": previous,
            "consent_needed": consent_needed,
        },
    )


@require_http_methods(["GET", "POST"])
def create_from_intake(request: AuthenticatedRequest, intake_id: int) -> HttpResponse:
    intake = access.access_intake(request.user, intake_id)
    categories = list(intake.categories.values_list("code", flat=True))
    place = (
        intake.town_block or getattr(intake.person, "town_block", None) or getattr(intake.household, "town_block", None)
    )
    if request.method != "POST" and access.may_send_referral(request.user):
        record_read(request, intake, action="intake.viewed")
    return _send(
        request,
        subject={"intake": intake, "person": intake.person, "household": intake.household},
        categories=categories,
        urgency=intake.urgency_id,
        place=place,
        preferred_org=intake.receiving_organisation_id,
        back_url=f"/intakes/{intake.pk}/",
    )


@require_http_methods(["GET", "POST"])
def create_from_case(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    from tsunagiai.reference.models import IssueCategory

    case = access.access_case(request.user, case_id)
    if access.emergency_only(request.user, case):
        # An emergency access is for reading: a referral would carry the case beyond the grant.
        return read_only_refusal(request, access.NotLinkable("case_id", "case"))
    categories = list(IssueCategory.objects.filter(intake__cases=case).values_list("code", flat=True).distinct())
    if request.method != "POST" and access.may_send_referral(request.user):
        record_read(request, case, action="case.viewed")
    household = case.household
    return _send(
        request,
        subject={"case": case, "household": household},
        categories=categories,
        urgency=None,
        place=household.town_block,
        preferred_org=case.lead_organisation_id,
        back_url="",
    )


# --- reading and moving the state -------------------------------------------------


def _detail_context(request: AuthenticatedRequest, referral: Referral, **extra: Any) -> dict[str, Any]:
    sides = access.referral_sides(request.user, referral)
    buttons = [to for (frm, to), side in TRANSITIONS.items() if frm == referral.status and side in sides]
    before_acceptance = referral.accepted_at is None
    recipient_only = "recipient" in sides and not access.is_coordination(request.user) and "sender" not in sides
    # Declined, cancelled, or its consent withdrawn or expired: the receiving side sees the
    # referral's existence, dates and codes only (access.may_see_referral_shared_sections).
    withheld = not access.may_see_referral_shared_sections(request.user, referral)
    context: dict[str, Any] = {
        "referral": referral,
        "withheld": withheld,
        "events": [(event, not withheld) for event in referral.events.all()],
        "sides": sides,
        "transitions": [(to, Status(to).label, to in REASON_REQUIRED) for to in buttons],
        "need_to_know": before_acceptance and recipient_only,
        "recipient_only": recipient_only,
        "shared_labels": [
            SharedSection(code).label for code in referral.shared_sections if code in SharedSection.values
        ],
        "categories": list(referral.intake.categories.all())
        if referral.intake_id and referral.intake and not withheld
        else [],
        "history": [] if withheld else selectors.shared_history(referral),
        "alternatives": selectors.referral_alternatives(referral)
        if referral.status == Status.DECLINED and "sender" in sides
        else [],
        "form": TransitionForm(initial={"version": referral.version, "contact_at": timezone.localtime()}),
        # A consent withdrawn or expired since sending: the referring side may record a new one and go on.
        "consent_needed": _consent_links(
            request,
            [referral.person],
            referral.to_organisation,
            list(referral.shared_sections),
            reason=_(
                "No consent of %(name)s in force covers the receiving organisation any more: "
                "the referral cannot go further until a new consent is recorded."
            ),
            next_url=reverse("referrals:detail", args=[referral.pk]),
        )
        if referral.person is not None
        and referral.is_open
        and "sender" in sides
        and not access.referral_basis_holds(referral)
        else [],
    }
    context.update(extra)
    return context


def referral_detail(request: AuthenticatedRequest, referral_id: int) -> HttpResponse:
    referral = access.access_referral(request.user, referral_id)
    record_read(request, referral, action="referral.viewed")
    do_mark_seen(referral, acting_user=request.user)
    referral = selectors.referral_detail(request.user, referral_id)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


@require_POST
def referral_transition(request: AuthenticatedRequest, referral_id: int) -> HttpResponse:
    referral = access.access_referral(request.user, referral_id)
    form = TransitionForm(request.POST)
    status = 200
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_transition_referral(
                referral,
                data["to"],
                acting_user=request.user,
                reason_code=data["reason_code"],
                note=data["note"],
                outcome_code=data["outcome_code"],
                outcome_text=data["outcome_text"],
                expected_version=data["version"],
                contact_at=data["contact_at"],
            )
        except IllegalTransition as exc:
            error, status = str(exc), 422
        except ActionRefused as exc:
            add_action_errors(form, exc)
            status = 422
        except EditConflict as exc:
            error, status = str(exc), 409 if request.htmx else 200
        else:
            messages.success(request, _("The referral is now “%(status)s”.") % {"status": Status(data["to"]).label})
            return redirect("referrals:detail", referral_id=referral.pk)
    else:
        status = 422
    referral = selectors.referral_detail(request.user, referral_id)
    context = _detail_context(request, referral, form=form, error=error)
    return render(request, "referrals/detail.html", context, status=status)


# --- the list ------------------------------------------------------------------------


def referral_list(request: AuthenticatedRequest) -> HttpResponse:
    form = ReferralFilterForm(request.GET or None)
    direction = status = ""
    if form.is_valid():
        direction, status = form.cleaned_data["direction"], form.cleaned_data["status"]
    queryset = selectors.referral_list(request.user, direction=direction, status=status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {"direction": direction, "status": status}
    record_list(request, "referral.listed", model=Referral, count=page.paginator.count, filters=filters)
    metrics = selectors.referral_metrics(queryset)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/list.html",
        {"form": form, "page": page, "metrics": metrics, "query": query.urlencode()},
    )
