"""The routers each domain app contributes to /api/v1."""

from __future__ import annotations

from ninja import NinjaAPI


def register_routers(api: NinjaAPI) -> None:
    from tsunagiai.consent.api import router as consent_router
    from tsunagiai.intake.api import router as intake_router
    from tsunagiai.people.api import router as people_router
    from tsunagiai.reference.api import router as reference_router
    from tsunagiai.support.api import router as support_router

    api.add_router("/reference", reference_router)
    api.add_router("/", people_router)
    api.add_router("/intakes", intake_router)
    api.add_router("/cases", "tsunagiai.cases.api.router")
    api.add_router("/referrals", "tsunagiai.referrals.api.router")
    api.add_router("/", consent_router)
    api.add_router("/support", support_router)
    api.add_router("/audit", "tsunagiai.audit.api.router")
    api.add_router("/triage", "tsunagiai.triage.api.router")
    api.add_router("/community", "tsunagiai.community.api.router")
    api.add_router("/regional", "tsunagiai.regional.api.router")

    from tsunagiai.accounts.access import declare_api_rules

    declare_api_rules(api)
