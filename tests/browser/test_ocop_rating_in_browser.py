"""In headless Chromium, against the app served as ``make run`` does, under Decision 1489/QĐ-TTg (today): a producer's
account opens and submits its product's rating dossier; the commune officer of Xã Vạn Phú pre-assesses and proposes it
on a 390 px phone; the province office sets up a council and a round, enters the two members' scores (4★ by the
sheet's bands), closes the scoring and records the decision — a 4★ certificate; then ``nongthonso ocop_notices`` run
as if 30 days before the certificate expires puts the notice in the producer's notification list. Pages fit the screen
and break no Content-Security-Policy rule. Screenshots: artifacts/screenshots/ocop-*.png.

The product, its producer and the producer's account are synthetic rows made for this test (``_producer``); the scoring
sheet is a test sheet of three criteria (A 40 · B 25 · C 35, bands 90/70/50/30), so the scores typed give 75 points."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from nongthonso.ocop.models import add_months

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "nongthonso-demo"
PRODUCT = "Chè búp Vạn Phú (minh họa)"

SETUP = """
import datetime as dt
from django.contrib.auth import get_user_model
from nongthonso.ocop.models import (Producer, Product, ProductGroup, Provenance, ScoringSheet, SheetCriterion,
                                    SheetPart, StarBand, SubGroup)
from nongthonso.units.models import Unit

commune = Unit.objects.valid_on(dt.date.today()).get(code="05845", unit_type__level__code="xa")
group = ProductGroup.objects.create(code="tst", name="Nhóm thử trình duyệt", provenance=Provenance.PLACEHOLDER)
subgroup = SubGroup.objects.create(group=group, code="tst-1", name="Chè thử", provenance=Provenance.PLACEHOLDER)
sheet = ScoringSheet.objects.create(code="tst-sheet", name="Phiếu thử trình duyệt", legal_basis="kiểm thử",
                                    valid_from=dt.date(2019, 1, 1), provenance=Provenance.PLACEHOLDER)
sheet.subgroups.add(subgroup)
for order, (code, points) in enumerate((("A", 40), ("B", 25), ("C", 35))):
    part = SheetPart.objects.create(sheet=sheet, code=code, name="Phần " + code, max_points=points, order=order)
    SheetCriterion.objects.create(sheet=sheet, part=part, code=code + "1", name="Tiêu chí " + code + "1",
                                  max_points=points, provenance=Provenance.PLACEHOLDER, order=order)
for stars, points in ((5, 90), (4, 70), (3, 50), (2, 30), (1, 0)):
    StarBand.objects.create(sheet=sheet, stars=stars, min_points=points, provenance=Provenance.PLACEHOLDER)
producer = Producer.objects.create(name="HTX Chè Vạn Phú (minh họa)", kind="hop_tac_xa", unit=commune,
                                   synthetic=True)
user = get_user_model().objects.create_user("chuthe.vanphu", email="chuthe@example.vn", password=%(password)r)
producer.members.add(user)
Product.objects.create(code="TST-VP-1", name=%(product)r, producer=producer, subgroup=subgroup, unit=commune,
                       synthetic=True)
