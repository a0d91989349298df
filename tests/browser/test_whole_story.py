"""The whole story of issue 16, in a real headless Chromium, with axe-core on every page it visits."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.axe import AxeWalk
from tests.browser.helpers import log_in_walking, send_referral
from tsunagiai.reference.models import IssueCategory, ResourceServiceType, TargetGroup
from tsunagiai.resources.models import Provider, Schedule, Service, ServiceArea
from tsunagiai.testing import Town

pytestmark = pytest.mark.browser


def _born(age: int) -> str:
    today = timezone.localdate()
    return today.replace(year=today.year - age, month=1, day=1).isoformat()


def _community_resource(town: Town) -> None:
    provider = Provider.objects.create(name="ひだまりの会")
    service = Service.objects.create(provider=provider, name="居場所カフェ ひだまり", places_free=5)
    service.service_types.set(ResourceServiceType.objects.filter(code="salon"))
    service.target_groups.set(TargetGroup.objects.filter(code="all_ages"))
    service.categories.set(IssueCategory.objects.filter(code="social_isolation"))
    ServiceArea.objects.create(service=service, area=town.areas["north_elementary"])
    Schedule.objects.create(service=service, freq="WEEKLY", byday="WE", opens_at=dt.time(13, 0))


def test_whole_story(live_server: Any, live_town: Town, page: Any) -> None:
    walk = AxeWalk(page, live_server.url)
    # Set-up the story's users do not do: a community resource in the directory (the 社協 keeps it elsewhere).
    _community_resource(live_town)

    # 1. The 民生委員 reports a concern without a name.
    log_in_walking(walk, "volunteer")
    walk.visit("/intakes/concerns/new/")
    page.get_by_label("どなたのこと").fill("85歳くらいの母親（認知症）と50代のひきこもりの息子")
    page.get_by_label("場所（町字）").select_option(label="北町1丁目")
    page.get_by_label("気づいたこと").fill(
        "雨戸が閉まったまま。母親が夜に外を歩いていた。息子は何年も外に出ていない様子。"
    )
    page.get_by_label("本人とはまだ話していない").check()
    page.get_by_role("button", name="送信する").click()
    walk.check("sent")
    expect(page.locator("main")).to_contain_text("ありがとうございます。連絡を受け付けました。")
    expect(page.locator("main")).to_contain_text("85歳くらいの母親")

    # 2. The branch office finds the concern and identifies the person (本人を特定する): the mother, new household.
    log_in_walking(walk, "caseworker_north")
    walk.visit("/intakes/")
    page.get_by_role("link", name=re.compile("令和")).first.click()
    walk.check()
    expect(page.get_by_role("heading", name="本人を特定する")).to_be_visible()
    page.get_by_label("新しく登録する", exact=True).check()
    page.get_by_label("氏:", exact=True).fill("杉浦")
    page.get_by_label("名:", exact=True).fill("トミ")
    page.get_by_label("氏(フリガナ)").fill("スギウラ")
    page.get_by_label("名(フリガナ)").fill("トミ")
    page.get_by_label("生年月日:").fill(_born(85))
    page.get_by_label("性別:").select_option(label="女性")
    page.get_by_label("この人の世帯を新しく登録する").check()
    page.get_by_role("button", name="この相談受付に本人を登録する").click()
    walk.check("person linked")
    expect(page.locator("main")).to_contain_text("相談受付に本人を登録しました。")
    expect(page.get_by_role("heading", name="本人を特定する")).to_have_count(0)
    intake_url = page.url

    # 3. The son (子, 56, not working) joins the mother's household; the household page shows 8050.
    page.get_by_role("link", name="杉浦さん世帯").click()
    walk.check()
    household_url = page.url
    page.get_by_role("link", name="新しい世帯員を登録").click()
    walk.check()
    page.get_by_label("続柄:").select_option(label="子")
    page.get_by_label("就労状況:").select_option(label="就労していない")
    page.get_by_label("氏:", exact=True).fill("杉浦")
    page.get_by_label("名:", exact=True).fill("健一")
    page.get_by_label("氏(フリガナ)").fill("スギウラ")
    page.get_by_label("名(フリガナ)").fill("ケンイチ")
    page.get_by_label("生年月日:").fill(_born(56))
    page.get_by_label("性別:").select_option(label="男性")
    page.get_by_role("button", name="保存").click()
    walk.check("son added")
    expect(page).to_have_url(household_url)
    expect(page.locator("main")).to_contain_text("杉浦 健一")
    expect(page.locator("main")).to_contain_text("8050")

    # 4. A referral to the 地域包括: refused for want of consent, consent recorded in place, then sent.
    send_referral(
        page,
        intake_url,
        agency_type="地域包括支援センター",
        organisation="北地域包括支援センター（地域包括支援センター）",
        reason="母親に認知症の疑い。介護保険の申請と見守りが必要。",
        request="訪問して状況を確認し、介護保険の申請を支援してください。",
        walk=walk,
    )
    expect(page.locator("#consent-needed")).to_contain_text("本人の同意が必要です")
    walk.check("consent needed")
    page.get_by_role("link", name="同意を記録する").click()
    inline = page.locator("[id^=consent-record-]")
    expect(inline.get_by_label("北地域包括支援センター")).to_be_checked()
    # The CSW is asked next: one consent covers both (the other agencies are folded away by type).
    inline.locator("summary", has_text="コミュニティソーシャルワーカー").click()
    inline.get_by_label("社会福祉協議会").check()
    inline.get_by_label("同意の方法").select_option("oral")
    walk.check("consent form open")
    inline.get_by_role("button", name="保存").click()
    expect(inline).to_contain_text("同意を記録しました")
    walk.check("consent recorded")
    expect(page.get_by_label("依頼内容")).to_have_value("訪問して状況を確認し、介護保険の申請を支援してください。")
    page.get_by_role("button", name="紹介を送る").click()
    expect(page.locator("#referral-status")).to_have_text("送付済み")
    walk.check("sent")
    elderly_referral_url = page.url

    # The CSW for the son: the consent recorded above covers it, so it goes at once.
    send_referral(
        page,
        intake_url,
        agency_type="コミュニティソーシャルワーカー(社協)",
        organisation="社会福祉協議会（コミュニティソーシャルワーカー(社協)）",
        reason="50代の息子が長くひきこもっている。",
        request="息子さんへの伴走と居場所づくりをお願いします。",
        walk=walk,
    )
    expect(page.locator("#referral-status")).to_have_text("送付済み")
    walk.check("sent")

    # 5. The 地域包括 accepts and records its first contact.
    log_in_walking(walk, "elderly_worker")
    walk.visit(elderly_referral_url)
    expect(page.locator("#referral-status")).to_have_text("確認済み")
    page.get_by_role("button", name="受諾").click()
    expect(page.locator("#referral-status")).to_have_text("受諾")
    walk.check("accepted")
    # The field comes filled with the current minute — often the minute the referral was sent (it once said
    # "before the referral was sent"; referrals.actions now takes that minute as the send time).
    page.get_by_role("button", name="初回接触済み").click()
    expect(page.locator("#referral-status")).to_have_text("初回接触済み")
    walk.check("first contact")

    # 6. The branch office opens a case from the intake.
    log_in_walking(walk, "caseworker_north")
    walk.visit(intake_url)
    page.get_by_role("link", name="ケースを開始").click()
    walk.check()
    page.get_by_label("件名").fill("杉浦さん世帯（8050）")
    # The intake's checkbox is labelled with its number, which depends on what ran before in the database.
    intake_number = re.search(r"/intakes/(\d+)/", intake_url)
    assert intake_number is not None, intake_url
    page.get_by_label(f"#{intake_number.group(1)} ", exact=False).check()
    page.get_by_label("杉浦 トミ", exact=True).check()
    page.get_by_label("杉浦 健一", exact=True).check()
    page.get_by_label("主導役の機関").select_option(label="北支所（支所(福祉の相談窓口)）")
    page.get_by_role("button", name="ケースを開始する").click()
    walk.check("opened")
    expect(page.locator("h1")).to_contain_text("杉浦さん世帯（8050）")
    case_url = page.url

    # The team: the 地域包括 (the mother) and the CSW (the son). The son is a focus person too, so adding the
    # 地域包括 is refused until his consent covers it; the team form offers 「同意を記録する」 in place.
    page.get_by_role("link", name="チームに加える").click()
    expect(page.locator("#team_organisation")).to_be_focused()
    walk.check("team form")
    page.get_by_label("機関:", exact=True).select_option(label="北地域包括支援センター（地域包括支援センター）")
    page.get_by_label("チームでの役割").fill("母親の介護保険申請と見守り")
    page.get_by_label("情報提供の根拠").select_option(label="本人の同意（記録あり）")
    page.get_by_role("button", name="追加", exact=True).click()
    expect(page.locator("#consent-needed")).to_contain_text("杉浦 健一")
    walk.check("team consent needed")
    page.locator("#consent-needed").get_by_role("link", name="同意を記録する").click()
    inline = page.locator("[id^=consent-record-]")
    expect(inline.get_by_label("北地域包括支援センター", exact=True)).to_be_checked()
    # The CSW joins next: one consent covers both.
    inline.locator("summary", has_text="コミュニティソーシャルワーカー").click()
    inline.get_by_label("社会福祉協議会", exact=True).check()
    inline.get_by_label("同意の方法").select_option("oral")
    walk.check("team consent form open")
    inline.get_by_role("button", name="保存").click()
    expect(inline).to_contain_text("同意を記録しました")
    walk.check("team consent recorded")
    expect(page.get_by_label("チームでの役割")).to_have_value("母親の介護保険申請と見守り")
    page.get_by_role("button", name="追加", exact=True).click()
    expect(page.locator("main")).to_contain_text("母親の介護保険申請と見守り")
    walk.check("team member added")
    page.get_by_role("link", name="チームに加える").click()
    page.get_by_label("機関:", exact=True).select_option(label="社会福祉協議会（コミュニティソーシャルワーカー(社協)）")
    page.get_by_label("チームでの役割").fill("息子さんへの伴走")
    page.get_by_label("情報提供の根拠").select_option(label="本人の同意（記録あり）")
    page.get_by_role("button", name="追加", exact=True).click()
    expect(page.locator("main")).to_contain_text("息子さんへの伴走")
    walk.check("team member added")

    # Assessment and plan.
    page.get_by_role("link", name="アセスメント").click()
    walk.check()
    page.get_by_role("link", name="アセスメントを編集").first.click()
    walk.check()
    page.get_by_label("アセスメント日").fill(timezone.localdate().isoformat())
    care = page.get_by_role("group", name="介護")
    care.get_by_label("状況").fill("認知症の疑い。夜間に一人で外出することがある。介護保険は未申請。")
    care.get_by_label("本人の思い（本人の言葉で）").fill("「この家で息子と暮らしたい」")
    page.get_by_role("button", name="保存").click()
    walk.check("assessment saved")
    expect(page.locator("main")).to_contain_text("夜間に一人で外出")
    page.get_by_role("link", name="支援プラン").click()
    walk.check()
    page.get_by_role("link", name="プランを作成").click()
    walk.check()
    page.get_by_label("目標").fill("母親が介護サービスを使いながら自宅で暮らし、息子が地域とのつながりを取り戻す。")
    page.get_by_label("見直し予定日").fill((timezone.localdate() + dt.timedelta(days=90)).isoformat())
    page.get_by_label("本人の同意").check()
    page.get_by_label("同意日").fill(timezone.localdate().isoformat())
    page.get_by_label("同意の方法").fill("自宅訪問時に口頭で")
    first, second = page.get_by_role("group", name="取組 1"), page.get_by_role("group", name="取組 2")
    first.get_by_label("取組内容").fill("介護保険の申請と認知症初期集中支援チームへの相談")
    first.get_by_label("担い手").select_option(label="機関")
    first.get_by_label("担当機関").select_option(label="北地域包括支援センター")
    first.get_by_label("期限").fill((timezone.localdate() + dt.timedelta(days=30)).isoformat())
    second.get_by_label("取組内容").fill("息子さんへの訪問と居場所の紹介")
    second.get_by_label("担い手").select_option(label="機関")
    second.get_by_label("担当機関").select_option(label="社会福祉協議会")
    second.get_by_label("期限").fill((timezone.localdate() + dt.timedelta(days=60)).isoformat())
    page.get_by_role("button", name="新しい版として保存").click()
    walk.check("plan saved")
    expect(page.locator("main")).to_contain_text("介護保険の申請と認知症初期集中支援チームへの相談")

    # 7. The 支援会議 decides that the CSW leads from now on.
    walk.visit("/support/conferences/new/")
    page.get_by_label("開催日").fill(timezone.localdate().isoformat())
    page.get_by_label("会議の種類").select_option(label="支援会議（社会福祉法第106条の6）")
    page.get_by_label("件名").fill("杉浦さん世帯の支援会議")
    page.get_by_label("招集機関").select_option(label="北支所")
    for organisation in ("北地域包括支援センター", "北支所", "社会福祉協議会"):
        page.get_by_label(organisation, exact=True).check()
    page.get_by_role("button", name="保存").click()
    walk.check("conference saved")
    expect(page.locator("h1")).to_contain_text("杉浦さん世帯の支援会議")
    case_number = re.search(r"/cases/(\d+)/", case_url)
    assert case_number is not None, case_url
    page.get_by_label("ケース:", exact=True).select_option(label=f"杉浦さん世帯（8050）（#{case_number.group(1)}）")
    page.get_by_role("button", name="議題に加える").click()
    walk.check("case on the agenda")
    page.get_by_label("決定の種類").select_option(label="主導役の変更")
    page.get_by_label("対象機関").select_option(label="社会福祉協議会")
    page.get_by_label("内容").fill("息子さんへの支援が中心になるため、主導役を社協のCSWに移す。")
    page.get_by_role("button", name="決定を記録").click()
    walk.check("decision recorded")
    expect(page.locator("main")).to_contain_text("主導役を社協のCSWに移す")

    # 8. The lead changes to the CSW, as decided.
    page.goto(case_url)
    page.get_by_role("link", name="主導役を変更").click()
    walk.check("lead form")
    page.get_by_label("新しい主導役").select_option(label="社会福祉協議会（コミュニティソーシャルワーカー(社協)）")
    page.get_by_label("主導役変更の理由").fill("支援会議の決定による（息子さんへの支援が中心）。")
    page.get_by_role("button", name="主導役を変更").click()
    walk.check("lead changed")
    expect(page.locator("main")).to_contain_text("社会福祉協議会：支援会議の決定による")

    # 9. Participation support: the CSW finds a community resource for the son.
    log_in_walking(walk, "csw_worker")
    walk.visit(case_url)
    page.get_by_role("link", name="このケースの参加支援の候補を探す").click()
    walk.check()
    page.get_by_label("対象者").select_option(label="杉浦 健一")
    page.get_by_role("button", name="検索").click()
    walk.check("searched")
    expect(page.get_by_role("heading", name="杉浦 健一さんの候補")).to_be_visible()
    page.get_by_role("button", name="提案する").click()
    walk.check("proposed")
    expect(page.locator("main")).to_contain_text("居場所カフェ ひだまり")

    # 10. The analyst's dashboard, then the monthly report as a PDF.
    log_in_walking(walk, "analyst")
    walk.visit("/analytics/")
    page.wait_for_function("() => window.Chart && window.Chart.getChart('chart-window')")
    walk.check("charts drawn")
    walk.visit("/reports/")
    monthly = page.locator("form", has=page.get_by_label("対象月"))
    with page.expect_response(lambda r: "/reports/monthly/" in r.url) as answer:
        monthly.get_by_role("button", name="出力").click()
    response = answer.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    walk.not_html.add(urlsplit(response.url).path)
    # Chromium shows the PDF in its viewer; the same file, fetched again with the browser's session, is read here.
    pdf = PdfReader(io.BytesIO(page.context.request.get(response.url).body()))
    text = "".join(sheet.extract_text() for sheet in pdf.pages)
    assert "月次" in text, text[:500]

    # axe saw every page the browser loaded on the way.
    assert walk.unchecked() == []
