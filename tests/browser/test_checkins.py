"""End to end in headless Chromium: a check-in mail from the SMTP server to the recorded answer."""

import re
from datetime import timedelta

from sqlalchemy import select

from ambassador.checkins import services
from ambassador.extensions import db
from ambassador.mail.delivery import deliver_due
from ambassador.nps.models import Customer, Response
from ambassador.nps.services import record_responses
from ambassador.utils import utcnow

LINK_RE = re.compile(r"(https?://\S+/c/[A-Za-z0-9_.-]+)/(\d+)")


def _expect():
    from playwright.sync_api import expect

    return expect


def test_a_checkin_mail_to_a_recorded_answer(page, live_server, live_app, smtp_server,
                                             screenshots):
    expect = _expect()
    record_responses([{"email": "emre@example.com", "score": 10, "name": "Emre Yılmaz",
                       "responded_at": utcnow() - timedelta(days=120)}], "import")
    db.session.commit()
    live_app.config["MAIL_URL"] = smtp_server.url
    for _part in services.send_due():
        db.session.commit()
    assert deliver_due().sent == 1
    [message] = smtp_server.messages
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(preferencelist=("plain",)).get_content()
    links = {int(score): f"{base}/{score}" for base, score in LINK_RE.findall(text)}
    assert sorted(links) == list(range(11)) and links[6].startswith(live_server.url)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert links[6] in html

    page.goto(links[6])  # a mail scanner would stop here: nothing is recorded
    expect(page.get_by_text("Your answer: 6 out of 10.")).to_be_visible()
    expect(page.get_by_role("heading", name="We are sorry. What went wrong?")).to_be_visible()
    page.screenshot(path=screenshots / "checkin-answer.png", full_page=True)
    db.session.expire_all()
    assert db.session.scalars(select(Response).where(Response.source == "checkin")).all() == []

    page.get_by_role("link", name="8", exact=True).click()  # changed their mind on the page
    expect(page.get_by_role("heading", name="What would make it a 10?")).to_be_visible()
    page.get_by_label("Your comment (optional)").fill("Faster exports, please.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", name="Thank you for your answer")).to_be_visible()
    expect(page.get_by_text("You answered 8 out of 10.")).to_be_visible()
    page.screenshot(path=screenshots / "checkin-thanks.png", full_page=True)

    db.session.expire_all()
    [answer] = db.session.scalars(select(Response).where(Response.source == "checkin")).all()
    assert (answer.score, answer.comment) == (8, "Faster exports, please.")
    customer = db.session.scalar(select(Customer).where(Customer.email == "emre@example.com"))
    assert customer.status == "lapsed"
