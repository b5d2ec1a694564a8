"""The entry page in two tabs: each save sends the dossier version the page holds (htmx ``hx-include``), the
page keeps it current after its own saves (out-of-band swap), and a tab loaded before someone else's save is
refused with the message, keeping the other value. Values are re-entered unchanged, so the demo's figures
stay as they were for the other browser tests. The dossier: Lam Vỹ's 2026 self-assessment (a draft)."""



def _version(page) -> int:
    return int(page.locator("#dossier-version").input_value())


def _same_number(text: str) -> str:
    """The value written differently (64,5 → 64,50; 100 → 100,0): a change for the browser, not for the data."""
    assert text, "the demo dossier has this value"
    return text + ("0" if "," in text else ",0")


def _wait_version(page, version: int) -> None:
    page.wait_for_function(f"() => document.getElementById('dossier-version').value === '{version}'")


def test_a_stale_tab_is_refused_and_the_fresh_one_keeps_saving(app_server, signed_in):
    first = signed_in("canbo.lamvy")
    first.goto(f"{app_server}/ho-so/")
    first.locator("tr[data-dossier]", has_text="Lam Vỹ").locator("a").first.click()
    first.wait_for_selector("#dossier-version", state="attached")
    if first.locator("#carried button[name=all]").count():  # the values carried from 2025, confirmed first
        first.click("#carried button[name=all]")
        first.wait_for_selector('[data-step="submit"]')
    url = first.url
    second = signed_in("canbo.lamvy")
    second.goto(url)
    loaded = _version(first)
    assert _version(second) == loaded

    # the first tab saves two values in different criteria, one after the other: both go through
    road = first.locator("#v-2\\.1")
    kept = road.input_value()
    road.fill(_same_number(kept))
    road.blur()  # leave the field: change → htmx save (press() races the swap)
    _wait_version(first, loaded + 1)
    other = first.locator("#crit-3 input[name=value]").first
    other_value = other.input_value()
    other.fill(_same_number(other_value))
    other.blur()  # leave the field: change → htmx save (press() races the swap)
    _wait_version(first, loaded + 2)
    assert first.locator("[role=alert]").count() == 0
    assert first.locator('[data-step="submit"] input[name=version]').input_value() == str(loaded + 2)

    # the second tab, still at the version it loaded, is refused; its input stays in the box
    stale = second.locator("#v-2\\.1")
    stale.fill("12,5")
    stale.blur()  # leave the field: change → htmx save (press() races the swap)
    second.wait_for_selector("#check-i2_1 [role=alert]")
    message = second.locator("#check-i2_1").inner_text()
    assert "vừa được canbo.lamvy thay đổi" in message and "Tải lại trang" in message
    assert second.locator("#v-2\\.1").input_value() == "12,5"
    assert _version(second) == loaded

    # nothing was lost: the stored value is the first tab's, as a reload shows
    second.reload()
    assert second.locator("#v-2\\.1").input_value() == kept
    assert _version(second) == loaded + 2
    for page in (first, second):
        page.context.close()
