"""Adding to the case team, refused for want of consent, records the consent in place and then adds, in Chromium.

The case page offers 「同意を記録する」 as the referral form does: the consent form opens inline (htmx),
a refused date comes back in place with what was typed, and once saved the team form, still filled in,
adds the organisation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tsunagiai.cases.models import TeamMember
from tsunagiai.cases.tests.helpers import make_family, open_case
from tsunagiai.consent.models import Consent
from tsunagiai.testing import Town

pytestmark = pytest.mark.browser


def test_a_team_member_refused_for_want_of_consent_is_added_after_recording_it_inline(
    live_server: Any, live_town: Town, page: Any
) -> None:
    family = make_family(live_town)  # the mother has consented to every kind of agency; the son to nothing
    case = open_case(live_town, family, with_son=True)
    elderly = live_town.orgs["elderly_north"]

    log_in(page, live_server.url, "caseworker_north")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_role("link", name="チームに加える").click()
    expect(page.locator("#team_organisation")).to_be_focused()
    page.locator("#team_organisation").select_option(str(elderly.pk))
    page.get_by_label("チームでの役割").fill("息子さんの見守り")
    page.get_by_role("button", name="追加", exact=True).click()
    needed = page.locator("#consent-needed")
    expect(needed).to_contain_text("本人の同意が必要です")
    expect(needed).to_contain_text("山田 一郎")

    # The consent form opens in the page, the organisation joining the team ticked.
    needed.get_by_role("link", name="同意を記録する").click()
    inline = page.locator(f"#consent-record-{family.son.pk}")
    expect(inline.get_by_label(elderly.name, exact=True)).to_be_checked()
    inline.get_by_label("同意の方法").select_option("oral")
    inline.get_by_label("立会人").fill("同席した係長")
    inline.get_by_label("同意日").fill((timezone.localdate() + dt.timedelta(days=1)).isoformat())
    inline.get_by_role("button", name="保存").click()
    expect(page.locator(f"#consent-record-{family.son.pk} .error-summary")).to_contain_text("同意日")
    inline = page.locator(f"#consent-record-{family.son.pk}")
    expect(inline.get_by_label("立会人")).to_have_value("同席した係長")
    assert not Consent.objects.filter(person=family.son).exists()
    inline.get_by_label("同意日").fill(timezone.localdate().isoformat())
    inline.get_by_role("button", name="保存").click()
    expect(page.locator(f"#consent-record-{family.son.pk}")).to_contain_text("同意を記録しました")

    # The team form kept what was typed: adding now goes through.
    expect(page.get_by_label("チームでの役割")).to_have_value("息子さんの見守り")
    page.get_by_role("button", name="追加", exact=True).click()
    expect(page.get_by_text("支援チームを変更しました。")).to_be_visible()
    expect(page.locator("main")).to_contain_text("息子さんの見守り")
    assert TeamMember.objects.filter(case=case, organisation=elderly, left_at__isnull=True).exists()
