"""In headless Chromium: an ambassador claims an offer and finds the same code after a reload."""

import re
from datetime import timedelta

from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.nps.services import record_responses
from ambassador.offers import codes, services
from ambassador.utils import utcnow
from tests.conftest import PASSWORD


def test_a_promoter_claims_an_offer_and_keeps_the_same_code(page, live_server, live_app,
                                                          screenshots):
    from playwright.sync_api import expect

    record_responses([{"email": "sukru@example.com.tr", "score": 10, "name": "Şükrü Yılmaz",
                       "language": "en"}], "import")
    db.session.commit()
    customer_id = db.session.scalar(db.text("SELECT id FROM customers"))
    accounts.create_user("sukru@example.com.tr", "promoter", "Şükrü Yılmaz",
                         password=PASSWORD, customer_id=customer_id)
    marketer = accounts.create_user("margaux@example.com", "marketer", "Margaux",
                                    password=PASSWORD)
    offer = services.create_offer(marketer, {
        "title": "A free onboarding session", "code_mode": "pool",
        "description": "Give a colleague **one hour** with our specialists.",
        "starts_at": utcnow() - timedelta(days=1), "ends_at": utcnow() + timedelta(days=30)})
    codes.add_codes(offer, codes.lines_of_text("ONBOARD-7K3Q\nONBOARD-9XWP\nONBOARD-M4TZ"))
    db.session.commit()

    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill("sukru@example.com.tr")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Offers you haven't claimed yet")).to_be_visible()
    page.get_by_role("link", name="A free onboarding session").click()
    expect(page).to_have_url(f"{live_server.url}/offers/{offer.id}")
    expect(page.get_by_text("3 codes left.")).to_be_visible()

    page.get_by_role("button", name="Claim my code").dblclick()  # a double click: one code
    expect(page.get_by_text("Here is your code.", exact=False)).to_be_visible()
    code = page.locator("#offer-code")
    expect(code).to_have_text("ONBOARD-7K3Q")
    copy = page.get_by_role("button", name="Copy")
    expect(copy).to_be_visible()  # shown once the script in static/js has run
    copy.click()
    expect(page.get_by_role("button", name="Copied!")).to_be_visible()
    page.screenshot(path=screenshots / "offer-claimed.png", full_page=True)

    page.reload()
    expect(page.locator("#offer-code")).to_have_text("ONBOARD-7K3Q")
    assert re.fullmatch(r"ONBOARD-\w{4}", code.text_content() or "")
    expect(page.get_by_role("button", name="Claim my code")).to_have_count(0)
    page.goto(f"{live_server.url}/offers")
    expect(page.locator(".offer-code-inline")).to_have_text("ONBOARD-7K3Q")
    db.session.expire_all()
    assert services.get_offer(offer.id).claimed == 1
