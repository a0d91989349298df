"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """A 4xx (403 refused, 404 not found, 400 bad request) logs its one line, not the exception's traceback.

    Django logs them on "django.request" at WARNING with the exception attached; a refusal is the
    access policy working, not a fault, and a traceback per refusal buries the real errors. A 5xx
    keeps its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int) and status_code < 500:
            record.exc_info = None
            record.exc_text = None
        return True
