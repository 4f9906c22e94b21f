"""In headless Chromium: a promoter writes a testimonial and consents; a marketer approves it."""

import io
import re

from PIL import Image

from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.nps.services import record_responses
from tests.conftest import PASSWORD


def _expect():
    from playwright.sync_api import expect

    return expect


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 400), (75, 63, 214)).save(out, "PNG")
    return out.getvalue()


def test_promoter_writes_and_consents_then_marketer_approves(browser, page, live_server,
                                                              live_app, screenshots):
    expect = _expect()
    record_responses([{"email": "grace@example.com", "score": 10, "name": "Grace Walker",
                       "company": "Northwind Traders", "language": "en"}], "import")
    db.session.commit()
    from ambassador.nps.models import Customer

    customer = db.session.query(Customer).filter_by(email="grace@example.com").one()
    accounts.create_user("grace@example.com", "promoter", "Grace Walker", password=PASSWORD,
                         customer_id=customer.id)
    accounts.create_user("margaux@example.com", "marketer", "Margaux Lefèvre",
                         password=PASSWORD)
    db.session.commit()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    base = live_server.url
    _login(page, base, "grace@example.com")
    page.get_by_role("link", name="Testimonials").first.click()
    page.get_by_role("link", name="Write a testimonial").first.click()
    body = page.get_by_label("Your testimonial", exact=True)
    body.fill("Onboarding took one afternoon and <b>the product</b> just works.")
    expect(page.locator("#body-counter")).to_have_text("64 / 600 characters")
    page.locator("label[for=rating-1]").click()  # the second star from the right: 4
    expect(page.get_by_label("Name shown")).to_have_value("Grace Walker")
    expect(page.get_by_label("Title and company shown")).to_have_value("Northwind Traders")
    page.get_by_label("First name and initial only").check()
    page.set_input_files("#photo", files=[{"name": "me.png", "mimeType": "image/png",
                                           "buffer": _photo()}])
    page.get_by_label(re.compile("You may publish the text")).check()
    page.get_by_label(re.compile("You may show my name")).check()
    page.get_by_label(re.compile("You may show the photo")).check()
    page.screenshot(path=screenshots / "testimonial-write.png", full_page=True)
    page.get_by_role("button", name="Send my testimonial").click()
    expect(page.get_by_text("Your testimonial is waiting for a quick review.")).to_be_visible()
    expect(page.get_by_text("Pending review")).to_be_visible()
    page.screenshot(path=screenshots / "testimonial-pending.png", full_page=True)

    marketer = browser.new_context(viewport={"width": 1280, "height": 860})
    staff = marketer.new_page()
    staff.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    _login(staff, base, "margaux@example.com")
    staff.locator(".navgroup summary", has_text="Content").click()
    staff.get_by_role("link", name="Testimonials").click()
    expect(staff.get_by_text("<b>the product</b>", exact=False)).to_be_visible()
    staff.screenshot(path=screenshots / "testimonial-queue.png", full_page=True)
    staff.get_by_role("link", name="Review", exact=True).click()
    expect(staff.get_by_text("Title and company: not shown")).to_be_visible()
    staff.get_by_role("button", name="Approve and publish").click()
    expect(staff.get_by_text("Approved: it is published")).to_be_visible()
    staff.screenshot(path=screenshots / "testimonial-approved.png", full_page=True)
    marketer.close()

    page.reload()
    published = page.locator(".t-card")
    expect(published).to_contain_text("Grace W.")
    expect(published).not_to_contain_text("Northwind")  # no company consent
    expect(published.locator("img.t-photo")).to_be_visible()
    expect(published.get_by_text("Verified promoter")).to_be_visible()
    page.screenshot(path=screenshots / "testimonial-published.png", full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Withdraw my testimonial").click()
    expect(page.get_by_text("You withdrew it on")).to_be_visible()
    assert problems == []
