"""The JSON API under /api/v1, with its generated OpenAPI 3 document.

Each domain app contributes a router from its ``api.py``; authentication and
the error format are the same for all of them (``tsunagiai.core.api``).
"""

from tsunagiai.core.api import build_api

api = build_api()
