"""The unit picker in headless Chromium: a unit is found by its name typed without diacritics and chosen with the
keyboard or the mouse, its code goes in the field and its name shows beside the label; only the units the user may
see are offered; a name left in the field is resolved on submit; and without scripts the field still takes a code,
with a search page that carries the chosen code back to the form (issue 11, point 14)."""

from urllib.parse import parse_qs, urlsplit

PHONE = {"width": 390, "height": 844}


def _options(page, field_id):
    page.wait_for_selector(f"#{field_id}-options [role=option]")
    return page.locator(f"#{field_id}-options [role=option]")


def test_a_commune_is_found_without_diacritics_and_chosen_with_the_keyboard(app_server, signed_in, screenshot):
    page = signed_in("vpdp.tinh")
    page.goto(app_server + "/xuat-du-lieu/")
    field = page.locator("#export-unit")
    assert field.get_attribute("role") == "combobox"
    assert page.locator(".unit-field .unit-lookup").first.is_hidden()  # the field searches itself
    field.fill("")
    field.press_sequentially("dai tu", delay=20)
    options = _options(page, "export-unit")
    assert "Xã Đại Từ" in options.all_inner_texts()[0]
    assert field.get_attribute("aria-expanded") == "true"
    screenshot(page, "unit-picker-desktop", full_page=False)
    field.press("ArrowDown")
    assert field.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    field.press("Enter")
    assert field.input_value() == "05830"
    assert page.locator("#export-unit-picked").inner_text() == "Xã Đại Từ"
    assert field.get_attribute("aria-expanded") == "false"


def test_a_name_left_in_the_field_is_resolved_when_it_names_one_unit(app_server, signed_in):
    page = signed_in("vpdp.tinh")
    page.goto(app_server + "/bang-dieu-khien/?as_of=2023-06-30")
    page.locator("#dashboard-unit").fill("huyen dai tu")  # on 30/6/2023 one unit: the district
    with page.expect_navigation():
        page.locator("#dashboard-unit").press("Enter")
    assert parse_qs(urlsplit(page.url).query)["unit"] == ["171"]
    assert "Huyện Đại Từ" in page.locator("h1").inner_text()
    page.wait_for_function("() => document.getElementById('dashboard-unit-picked').textContent !== ''")
    assert page.locator("#dashboard-unit-picked").inner_text() == "Huyện Đại Từ"  # the name of the code shown


def test_a_commune_officer_is_offered_only_the_units_of_the_role(app_server, signed_in):
    page = signed_in("canbo.lamvy")
    page.goto(app_server + "/xuat-du-lieu/")
    field = page.locator("#export-unit")
    field.fill("")
    field.press_sequentially("dai tu", delay=20)
    status = page.locator("#export-unit ~ .unit-popup .unit-status")
    status.wait_for()
    assert "Không có đơn vị nào khớp «dai tu» trong phạm vi bạn được xem" in status.inner_text()
    assert page.locator("#export-unit-options [role=option]").count() == 0
    field.fill("")
    field.press_sequentially("lam vy", delay=20)
    assert "Xã Lam Vỹ" in _options(page, "export-unit").first.inner_text()


def test_the_open_data_page_offers_the_provinces_units_to_anyone_on_a_phone(app_server, visitor, screenshot):
    page = visitor(PHONE)
    page.goto(app_server + "/du-lieu-mo/?as_of=2023-06-30")
    field = page.locator("#open-data-unit")
    field.fill("")
    field.press_sequentially("dai tu", delay=20)
    options = _options(page, "open-data-unit")
    assert "Huyện Đại Từ" in options.first.inner_text()  # the district of 2023: the search follows the page's date
    popup = page.locator("#open-data-unit ~ .unit-popup").bounding_box()
    assert popup["x"] >= 0 and popup["x"] + popup["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "unit-picker-phone", full_page=False)
    options.first.click()
    assert field.input_value() == "171"


def test_without_scripts_the_search_page_carries_the_code_back(app_server, visitor):
    page = visitor(java_script_enabled=False)
    page.goto(app_server + "/du-lieu-mo/?as_of=2023-06-30")
    assert page.locator("#open-data-unit").get_attribute("role") is None  # a plain field
    page.locator(".unit-field .unit-lookup").click()
    page.fill("input[name=q]", "Đại Từ")
    page.click("main form button[type=submit]")
    row = page.locator("tr[data-unit='171']")
    assert "Huyện Đại Từ" in row.inner_text()
    row.get_by_role("link").click()
    assert urlsplit(page.url).path == "/du-lieu-mo/"
    assert parse_qs(urlsplit(page.url).query) == {"as_of": ["2023-06-30"], "unit": ["171"]}
    assert page.locator("#open-data-unit").input_value() == "171"
