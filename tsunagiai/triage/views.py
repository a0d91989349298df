"""The suggestion panel beside an intake form's concern (htmx partial)."""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagiai.accounts import access
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.triage import selectors
from tsunagiai.triage.forms import SuggestForm

logger = logging.getLogger(__name__)


@require_POST
def suggest(request: AuthenticatedRequest) -> HttpResponse:
    """The suggestion for the concern typed so far: staff see it all, volunteers the categories and urgency only.

    Never stored: the intake's own save recomputes it from the saved text.
    """
    user = request.user
    # Past the INTAKE_FORMS gate: otherwise a community volunteer, who sees neither the routing (lead, agencies,
    # organisations), similar intakes nor the model version.
    staff = access.may_record_intake(user)
    form = SuggestForm(request.POST)
    if not form.is_valid():
        errors = [str(message) for messages in form.errors.values() for message in messages]
        return render(request, "triage/panel.html#panel", {"error": " ".join(errors), "staff": staff})
    data = form.cleaned_data
    text = data["concern"] or ""
    # The household as it is now: the person chosen on the form, else (an intake's edit page) the intake's person.
    household = (
        selectors.household_of(user, person_id=data["person_id"], intake_id=data["triage_intake_id"]) if staff else None
    )
    try:
        view = selectors.suggestion_view(
            user,
            text=text,
            town_block=selectors.town_block_by_pk(data["town_block"]) if staff else None,
            household=household,
            exclude_intake_id=data["triage_intake_id"],
            with_similar=staff,
        )
    except ValueError:
        return render(
            request,
            "triage/panel.html#panel",
            {"error": _("Concern: the text is too long to suggest."), "staff": staff},
        )
    except Exception:  # a missing or broken model must not break the form staff are filling in
        logger.exception("triage panel: the engine failed")
        error = _("the suggestion is not available now. Choose the categories and urgency yourself.")
        return render(request, "triage/panel.html#panel", {"error": error, "staff": staff})
    context = {"triage": view, "staff": staff, "typed": bool(text.strip())}
    return render(request, "triage/panel.html#panel", context)