"""


def _run(browser_data: Path, *command: str) -> str:
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(browser_data), "DJANGO_DEBUG": "1",
           "DATABASE_URL": f"sqlite:///{browser_data / 'browser.sqlite3'}"}
    script = str(Path(sys.executable).with_name("nongthonso"))
    return subprocess.run([script, *command], env=env, check=True, capture_output=True, cwd=ROOT,
                          text=True).stdout


def _step(page, action: str) -> None:
    page.click(f"#buoc-{action} button[type=submit]")
    page.wait_for_selector(".messages .success")


def test_a_product_goes_from_submission_to_a_4_star_certificate_and_its_expiry_notice(
        watched, fits, app_server, login, screenshot, browser_data):
    _run(browser_data, "shell", "-c", SETUP % {"password": PASSWORD, "product": PRODUCT})
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()

    # the producer opens the dossier and submits it
    page, problems = watched(DESKTOP)
    login(page, app_server, "chuthe.vanphu", PASSWORD)
    page.click('header nav >> text="OCOP"')
    page.click("text=Lập hồ sơ đánh giá")
    page.select_option("select[name=product]", label=PRODUCT)
    page.fill("textarea[name=self_assessment]", "Sản phẩm chè búp, có công bố chất lượng, bao bì ghi đủ nhãn.")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#buoc-submit")
    screenshot(page, "ocop-rating-draft-desktop")
    _step(page, "submit")
    assert "Đã gửi, chờ xã đánh giá sơ bộ" in page.inner_text("#ho-so")
    dossier = page.url

    # the commune officer pre-assesses and proposes, on a phone
    phone, phone_problems = watched(PHONE)
    login(phone, app_server, "canbo.vanphu")
    phone.goto(app_server + "/ocop/ho-so/")
    phone.click(f"text={PRODUCT}")
    phone.fill("#buoc-preassess textarea[name=pre_assessment]",
               "Hồ sơ đủ thành phần; đề xuất hội đồng tỉnh chấm 4 sao.")
    screenshot(phone, "ocop-rating-preassess-phone")
    assert fits(phone)
    _step(phone, "preassess")
    assert "Xã đã đề xuất, chờ hội đồng tỉnh chấm" in phone.inner_text("#ho-so")

    # the province office: a council, a round with the dossier, the members' scores
    office, office_problems = watched(DESKTOP)
    login(office, app_server, "vpdp.tinh")
    office.goto(app_server + "/ocop/hoi-dong/")
    office.fill("input[name=name]", "Hội đồng đánh giá, phân hạng sản phẩm OCOP tỉnh (minh họa)")
    office.fill("input[name=decision_number]", "15/QĐ-UBND")
    office.fill("input[name=year]", str(today.year))
    office.fill("textarea[name=members_text]", "Nguyễn Văn An; Chủ tịch hội đồng\nTrần Thị Bình; Ủy viên")
    office.click("#lap-hoi-dong button[type=submit]")
    office.wait_for_selector("#lap-dot")
    office.fill("#lap-dot input[name=name]", "Đợt 1")
    office.fill("#lap-dot input[name=date]", f"{today.day}/{today.month}/{today.year}")
    office.check(f"#lap-dot label:has-text('{PRODUCT}') input")
    screenshot(office, "ocop-council-round-desktop")
    office.click("#lap-dot button[type=submit]")
    office.click("text=Bảng chấm điểm")
    for cell in office.query_selector_all("table.ocop-grid input"):
        name = cell.get_attribute("aria-label")
        cell.fill({"A1": "30", "B1": "20", "C1": "25"}[name.rsplit(", ", 1)[1]])
    office.click("main form button[type=submit]")
    office.wait_for_selector(".messages .success")
    assert office.inner_text("#ket-qua-cham [data-total]") == "75,00"
    assert office.inner_text("#ket-qua-cham [data-stars]") == "4 ★"
    screenshot(office, "ocop-score-grid-desktop")
    grid_phone, grid_problems = watched(PHONE)
    login(grid_phone, app_server, "vpdp.tinh")
    grid_phone.goto(office.url)
    screenshot(grid_phone, "ocop-score-grid-phone")
    assert fits(grid_phone)

    # closing the scoring and the decision: a 4★ certificate for 36 months
    office.goto(dossier)
    _step(office, "score")
    office.select_option("#buoc-decide select[name=stars]", "4")
    office.fill("#buoc-decide input[name=number]", "120/QĐ-UBND")
    office.fill("#buoc-decide input[name=date]", today.isoformat())
    _step(office, "decide")
    certificate = office.inner_text("#giay-chung-nhan")
    valid_until = add_months(today, 36)
    assert "4 ★" in certificate and f"{valid_until.day}/{valid_until.month}/{valid_until.year}" in certificate
    screenshot(office, "ocop-certificate-desktop")

    # 30 days before it ends, the notice reaches the producer
    out = _run(browser_data, "ocop_notices", "--today", (valid_until - dt.timedelta(days=30)).isoformat())
    assert "1 giấy chứng nhận được báo sắp hết hạn." in out
    mine, mine_problems = watched(PHONE)
    login(mine, app_server, "chuthe.vanphu", PASSWORD)
    mine.goto(app_server + "/thong-bao/")
    assert f"Giấy chứng nhận OCOP sắp hết hạn: sản phẩm «{PRODUCT}»" in mine.inner_text("main")
    screenshot(mine, "ocop-expiry-notice-phone")
    assert fits(mine)
    assert problems + phone_problems + office_problems + grid_problems + mine_problems == []
