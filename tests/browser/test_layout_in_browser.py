"""Layout at desktop width (1366 px) and on a 390 px phone, and on paper (print media), in headless Chromium.

What a new user met (issue 11, point 12): the «Đạt/Không đạt» selects of the entry page ran into the threshold text;
on a phone the header took 456 px, «Đăng xuất» was cut off and the dossier page was 663 px wide; the criteria's
names on the home page's chart were cut at the canvas's edge; printing the dashboard gave ten pages led by the menu.
Each is measured here from the page's geometry, not from its markup. Screenshots and the printed PDFs go to
artifacts/ for review.
"""

import re
import subprocess
from pathlib import Path

import pytest

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
WIDTHS = [pytest.param(DESKTOP, id="1366"), pytest.param(PHONE, id="390")]
HEADER_MAX = 120  # px: the phone's header may take two short rows, not a screenful
PRINTS = Path(__file__).resolve().parents[2] / "artifacts" / "print"  # the printed pages, beside the screenshots


def _name(viewport) -> str:
    return str(viewport["width"])


def _open_dossier(page, base, commune_query):
    """The commune's latest dossier, reached as a user does: commune list → scorecard → «Mở hồ sơ»."""
    page.goto(f"{base}/xa/?q={commune_query}")
    page.locator("tr[data-unit] td[data-col=commune] a").first.click()
    page.locator("a[data-open-dossier]").click()
    page.wait_for_selector(".entry-row")


def _page_width(page) -> float:
    return page.evaluate("document.documentElement.scrollWidth")


OVERLAPS = """() => {
  const boxes = el => el ? [el.getBoundingClientRect()] : [];
  const meet = (a, b) => a.width > 0 && b.width > 0 && a.right > b.left + 0.5 && b.right > a.left + 0.5
                         && a.bottom > b.top + 0.5 && b.bottom > a.top + 0.5;
  const found = [];
  for (const row of document.querySelectorAll(".entry-row")) {
    const control = row.querySelector(".entry-input select, .entry-input input");
    const cell = row.querySelector(".entry-input");
    const others = [".entry-name", ".entry-threshold", ".entry-status"].flatMap(s => boxes(row.querySelector(s)));
    const [field] = boxes(control);
    if (!field) continue;
    const own = cell.getBoundingClientRect();
    const code = row.dataset.indicator;
    if (field.right > own.right + 0.5 || field.left < own.left - 0.5) found.push(code + ": field wider than its cell");
    for (const other of others) if (meet(field, other)) found.push(code + ": field over text");
  }
  return found;
}"""


@pytest.mark.parametrize("viewport", WIDTHS)
def test_entry_fields_never_run_into_the_threshold(app_server, signed_in, screenshot, viewport):
    page = signed_in("canbo.lamvy", viewport)
    _open_dossier(page, app_server, "lam vy")
    assert page.locator(".entry-row select").count() > 0  # the «Đạt/Không đạt» fields are there
    assert page.evaluate(OVERLAPS) == []
    assert _page_width(page) <= viewport["width"]
    screenshot(page, f"layout-entry-{_name(viewport)}", full_page=False)


HEADER = """() => {
  const header = document.querySelector("header.top").getBoundingClientRect();
  const logout = document.querySelector("header.top form[action$='/dang-xuat/'] button").getBoundingClientRect();
  const hit = document.elementFromPoint(logout.left + logout.width / 2, logout.top + logout.height / 2);
  return {height: header.height, left: logout.left, right: logout.right, width: window.innerWidth,
          onTop: !!hit && !!hit.closest("form[action$='/dang-xuat/']")};
}"""


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_header_is_short_and_logout_always_visible(app_server, signed_in, screenshot, viewport):
    page = signed_in("canbo.lamvy", viewport)
    for path in ("/bang-dieu-khien/", "/xa/", "/xuat-du-lieu/"):
        page.goto(app_server + path)
        header = page.evaluate(HEADER)
        assert header["height"] <= HEADER_MAX, path
        assert header["left"] >= 0 and header["right"] <= header["width"], path
        assert header["onTop"], path  # nothing covers it
        assert _page_width(page) <= viewport["width"], path
    _open_dossier(page, app_server, "lam vy")
    assert page.evaluate(HEADER)["height"] <= HEADER_MAX
    assert _page_width(page) <= viewport["width"]
    screenshot(page, f"layout-dossier-{_name(viewport)}", full_page=False)


def test_the_phone_menu_opens_and_closes(app_server, signed_in, screenshot):
    page = signed_in("canbo.lamvy", PHONE)
    page.goto(app_server + "/xa/")
    toggle = page.locator("header.top .menu-toggle")
    menu = page.locator("#main-menu")
    assert toggle.is_visible() and not menu.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert menu.is_visible()
    assert page.evaluate(HEADER)["onTop"]
    screenshot(page, "layout-menu-open-390", full_page=False)
    menu.get_by_role("link", name="Xuất dữ liệu").click()
    page.wait_for_url("**/xuat-du-lieu/")
    page.locator("header.top .menu-toggle").click()
    page.keyboard.press("Escape")
    assert not page.locator("#main-menu").is_visible()
    assert page.locator("header.top .menu-toggle").get_attribute("aria-expanded") == "false"


