"""The menu on a phone and on a desktop: one button that opens the groups, no script."""

import re

from ambassador.auth import services as accounts
from ambassador.extensions import db
from tests.conftest import PASSWORD


def _expect():
    from playwright.sync_api import expect

    return expect


def _log_in(page, url, email):
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The dashboard and its stylesheet loaded: the layout below is measured with its CSS.
    page.wait_for_url(re.compile(r"/dashboard$"), wait_until="load")


def test_on_a_phone_one_menu_button_opens_the_groups(browser, live_server, live_app,
                                                     screenshots):
    expect = _expect()
    accounts.create_user("ada@example.com", "admin", "Ada Admin", password=PASSWORD)
    db.session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB",
                                  java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _log_in(page, live_server.url, "ada@example.com")
        menu = page.get_by_text("Menu", exact=True)
        expect(menu).to_be_visible()
        accounts_link = page.get_by_role("link", name="Accounts")
        expect(accounts_link).to_be_hidden()
        # Nothing in the top bar wraps: it is one row, brand and button.
        height = page.locator(".topbar").evaluate("e => e.getBoundingClientRect().height")
        assert height < 80, height
        menu.click()
        expect(page.get_by_role("heading", name="NPS", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Admin", exact=True)).to_be_visible()
        page.screenshot(path=screenshots / "phone-menu-open.png")
        accounts_link.click()
        expect(page).to_have_url(re.compile(r"/dashboard/accounts$"))
        page.screenshot(path=screenshots / "phone-accounts.png", full_page=True)
    finally:
        context.close()


def test_on_a_desktop_the_groups_open_in_place(page, live_server, live_app, screenshots):
    expect = _expect()
    accounts.create_user("ada@example.com", "admin", "Ada Admin", password=PASSWORD)
    db.session.commit()
    _log_in(page, live_server.url, "ada@example.com")
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    page.locator(".navgroup summary", has_text="Admin").click()
    page.screenshot(path=screenshots / "desktop-menu-open.png")
    page.get_by_role("link", name="API tokens").click()
    expect(page).to_have_url(re.compile(r"/admin/tokens$"))
    expect(page.locator(".navgroup.is-current summary")).to_have_text("Admin")
