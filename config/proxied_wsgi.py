"""The WSGI application as gunicorn serves it behind the TLS proxy (config/gunicorn.conf.py's wsgi_app).

gunicorn sets REMOTE_ADDR to its peer — the proxy on the same machine — so every request would look as if it
came from 127.0.0.1: the audit log would lose who connected, and the login lockout (per user name and address)
would lock a user out everywhere. The proxy (deploy/nginx/tsunagiai.conf) replaces any X-Real-IP the client
sent with the address it saw; that header is believed only when the request comes from a trusted proxy
(TSUNAGIAI_TRUSTED_PROXIES, default the loopback addresses) and holds one valid IP address.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterable
from typing import Any

from config.wsgi import application as django_application

TRUSTED_PROXIES = frozenset(
    a.strip() for a in os.environ.get("TSUNAGIAI_TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if a.strip()
)


def client_address(environ: dict[str, Any], trusted: frozenset[str] = TRUSTED_PROXIES) -> str | None:
    """The client's address from a trusted proxy's X-Real-IP; None when the header is not to be believed."""
    if environ.get("REMOTE_ADDR") not in trusted:
        return None
    claimed = str(environ.get("HTTP_X_REAL_IP", "")).strip()
    try:
        return str(ipaddress.ip_address(claimed))
    except ValueError:
        return None


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    address = client_address(environ)
    if address:
        environ["REMOTE_ADDR"] = address
    result: Iterable[bytes] = django_application(environ, start_response)
    return result
