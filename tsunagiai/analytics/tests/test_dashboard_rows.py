"""The dashboard's table rows are written in Python (analytics.views, issue 14): the markup must be what the
template loops wrote, with every value escaped the same way (labels come from the reference data)."""

from __future__ import annotations

import re

from django.template import Context, Template
from django.utils import translation

from tsunagiai.analytics import dashboard, views
from tsunagiai.analytics.cellkey import Figure, State

SECTION_LOOP = Template(
    "{% for label, figure, link in cells %}"
    '<tr><th scope="row">{{ label }}</th><td>{% if link and figure.value is not None %}'
    '<a href="{{ link }}">{{ figure.display }}</a>{% else %}{{ figure.display }}{% endif %}</td></tr>'
    "{% endfor %}"
)
REFERRAL_LOOP = Template(
    '{% for row in rows %}<tr><th scope="row">{{ row.organisation }}</th><td>{{ row.total.display }}</td>'
    '<td>{{ row.hours_to_accept|default_if_none:"—" }}</td><td>{{ row.hours_to_first_contact|default_if_none:"—" }}'
    "</td><td>{{ row.closed_loop }}</td></tr>{% endfor %}"
)


def _same(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def _section() -> dashboard.Section:
    figures = (Figure(12, State.SHOWN), Figure(None, State.SMALL), Figure(None, State.WITHHELD), Figure(0, State.SHOWN))
    return dashboard.Section(
        key="window",
        title="窓口",
        labels=("<b>北&南</b>", '"引用"', "普通", "ゼロ"),
        figures=figures,
        total=Figure(40, State.SHOWN),
        keys=("1", "2", "3", "4"),
    )


def test_section_rows_are_the_markup_of_the_template_loop() -> None:
    section = _section()
    for hrefs in (["/intakes/?a=1&b=<x>", "/intakes/?b=2", "", "/intakes/?c=3"], [""] * 4):
        cells = list(zip(section.labels, section.figures, hrefs, strict=True))
        expected = SECTION_LOOP.render(Context({"cells": cells}))
        got = views._rows(section, hrefs)
        assert _same(got) == _same(expected)
    assert "&lt;b&gt;北&amp;南&lt;/b&gt;" in got
    assert 'href="/intakes/?a=1&amp;b=&lt;x&gt;"' in views._rows(section, ["/intakes/?a=1&b=<x>", "", "", ""])


def test_referral_rows_are_the_markup_of_the_template_loop() -> None:
    rows = [
        {
            "organisation": "<i>包括</i>",
            "total": Figure(41, State.SHOWN),
            "hours_to_accept": 60.25,
            "hours_to_first_contact": None,
            "closed_loop": "46.3%",
        },
        {
            "organisation": "相談&支援",
            "total": Figure(None, State.SMALL),
            "hours_to_accept": None,
            "hours_to_first_contact": 1234.5,
            "closed_loop": "—",
        },
    ]
    board = dashboard.Dashboard(scope=dashboard.Scope(), referral_rows=rows)
    for language in ("ja", "en"):
        with translation.override(language):
            expected = REFERRAL_LOOP.render(Context({"rows": rows}))
            assert _same(views._referral_rows(board)) == _same(expected)
    assert "&lt;i&gt;包括&lt;/i&gt;" in views._referral_rows(board)