def test_without_scripts_the_phone_menu_stays_open(app_server, visitor):
    page = visitor(PHONE, java_script_enabled=False)
    page.goto(app_server + "/")
    assert page.locator("#main-menu").is_visible()
    assert not page.locator("header.top .menu-toggle").is_visible()


def test_the_desktop_menu_shows_without_a_button(app_server, signed_in):
    page = signed_in("canbo.lamvy", DESKTOP)
    page.goto(app_server + "/xa/")
    assert page.locator("#main-menu").is_visible()
    assert not page.locator("header.top .menu-toggle").is_visible()


LABELS_OUTSIDE = """() => {
  const out = [];
  for (const id of Object.keys(Chart.instances)) {
    const chart = Chart.instances[id];
    const ctx = chart.ctx;
    for (const scale of Object.values(chart.scales)) {
      for (const item of scale.getLabelItems()) {
        ctx.save();
        ctx.font = item.font.string;
        const lines = Array.isArray(item.label) ? item.label : [item.label];
        const width = Math.max(...lines.map(line => ctx.measureText(String(line)).width));
        ctx.restore();
        const [x, y] = item.options.translation;
        const across = width * Math.abs(Math.cos(item.options.rotation || 0));
        const align = item.options.textAlign;
        const left = align === "right" ? x - across : align === "center" ? x - across / 2 : x;
        if (left < -0.5 || left + across > chart.width + 0.5 || y < -0.5 || y > chart.height + 0.5) {
          const where = `${Math.round(left)}..${Math.round(left + across)} of ${chart.width}`;
          out.push(`${chart.canvas.id} ${scale.id}: «${lines.join(" ")}» at ${where}`);
        }
      }
    }
  }
  return out;
}"""


@pytest.mark.parametrize("viewport", WIDTHS)
def test_chart_labels_stay_inside_their_canvas(app_server, visitor, screenshot, viewport):
    page = visitor(viewport)
    page.goto(app_server + "/")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 4")
    page.wait_for_timeout(300)  # the charts' first layout (a resize observer) settles
    assert page.evaluate(LABELS_OUTSIDE) == []
    assert _page_width(page) <= viewport["width"]
    page.locator("#chart-shares").scroll_into_view_if_needed()
    screenshot(page, f"layout-home-charts-{_name(viewport)}", full_page=True)


PRINTED = """() => {
  const shown = el => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const all = s => Array.from(document.querySelectorAll(s));
  // each chart inside its box, at the proportions it was drawn at (its text not squeezed)
  const canvases = all("canvas").map(c => {
    const box = c.parentElement.getBoundingClientRect(), own = c.getBoundingClientRect();
    return own.width > 0 && own.width <= box.width + 0.5 && own.height <= box.height + 0.5
           && Math.abs(own.width / own.height - c.width / c.height) < 0.02;
  });
  return {
    menu: shown(document.getElementById("main-menu")), account: shown(document.querySelector("header.top .account")),
    controls: all("main form, main button, main input, main select").filter(shown).length,
    rows: all("main tbody tr").every(tr => getComputedStyle(tr).breakInside === "avoid"),
    charts: canvases, brand: shown(document.querySelector("header.top .brand")),
  };
}"""


def _pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.parametrize("path, name", [("/bang-dieu-khien/", "dashboard"), ("/xa/?q=lam vy", "scorecard")])
def test_printing_leaves_out_the_menu_and_the_controls(app_server, signed_in, path, name):
    page = signed_in("vpdp.tinh", DESKTOP)
    page.goto(app_server + path)
    if name == "scorecard":
        page.locator("tr[data-unit] td[data-col=commune] a").first.click()
        page.wait_for_selector("table.criteria")
    else:
        page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 4")
    PRINTS.mkdir(parents=True, exist_ok=True)
    as_on_screen = PRINTS / f"{name}-screen-styles.pdf"
    page.emulate_media(media="screen")  # what printing gave before the print stylesheet
    page.pdf(format="A4", path=str(as_on_screen))
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")  # as the browser's print command does
    printed = page.evaluate(PRINTED)
    assert printed["menu"] is False and printed["account"] is False
    assert printed["brand"] is True
    assert printed["controls"] == 0
    assert printed["rows"] is True
    assert all(printed["charts"])
    target = PRINTS / f"{name}.pdf"
    page.pdf(format="A4", path=str(target))
    text = _pdf_text(target)
    for menu_only in ("Xuất dữ liệu", "Đăng xuất", "English"):  # a menu entry, the account, the language button
        assert menu_only not in text
    assert menu_only in _pdf_text(as_on_screen)
    assert _pages(target) < _pages(as_on_screen)
