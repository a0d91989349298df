"""People and household pages: search, read, register, correct, and the household's members over time."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.forms import add_action_errors, error_summary
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.people import selectors
from tsunagiai.people.actions import (
    ANY_CURRENT_HOUSEHOLD,
    do_add_household_member,
    do_add_related_person,
    do_create_household,
    do_create_person,
    do_end_household_membership,
    do_register_household_member,
    do_update_household,
    do_update_person,
)
from tsunagiai.people.forms import (
    EndMembershipForm,
    HouseholdEditForm,
    HouseholdForm,
    HouseholdSearchForm,
    MemberFactsForm,
    MembershipForm,
    NewMemberForm,
    OrganisationForm,
    PersonEditForm,
    PersonForm,
    PersonSearchForm,
    RelatedPersonForm,
)
from tsunagiai.people.models import Household, Person
from tsunagiai.people.patterns import PATTERN_FACT_FIELDS

PAGE_SIZE = 25
SEARCH_MAX_LENGTH = 100


# --- helpers ---------------------------------------------------------------


def _page(request: AuthenticatedRequest, items: Any, query: str) -> Page[Any]:
    one_query = selectors.total_with_the_page(request.user, query)
    return selectors.page_with_total(items, request.GET.get("page"), PAGE_SIZE, in_one_query=one_query)


def invalid_status(*forms_: forms.BaseForm) -> int:
    """400 when a sent form comes back with errors (the input kept, nothing stored), else 200."""
    return 400 if any(form.is_bound and form.errors for form in forms_) else 200


def _with_version(data: QueryDict, version: int, prefix: str | None = None) -> QueryDict:
    fresh = data.copy()
    fresh[f"{prefix}-version" if prefix else "version"] = str(version)
    return fresh


def _differences(form: forms.BaseForm, latest: Any, names: list[str]) -> list[dict[str, Any]]:
    """Fields where what the user typed differs from what is saved now (shown beside a conflict)."""
    result = []
    cleaned = getattr(form, "cleaned_data", {}) or {}
    for name in names:
        if name not in cleaned:
            continue
        saved = getattr(latest, name)
        if saved != cleaned[name]:
            display = getattr(latest, f"get_{name}_display", None)
            result.append({"label": form.fields[name].label, "saved": display() if display else saved})
    return result


# --- people ------------------------------------------------------------------


@require_GET
def person_search(request: AuthenticatedRequest) -> HttpResponse:
    """Search people as you type, by name, kana or birth date; filter by area and age band."""
    form = PersonSearchForm(request.GET or None)
    query, area_id, age_band = "", None, ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"].strip()[:SEARCH_MAX_LENGTH]
        area = form.cleaned_data["area"]
        area_id = area.pk if area else None
        age_band = form.cleaned_data["age_band"]
    searched = bool(query or area_id or age_band)
    people = selectors.person_list(request.user, query=query, area_id=area_id, age_band=age_band)
    page = _page(request, people.only(*selectors.LISTED_FIELDS), query)
    filters = {"q": query, "area": area_id, "age_band": age_band}
    record_list(request, "person.listed", model=Person, count=page.paginator.count, filters=filters)
    context = {
        "form": form,
        "page": page,
        "searched": searched,
        "errors": error_summary(form) if form.is_bound else [],
    }
    if request.htmx:
        return render(request, "people/search.html#results", context)
    return render(request, "people/search.html", context)


@require_GET
def person_detail(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = access.access_person(request.user, person_id)
    record_read(request, person, action="person.viewed")
    context = {
        "person": person,
        "membership": selectors.current_membership(person),
        "past_memberships": selectors.past_memberships(person),
        "related_people": selectors.related_people_of(person),
        "intakes": selectors.intakes_about_person(request.user, person),
        "may_edit": access.editable_people(request.user, among=[person.pk]).exists(),
    }
    return render(request, "people/person_detail.html", context)


@require_http_methods(["GET", "POST"])
def person_create(request: AuthenticatedRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    org_form = OrganisationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid() and org_form.is_valid():
        person = do_create_person(
            acting_user=request.user, organisation=org_form.cleaned_data["organisation"], **form.cleaned_data
        )
        messages.success(request, _("%(name)s was registered.") % {"name": person.full_name})
        return redirect("people:person_detail", person_id=person.pk)
    context = {"form": form, "org_form": org_form, "errors": error_summary(form, org_form) if form.is_bound else []}
    return render(request, "people/person_form.html", context, status=invalid_status(form, org_form))


@require_http_methods(["GET", "POST"])
def person_edit(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = access.access_person(request.user, person_id, for_edit=True)
    if request.method != "POST":
        record_read(request, person, action="person.viewed")
        form = PersonEditForm(instance=person, initial={"version": person.version})
        return render(request, "people/person_form.html", {"form": form, "person": person})
    form = PersonEditForm(request.POST, instance=person)
    status = 200
    context: dict[str, Any] = {"person": person}
    if form.is_valid():
        fields = form.person_fields()
        try:
            do_update_person(person, acting_user=request.user, expected_version=form.cleaned_data["version"], **fields)
        except EditConflict as conflict:
            latest = access.access_person(request.user, person_id, for_edit=True)
            context["conflict"] = str(conflict)
            context["differences"] = _differences(form, latest, list(fields))
            # The user's input stays; saving again deliberately applies it over the latest version.
            form = PersonEditForm(_with_version(request.POST, latest.version), instance=latest)
            form.is_valid()
            context["person"] = latest
            status = 409 if request.htmx else 200
        else:
            messages.success(request, _("The changes were saved."))
            # Sent from the household page's "what is missing" link: back there, to see the patterns judged.
            back = selectors.household_to_return_to(request.user, person, request.GET.get("household"))
            if back is not None:
                return redirect("people:household_detail", household_id=back.pk)
            return redirect("people:person_detail", person_id=person.pk)
    context.update({"form": form, "errors": error_summary(form) if "conflict" not in context else []})
    return render(request, "people/person_form.html", context, status=status if "conflict" in context else 400)


@require_http_methods(["GET", "POST"])
def related_person_add(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = access.access_person(request.user, person_id, for_edit=True)
    if request.method != "POST":
        record_read(request, person, action="person.viewed")
    form = RelatedPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        do_add_related_person(person, acting_user=request.user, **form.cleaned_data)
        messages.success(request, _("The related person was added."))
        return redirect("people:person_detail", person_id=person.pk)
    errors = error_summary(form) if form.is_bound else []
    context = {"form": form, "person": person, "errors": errors}
    return render(request, "people/related_person_form.html", context, status=invalid_status(form))


# --- households -----------------------------------------------------------------


@require_GET
def household_list(request: AuthenticatedRequest) -> HttpResponse:
    form = HouseholdSearchForm(request.GET or None)
    query, area_id = "", None
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"].strip()[:SEARCH_MAX_LENGTH]
        area = form.cleaned_data["area"]
        area_id = area.pk if area else None
    page = _page(request, selectors.household_list(request.user, query=query, area_id=area_id), query)
    filters = {"q": query, "area": area_id}
    record_list(request, "household.listed", model=Household, count=page.paginator.count, filters=filters)
    context = {
        "form": form,
        "page": page,
        "errors": error_summary(form) if form.is_bound else [],
    }
    if request.htmx:
        return render(request, "people/household_list.html#results", context)
    return render(request, "people/household_list.html", context)


@require_GET
def household_detail(request: AuthenticatedRequest, household_id: int) -> HttpResponse:
    # The address line shows the town block and three of its areas: read with the household.
    household, may_edit = access.access_household_and_may_edit(
        request.user, household_id, select_related=selectors.HOUSEHOLD_PLACE
    )
    record_read(request, household, action="household.viewed")
    view = selectors.household_view(request.user, household)
    # Whose facts the "what is missing" links may lead to correcting: the current members of a household
    # the user may edit are people the user may edit, but for a suspended one (no query).
    members = [m.person for m in view.current_memberships]
    editable_member_ids = access.editable_current_members(request.user, members) if may_edit else set()
    context = {"view": view, "household": household, "may_edit": may_edit, "editable_member_ids": editable_member_ids}
    return render(request, "people/household_detail.html", context)


@require_http_methods(["GET", "POST"])
def household_create(request: AuthenticatedRequest) -> HttpResponse:
    head: Person | None = None
    head_id = request.POST.get("head") or request.GET.get("head")
    if head_id:
        head = access.access_person(request.user, head_id, for_edit=True)  # type: ignore[arg-type]
        if request.method != "POST":
            record_read(request, head, action="person.viewed")
    initial = {}
    if head is not None:
        initial = {"name": _("%(family_name)s household") % {"family_name": head.family_name}}
        initial.update({"town_block": head.town_block_id, "address_line": head.address_line})  # type: ignore[dict-item]
    form = HouseholdForm(request.POST or None, initial=initial)
    org_form = OrganisationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid() and org_form.is_valid():
        members = [(head, "head")] if head is not None else []
        household = do_create_household(
            acting_user=request.user,
            organisation=org_form.cleaned_data["organisation"],
            members=members,
            **form.cleaned_data,
        )
        messages.success(request, _("The household was registered."))
        return redirect("people:household_detail", household_id=household.pk)
    context = {
        "form": form,
        "org_form": org_form,
        "head": head,
        "errors": error_summary(form, org_form) if form.is_bound else [],
    }
    return render(request, "people/household_form.html", context, status=invalid_status(form, org_form))


@require_http_methods(["GET", "POST"])
def household_edit(request: AuthenticatedRequest, household_id: int) -> HttpResponse:
    household = access.access_household(request.user, household_id, for_edit=True)
    if request.method != "POST":
        record_read(request, household, action="household.viewed")
        form = HouseholdEditForm(instance=household, initial={"version": household.version})
        return render(request, "people/household_form.html", {"form": form, "household": household})
    form = HouseholdEditForm(request.POST, instance=household)
    context: dict[str, Any] = {"household": household}
    status = 200
    if form.is_valid():
        fields = form.household_fields()
        try:
            do_update_household(
                household, acting_user=request.user, expected_version=form.cleaned_data["version"], **fields
            )
        except EditConflict as conflict:
            latest = access.access_household(request.user, household_id, for_edit=True)
            context["conflict"] = str(conflict)
            context["differences"] = _differences(form, latest, list(fields))
            form = HouseholdEditForm(_with_version(request.POST, latest.version), instance=latest)
            form.is_valid()
            context["household"] = latest
            status = 409 if request.htmx else 200
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("people:household_detail", household_id=household.pk)
    context.update({"form": form, "errors": error_summary(form) if "conflict" not in context else []})
    return render(request, "people/household_form.html", context, status=status if "conflict" in context else 400)


def _names_a_fact(error: ValidationError) -> bool:
    """Whether an action's refusal is about one of the person's facts (put on that form) rather than the membership."""
    return hasattr(error, "error_dict") and bool(set(error.error_dict) & set(PATTERN_FACT_FIELDS))


def _membership_context(household: Household, **extra: Any) -> dict[str, Any]:
    return {"household": household, **extra}


@require_http_methods(["GET", "POST"])
def household_member_add(request: AuthenticatedRequest, household_id: int) -> HttpResponse:
    """Add a registered person (found with the search partial) to the household."""
    household = access.access_household(request.user, household_id, for_edit=True)
    if request.method == "GET" and request.htmx:
        query = (request.GET.get("q") or "").strip()[:SEARCH_MAX_LENGTH]
        people = selectors.search_people(request.user, query, linkable_only=True) if query else []
        if query:
            filters = {"q": query, "household": household.pk}
            record_list(request, "person.listed", model=Person, count=len(people), filters=filters)
        return render(
            request, "people/member_add.html#candidates", {"household": household, "people": people, "q": query}
        )
    chosen: Person | None = None
    chosen_id = request.POST.get("person") or request.GET.get("person")
    if chosen_id:
        chosen = access.access_person(request.user, chosen_id, for_edit=True)  # type: ignore[arg-type]
    seen = selectors.current_membership(chosen) if chosen else None
    initial = {"person": chosen.pk if chosen else None, "current_household": seen.household_id if seen else 0}
    form = MembershipForm(request.POST or None, initial=initial)
    # The facts the household patterns read, asked here so that a pattern shows as soon as the member is added.
    facts_initial = {name: getattr(chosen, name) for name in PATTERN_FACT_FIELDS} if chosen else {}
    facts_form = MemberFactsForm(
        request.POST or None, prefix="facts", initial={**facts_initial, "version": chosen.version if chosen else None}
    )
    if request.method == "POST" and form.is_valid() and facts_form.is_valid():
        person = access.access_person(request.user, form.cleaned_data["person"], for_edit=True)
        expected = form.cleaned_data["current_household"]
        try:
            do_add_household_member(
                household,
                person,
                relationship=form.cleaned_data["relationship"],
                started_on=form.cleaned_data["started_on"],
                acting_user=request.user,
                expected_current_household_id=ANY_CURRENT_HOUSEHOLD if expected is None else (expected or None),
                facts=facts_form.changed_facts(person),
                facts_version=facts_form.cleaned_data["version"],
            )
        except ValidationError as error:
            add_action_errors(facts_form if _names_a_fact(error) else form, error)
        except EditConflict as conflict:
            # Moved or corrected meanwhile: the input stays, now based on where the person is and on their
            # latest facts' version (sending again applies it).
            latest = selectors.current_membership(person)
            rebased = request.POST.copy()
            rebased["current_household"] = str(latest.household_id if latest else 0)
            rebased["facts-version"] = str(access.access_person(request.user, person.pk, for_edit=True).version)
            form = MembershipForm(rebased)
            form.is_valid()
            form.add_error(None, str(conflict))
            facts_form = MemberFactsForm(rebased, prefix="facts")
            facts_form.is_valid()
        else:
            messages.success(request, _("%(name)s was added to the household.") % {"name": person.full_name})
            return redirect("people:household_detail", household_id=household.pk)
    query = (request.GET.get("q") or "").strip()[:SEARCH_MAX_LENGTH]
    people = selectors.search_people(request.user, query, linkable_only=True) if query else []
    if request.method != "POST":
        shown = {"q": query, "results": len(people) if query else None, "person": chosen.pk if chosen else None}
        details = {key: value for key, value in shown.items() if value is not None and value != ""}
        record_read(request, household, action="household.viewed", details=details)
    context = _membership_context(
        household,
        form=form,
        facts_form=facts_form,
        chosen=chosen,
        people=people,
        q=query,
        errors=error_summary(form, facts_form) if form.is_bound else [],
    )
    return render(request, "people/member_add.html", context, status=invalid_status(form, facts_form))


@require_http_methods(["GET", "POST"])
def household_member_create(request: AuthenticatedRequest, household_id: int) -> HttpResponse:
    """Register a new person straight into the household."""
    household = access.access_household(request.user, household_id, for_edit=True)
    if request.method != "POST":
        record_read(request, household, action="household.viewed")
    form = PersonForm(request.POST or None, prefix="person")
    member_form = NewMemberForm(request.POST or None, prefix="member")
    if request.method == "POST" and form.is_valid() and member_form.is_valid():
        if not household.town_block_id or form.cleaned_data.get("town_block"):
            data = form.cleaned_data
        else:
            data = {**form.cleaned_data, "town_block": household.town_block}
        try:
            person = do_register_household_member(
                household,
                acting_user=request.user,
                relationship=member_form.cleaned_data["relationship"],
                started_on=member_form.cleaned_data["started_on"],
                **data,
            )
        except ValidationError as error:
            add_action_errors(member_form, error)
        else:
            messages.success(request, _("%(name)s was added to the household.") % {"name": person.full_name})
            return redirect("people:household_detail", household_id=household.pk)
    context = _membership_context(
        household,
        form=form,
        member_form=member_form,
        errors=error_summary(form, member_form) if form.is_bound else [],
    )
    return render(request, "people/member_create.html", context, status=invalid_status(form, member_form))


@require_http_methods(["GET", "POST"])
def membership_end(request: AuthenticatedRequest, household_id: int, membership_id: int) -> HttpResponse:
    """Record that a member left the household (the membership stays as history)."""
    household = access.access_household(request.user, household_id, for_edit=True)
    membership = selectors.current_membership_of(household, membership_id)
    if request.method != "POST":
        record_read(request, household, action="household.viewed", person_id=membership.person_id)
    form = EndMembershipForm(request.POST or None, started_on=membership.started_on)
    if request.method == "POST" and form.is_valid():
        try:
            do_end_household_membership(
                membership,
                acting_user=request.user,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["end_reason"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("The membership was ended."))
            return redirect("people:household_detail", household_id=household.pk)
    errors = error_summary(form) if form.is_bound else []
    context = {"household": household, "membership": membership, "form": form, "errors": errors}
    return render(request, "people/membership_end.html", context, status=invalid_status(form))


def household_detail_url(household: Household) -> str:
    return reverse("people:household_detail", kwargs={"household_id": household.pk})
