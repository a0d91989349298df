"""The site icon: linked from every page, and /favicon.ico (which browsers ask for anyway) answers."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_favicon_ico_leads_to_the_static_icon_signed_out(client, db) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == static("favicon.ico")
    assert finders.find("favicon.ico")
    assert finders.find("favicon.svg")


def test_favicon_ico_leads_to_the_static_icon_signed_in(client, town) -> None:
    client.force_login(town.users["volunteer"])

    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == static("favicon.ico")


def test_every_page_links_the_icon(client, town) -> None:
    signed_out = client.get("/login/").content.decode()
    client.force_login(town.users["caseworker_north"])
    signed_in = client.get("/people/").content.decode()
    missing = client.get("/no-such-page/").content.decode()
    server_error = (settings.BASE_DIR / "templates" / "500.html").read_text()

    for page in (signed_out, signed_in, missing, server_error):
        assert 'rel="icon"' in page
        assert "favicon.svg" in page
