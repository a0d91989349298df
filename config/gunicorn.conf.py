"""gunicorn's configuration for Tsunagiai: `make serve`, deploy/systemd/tsunagiai-web.service, benchmarks/load.

    gunicorn --config config/gunicorn.conf.py --bind 127.0.0.1:8000 config.wsgi

Sized to the machine: one worker process per core plus one, each with a few threads on PostgreSQL, so a request
waiting on the database does not hold a core idle. Override with WEB_CONCURRENCY (processes) and GUNICORN_THREADS.

The app is loaded once in the master before the workers are forked (preload): Django's set-up, every view
module, the translations and the triage model (``when_ready``) are loaded there and shared, so a new or
restarted worker answers its first request at once instead of after seconds of imports — under load, that
delay made gunicorn's default 30 s timeout kill workers over and over.
"""

from __future__ import annotations

import os
from typing import Any


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _positive(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else default


# gunicorn serves the collected, hashed static files through WhiteNoise (config/settings.py): `make serve`
# and the systemd unit run `manage.py collectstatic` first.
os.environ.setdefault("TSUNAGIAI_SERVE_COLLECTED_STATIC", "1")

# Django behind the proxy, with the client address the proxy saw (config/proxied_wsgi.py).
wsgi_app = "config.proxied_wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
worker_class = "gthread"
workers = _positive("WEB_CONCURRENCY", _cores() + 1)
# On SQLite (no DATABASE_URL) one thread per worker: SQLite takes one writer at a time and every page writes the
# audit log, so more concurrent requests only queue on its lock (past its 20 s busy timeout on a loaded machine).
threads = _positive("GUNICORN_THREADS", 4 if os.environ.get("DATABASE_URL") else 1)
preload_app = True
# A request that takes longer than this is stuck: its worker is replaced. Exports and reports that can take
# longer run in the task worker, not in a request.
timeout = _positive("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5  # behind the proxy's keep-alive pool
# Replace each worker after this many requests (plus jitter, so they do not all restart at once): a leak in a
# library cannot grow for ever, and with the app preloaded a new worker is ready at once.
max_requests = 5000
max_requests_jitter = 500
# Heartbeat files in memory, not on a disk that may stall under load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - gunicorn's documented choice
# Several servers on one machine (tests, benchmarks) must not fight over one control socket in $HOME.
control_socket_disable = True

# Access log on stdout (the journal under systemd). The path only: query strings carry what staff typed —
# residents' names in a search — and must not end up in a log; no referrer or user agent for the same reason.
accesslog = "-"
access_log_format = '%(t)s %(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "tsunagiai"


def when_ready(server: Any) -> None:
    """In the master, before the first fork: load what every request needs, once, for all workers."""
    if not server.cfg.preload_app:
        return
    from django.db import connections
    from django.urls import get_resolver
    from django.utils import translation

    from tsunagiai.triage.engine import warm_up

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    for language in ("ja", "en"):
        with translation.override(language):
            translation.gettext("Japanese")
    warm_up()
    # Nothing above needs the database; should anything have connected, no worker may inherit the socket.
    connections.close_all()
    server.log.info("tsunagiai: URLs, translations and the triage model loaded before forking the workers")
