"""A referral is sent by one organisation and accepted by another, in a real headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import log_in, send_referral
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.testing import Town

pytestmark = pytest.mark.browser


def test_a_referral_is_sent_by_one_organisation_and_accepted_by_another(
    live_server: Any, live_town: Town, page: Any
) -> None:
    intake = make_intake(live_town, concern="家賃を3か月滞納している。家計の立て直しを手伝ってほしい。")

    log_in(page, live_server.url, "caseworker_north")
    send_referral(
        page,
        f"{live_server.url}/intakes/{intake.pk}/",
        agency_type="all",
        organisation="社会福祉協議会（コミュニティソーシャルワーカー(社協)）",
        reason="家計の立て直しが必要。",
        request="家計相談と伴走をお願いします。",
    )
    expect(page.locator("#referral-status")).to_have_text("送付済み")
    referral_url = page.url

    log_in(page, live_server.url, "csw_worker")
    page.goto(referral_url)
    # Opening it as the receiving organisation marks it seen.
    expect(page.locator("#referral-status")).to_have_text("確認済み")
    expect(page.locator("#shared-concern")).to_contain_text("家賃を3か月滞納")
    page.get_by_role("button", name="受諾").click()
    expect(page.locator("#referral-status")).to_have_text("受諾")
    expect(page.locator("main")).to_contain_text("社会福祉協議会 / csw_worker")

    log_in(page, live_server.url, "caseworker_north")
    page.goto(referral_url)
    expect(page.locator("#referral-status")).to_have_text("受諾")


def test_a_referral_refused_for_want_of_consent_is_sent_after_recording_it_inline(
    live_server: Any, live_town: Town, page: Any
) -> None:
    from tsunagiai.intake.tests.helpers import make_person

    person = make_person(live_town)
    intake = make_intake(live_town, person=person, is_anonymous=False, subject_description="")

    log_in(page, live_server.url, "caseworker_north")
    page.goto(f"{live_server.url}/referrals/from-intake/{intake.pk}/?agency_type=all")
    page.get_by_label("紹介先").select_option(label="社会福祉協議会（コミュニティソーシャルワーカー(社協)）")
    page.get_by_label("紹介の理由").fill("家計の立て直しが必要。")
    page.get_by_label("依頼内容").fill("家計相談と伴走をお願いします。")
    page.get_by_label("本人の同意（記録あり）").check()
    page.get_by_role("button", name="紹介を送る").click()
    expect(page.locator("#consent-needed")).to_contain_text("本人の同意が必要です")

    # The consent form opens in the page (htmx), the receiving organisation and today's date filled in.
    page.get_by_role("link", name="同意を記録する").click()
    inline = page.locator(f"#consent-record-{person.pk}")
    expect(inline.get_by_label("社会福祉協議会")).to_be_checked()
    inline.get_by_label("同意の方法").select_option("oral")
    inline.get_by_label("立会人").fill("同席した係長")
    # A date in the future is refused in place, with what was typed kept.
    inline.get_by_label("同意日").fill("2099-01-01")
    inline.get_by_role("button", name="保存").click()
    expect(page.locator(f"#consent-record-{person.pk} .error-summary")).to_contain_text("未来")
    inline = page.locator(f"#consent-record-{person.pk}")
    expect(inline.get_by_label("立会人")).to_have_value("同席した係長")
    inline.get_by_label("同意日").fill(timezone.localdate().isoformat())
    inline.get_by_role("button", name="保存").click()
    expect(page.locator(f"#consent-record-{person.pk}")).to_contain_text("同意を記録しました")

    # The referral form kept what was typed: sending now goes through.
    expect(page.get_by_label("依頼内容")).to_have_value("家計相談と伴走をお願いします。")
    page.get_by_role("button", name="紹介を送る").click()
    expect(page.locator("#referral-status")).to_have_text("送付済み")
