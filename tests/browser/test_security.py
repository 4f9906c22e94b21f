"""In Chromium: the Content-Security-Policy blocks nothing of ours, confirmations still ask."""

import re

from ambassador.auth import services as accounts
from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.nps.services import record_responses
from tests.conftest import PASSWORD


def _expect():
    from playwright.sync_api import expect

    return expect


def _watch_csp(page) -> list[str]:
    """Collect the browser's CSP violation reports for this tab."""
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def _log_in(page, live_server, email):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_pages_work_under_the_policy_and_disabling_asks_first(page, live_server, live_app,
                                                              screenshots):
    expect = _expect()
    record_responses([{"email": f"c{i}@example.com", "score": score, "company": "Northwind"}
                      for i, score in enumerate((10, 10, 9, 8, 7, 3, 0))], source="import")
    accounts.create_user("ada@example.com", "admin", "Ada", password=PASSWORD)
    target = accounts.create_user("bob@example.com", "marketer", "Bob", password=PASSWORD)
    db.session.commit()
    violations = _watch_csp(page)

    _log_in(page, live_server, "ada@example.com")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    bar = page.locator(".split-bar.large rect.seg-promoter")
    assert bar.bounding_box()["width"] > 100  # 3 of 7 promoters: the bar is drawn
    page.screenshot(path=screenshots / "dashboard-under-csp.png", full_page=True)

    page.goto(f"{live_server.url}/admin/users")
    row = page.locator("tr", has_text="bob@example.com")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Disable").click()
    page.wait_for_timeout(300)
    db.session.expire_all()
    assert not db.session.get(User, target.id).disabled  # dismissed: nothing sent

    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Disable").click()
    expect(page.get_by_text("bob@example.com is disabled.")).to_be_visible()
    assert messages == ["Disable this account? Its open sessions end at once."]
    page.screenshot(path=screenshots / "users-after-disable.png", full_page=True)
    assert violations == []


def test_an_injected_inline_script_does_not_run(page, live_server, live_app):
    violations = _watch_csp(page)
    page.goto(f"{live_server.url}/login")
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.pwned = true';
        document.body.appendChild(s);
    }""")
    assert page.evaluate("() => window.pwned === undefined")
    assert any(re.search(r"script-src", v) for v in violations)
