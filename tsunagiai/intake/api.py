"""API operations (filled in by the app)."""

from ninja import Router

router = Router()
