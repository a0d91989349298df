"""A generated walk through the pages a signed-in user can reach, and the forms on them.

Starting at the home page, the walk follows every same-site link (``href``,
``hx-get``) breadth-first, as the Django test client, and reads each page's
forms (``<form>`` with ``action``/``method`` or ``hx-post``/``hx-get``, and the
search-as-you-type inputs that carry ``hx-get`` themselves). Pages are taken
once per URL name and query shape, so a list of 30 people costs one person
page, not 30. Used by tests/test_page_walk.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

# Never followed: they end the session, switch the language or leave the site.
SKIPPED_PREFIXES = ("/logout", "/static/", "/i18n/", "/oidc/", "/api/", "/login")
TEXT_INPUT_TYPES = {"", "text", "search", "email", "tel", "url", "password"}


@dataclass
class Form:
    page: str
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # (name, value) as the browser would send them
    text_fields: list[str] = field(default_factory=list)  # the names a person types into

    def data(self, text: str) -> dict[str, Any]:
        """The form as sent, with ``text`` typed into every text field."""
        data: dict[str, Any] = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(text if name in self.text_fields else value)
        for name in self.text_fields:
            data.setdefault(name, [text])
        return data


class _PageParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        for name in ("href", "hx-get"):
            if a.get(name) and tag != "link":
                self.links.append(a[name])
        if tag == "form":
            if a.get("hx-post"):
                method, action = "post", a["hx-post"]
            elif a.get("hx-get"):
                method, action = "get", a["hx-get"]
            else:
                method, action = (a.get("method") or "get").lower(), a.get("action") or self.page
            self._form = Form(page=self.page, method=method, action=action)
            self.forms.append(self._form)
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "").lower()
            standalone = self._form is None and (a.get("hx-get") or a.get("hx-post"))
            form = self._form
            if standalone:
                url = a.get("hx-get") or a.get("hx-post") or ""
                form = Form(page=self.page, method="get" if a.get("hx-get") else "post", action=url)
                self.forms.append(form)
            if form is None:
                return
            if kind in TEXT_INPUT_TYPES:
                form.text_fields.append(a["name"])
            elif kind in {"checkbox", "radio"}:
                if "checked" in a:
                    form.fields.append((a["name"], a.get("value", "on")))
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                form.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name") and self._form is not None:
            self._form.text_fields.append(a["name"])
        elif tag == "select" and a.get("name") and self._form is not None:
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select is not None and (self._select_value is None or "selected" in a):
            # The selected option, else the first one with a value (a browser would send the first).
            value = a.get("value", "")
            if value or self._select_value is None:
                self._select_value = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form.fields.append((self._select, self._select_value or ""))
            self._select = None


def _shape(url: str) -> tuple[str, tuple[str, ...]] | None:
    """URL name and query keys: pages of one shape are walked once."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    keys = tuple(sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair}))
    return (match.view_name, keys)


@dataclass
class Walk:
    pages: dict[str, Any] = field(default_factory=dict)  # url → response
    forms: list[Form] = field(default_factory=list)


def walk(client: Client, start: str = "/", limit: int = 200) -> Walk:
    result = Walk()
    queue = [start]
    shapes: set[tuple[str, tuple[str, ...]]] = set()
    while queue and len(result.pages) < limit:
        url = queue.pop(0)
        if url in result.pages:
            continue
        response = client.get(url)
        result.pages[url] = response
        if response.status_code in {301, 302} and response.get("Location", "").startswith("/"):
            queue.append(response["Location"])
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _PageParser(url)
        parser.feed(response.content.decode("utf-8", "replace"))
        result.forms.extend(parser.forms)
        for link in parser.links:
            target = urljoin(url, link).split("#", 1)[0]
            if not target.startswith("/") or target.startswith(SKIPPED_PREFIXES) or re.search(r"\{|%7B", target):
                continue
            shape = _shape(target)
            if shape is None or shape in shapes:
                continue
            shapes.add(shape)
            queue.append(target)
    return result
