"""The mixed workload of staff at work, for locust (issue 14). benchmarks/load/run.py starts it; by hand:

    LOAD_SAMPLE=/tmp/sample.json locust -f benchmarks/load/locustfile.py --headless -u 8 -r 4 -t 60s \
        --host http://127.0.0.1:8000

Each simulated user signs in once with a demo login (the password is the demo one) and then, with a short
think time, does what the issue names: the intake list, search as you type in the intake form, the
household page, the case page, the inbox, the dashboard, the JSON API lists, the public HSDS API and,
now and then, records an intake through the API. LOAD_SAMPLE is a JSON file run.py writes:
{"logins": {"coordinator": {"households": [...], "cases": [...], "dashboard": true}, ...}} — ids each
login may open, so a 404 is an error, not the workload.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from typing import Any

from locust import HttpUser, between, task

DEMO_PASSWORD = os.environ.get("LOAD_PASSWORD", "tsunagiai-demo")
_SAMPLE: dict[str, Any] = json.loads(open(os.environ["LOAD_SAMPLE"], encoding="utf-8").read())  # noqa: SIM115
_LOGINS = sorted(_SAMPLE["logins"])
_next_login = itertools.cycle(_LOGINS)
_lock = threading.Lock()
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What reception types, a few characters at a time: kana and kanji prefixes of common surnames.
TYPED = (
    "すず",
    "すずき",
    "たか",
    "たかはし",
    "鈴木",
    "高橋",
    "いと",
    "伊藤",
    "わた",
    "渡辺",
    "やま",
    "山本",
    "すぎうら",
)
SEARCHED = ("鈴木", "高橋", "伊藤", "渡辺", "山本", "すずき", "やまだ")
CONCERNS = (
    "母(82)の物忘れが進み、火の不始末が心配。息子(50代)は無職で同居。",
    "失業して家賃が払えない。来月には退去を求められている。",
    "近所の一人暮らしの高齢男性を最近見かけない。郵便受けに新聞がたまっている。",
    "子どもの不登校が続き、母親が疲れ切っている。父親は単身赴任中。",
)


def _think_time() -> tuple[float, float]:
    """Seconds a user waits between two requests: LOAD_THINK="0.5-2.0" (run.py --think)."""
    low, _, high = os.environ.get("LOAD_THINK", "0.5-2.0").partition("-")
    return float(low), float(high or low)


class Staff(HttpUser):
    # 32 users thinking 0.5–2 s each can ask for at most 32 / 1.25 s ≈ 26 requests/s: the capacity run
    # (docs/performance.md) uses shorter think times so that the server, not the users, sets the pace.
    wait_time = between(*_think_time())

    def on_start(self) -> None:
        with _lock:
            self.login = next(_next_login)
        self.sample = _SAMPLE["logins"][self.login]
        page = self.client.get("/login/", name="GET /login/")
        token = _CSRF.search(page.text)
        self.client.post(
            "/login/",
            {"username": self.login, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Referer": f"{self.host}/login/"},
            name="POST /login/",
        )

    def _csrf_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": str(self.client.cookies.get("csrftoken") or ""), "Referer": f"{self.host}/"}

    @task(4)
    def intake_list(self) -> None:
        self.client.get(f"/intakes/?page={random.randint(1, 20)}", name="intake list")

    @task(6)
    def search_as_you_type(self) -> None:
        q = random.choice(TYPED)
        self.client.get(
            f"/intakes/people/search/?q={q}", headers={"HX-Request": "true"}, name="intake form person search (htmx)"
        )

    @task(1)
    def person_search(self) -> None:
        self.client.get(f"/people/?q={random.choice(SEARCHED)}", name="person search")

    @task(3)
    def household(self) -> None:
        if self.sample["households"]:
            self.client.get(f"/people/households/{random.choice(self.sample['households'])}/", name="household")

    @task(3)
    def case(self) -> None:
        if self.sample["cases"]:
            self.client.get(f"/cases/{random.choice(self.sample['cases'])}/", name="case")

    @task(3)
    def inbox(self) -> None:
        self.client.get("/inbox/", name="inbox")

    @task(1)
    def dashboard(self) -> None:
        if self.sample.get("dashboard"):
            self.client.get("/analytics/", name="dashboard")

    @task(2)
    def api_lists(self) -> None:
        self.client.get("/api/v1/intakes/?limit=50", name="API intakes list")
        self.client.get(f"/api/v1/persons?q={random.choice(SEARCHED)}&limit=50", name="API persons search")

    @task(1)
    def hsds(self) -> None:
        self.client.get("/api/hsds/services?per_page=50", name="HSDS services")

    @task(1)
    def record_intake(self) -> None:
        if not self.sample.get("records_intakes"):
            return
        payload = {
            "channel": "phone",
            "consulter_type": "self",
            "person_mode": "anonymous",
            "subject_description": "負荷試験",
            "concern": random.choice(CONCERNS),
            "categories": [],
            "urgency": "normal",
            "consent_status": "oral",
        }
        self.client.post(
            "/api/v1/intakes/",
            data=json.dumps(payload),
            headers={**self._csrf_headers(), "Content-Type": "application/json"},
            name="API record intake",
        )
