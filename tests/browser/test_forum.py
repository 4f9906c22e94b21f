"""In Chromium: a thread full of XSS payloads runs no script; a reply through the real form."""

from sqlalchemy import select

from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.forum import moderation, services
from ambassador.forum.models import Post, Visit
from ambassador.nps.models import Customer
from ambassador.nps.services import record_responses
from tests.conftest import PASSWORD
from tests.forum.xss_payloads import PAYLOADS


def _expect():
    from playwright.sync_api import expect

    return expect


def _promoter(email: str, name: str):
    record_responses([{"email": email, "score": 10, "name": name}], source="import")
    customer = db.session.scalar(select(Customer).where(Customer.email == email))
    return accounts.create_user(email, "promoter", name, password=PASSWORD,
                                customer_id=customer.id)


def _log_in(page, live_server, email):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_thread_full_of_payloads_runs_no_script(page, live_server, live_app, screenshots):
    expect = _expect()
    marketer = accounts.create_user("margaux@example.com", "marketer", "Margaux",
                                    password=PASSWORD)
    author = _promoter("grace@example.com", "Grace")
    category = moderation.save_category(marketer, None, "General")
    thread = services.create_thread(author, category, "<img src=x onerror=alert(1)>",
                                    PAYLOADS[0])
    for payload in PAYLOADS[1:25]:
        services.reply(author, thread, payload)
    db.session.commit()
    dialogs, errors = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))

    _log_in(page, live_server, "grace@example.com")
    for number in (1, 2, 3, 4):
        page.goto(f"{live_server.url}/forum/t/{thread.id}?page={number}")
        expect(page.locator(".forum-post").first).to_be_visible()
        page.locator(".forum-post a").first.hover()  # onmouseover payloads get their chance
        page.wait_for_timeout(200)
        assert page.evaluate("() => document.querySelectorAll('.forum-body script, "
                             ".forum-body iframe, .forum-body svg, .forum-body math, "
                             ".forum-body [onerror], .forum-body [onload]').length") == 0
    page.goto(f"{live_server.url}/forum/t/{thread.id}")
    page.screenshot(path=screenshots / "forum-xss-thread.png", full_page=True)
    assert dialogs == [] and errors == []


def test_a_promoter_replies_and_the_page_remembers_what_they_saw(page, live_server, live_app,
                                                                 screenshots):
    expect = _expect()
    marketer = accounts.create_user("margaux@example.com", "marketer", "Margaux",
                                    password=PASSWORD)
    reader = _promoter("grace@example.com", "Grace")
    category = moderation.save_category(marketer, None, "General")
    thread = services.create_thread(marketer, category, "Welcome", "Say hello!")
    db.session.commit()

    _log_in(page, live_server, "grace@example.com")
    page.goto(f"{live_server.url}/forum/c/{category.id}")
    page.get_by_role("link", name="Welcome").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    page.wait_for_timeout(300)  # the page reports what it showed
    db.session.expire_all()
    assert db.session.get(Visit, (reader.id, thread.id)).last_post_id == thread.last_post_id

    page.get_by_label("Your reply").fill("Hello from **Grace**")
    page.get_by_role("button", name="Reply").click()
    expect(page.locator(".forum-body strong", has_text="Grace")).to_be_visible()
    page.get_by_role("link", name="Quote").first.click()
    assert page.get_by_label("Your reply").input_value().startswith("> **Margaux:**")
    page.screenshot(path=screenshots / "forum-thread.png", full_page=True)
    posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id)).all()
    assert len(posts) == 2
