"""In headless Chromium: an ambassador copies their link, a friend signs up in another browser,
and the marketer marks the conversion and sees the reward pending."""

from datetime import timedelta

from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.nps.services import record_responses
from ambassador.offers import services as offers
from ambassador.referrals import rewards
from ambassador.referrals.models import LinkVisit, Referral
from ambassador.utils import utcnow
from tests.conftest import PASSWORD


def _log_in(page, url, email):
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_friend_signs_up_through_a_copied_link_and_the_reward_is_pending(
        page, browser, live_server, live_app, screenshots):
    from playwright.sync_api import expect

    record_responses([{"email": "ayse@example.com.tr", "score": 10, "name": "Ayşe Yılmaz",
                       "language": "en"}], "import")
    db.session.commit()
    customer_id = db.session.scalar(db.text("SELECT id FROM customers"))
    accounts.create_user("ayse@example.com.tr", "promoter", "Ayşe Yılmaz", password=PASSWORD,
                         customer_id=customer_id)
    marketer = accounts.create_user("margaux@example.com", "marketer", "Margaux",
                                    password=PASSWORD)
    offer = offers.create_offer(marketer, {
        "title": "15 % off your first year", "code_mode": "shared", "shared_code": "FRIEND15",
        "shareable": True, "description": "For friends of our ambassadors.",
        "starts_at": utcnow() - timedelta(days=1), "ends_at": utcnow() + timedelta(days=30)})
    rewards.set_offer_reward(offer.id, "points", "150")
    db.session.commit()

    # the ambassador makes and copies their link
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=live_server.url)
    _log_in(page, live_server.url, "ayse@example.com.tr")
    page.get_by_role("link", name="Invite friends").first.click()
    page.get_by_role("button", name="Get my referral link").click()
    link = page.locator("#referral-link")
    expect(link).to_contain_text(f"{live_server.url}/r/")
    page.get_by_role("button", name="Copy").first.click()
    expect(page.get_by_role("button", name="Copied!")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == link.text_content().strip()
    expect(page.locator("svg.qr-code")).to_be_visible()
    page.screenshot(path=screenshots / "referrals-invite.png", full_page=True)

    # a friend opens it in another browser, in French
    friend = browser.new_context(locale="fr-FR")
    tab = friend.new_page()
    tab.set_default_timeout(10_000)
    tab.goto(copied)
    expect(tab.get_by_role("heading", name="Ayşe vous invite")).to_be_visible()
    expect(tab.get_by_text("15 % off your first year")).to_be_visible()
    tab.get_by_label("Votre nom").fill("Luc Martin")
    tab.get_by_label("Votre e-mail").fill("luc@example.fr")
    tab.get_by_label("J’accepte d’être contacté au sujet de cette offre").check()
    tab.get_by_role("button", name="S’inscrire").click()
    expect(tab.get_by_role("heading", name="Bienvenue, Luc Martin !")).to_be_visible()
    expect(tab.locator("#friend-code")).to_have_text("FRIEND15")
    tab.screenshot(path=screenshots / "referrals-friend.png", full_page=True)
    friend.close()
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(LinkVisit)) == 1

    # the marketer marks the conversion and sees the reward pending
    page.get_by_role("button", name="Log out").click()
    _log_in(page, live_server.url, "margaux@example.com")
    page.goto(f"{live_server.url}/dashboard/referrals")
    row = page.locator("tr", has_text="luc@example.fr")
    row.get_by_role("button", name="Mark converted").click()
    expect(page.get_by_text("Converted. The reward of 150 points is pending until")) \
        .to_be_visible()
    expect(page.locator("tr", has_text="luc@example.fr").get_by_text("Pending")).to_be_visible()
    page.screenshot(path=screenshots / "referrals-dashboard.png", full_page=True)
    db.session.expire_all()
    referral = db.session.scalar(db.select(Referral))
    assert referral.converted_at is not None and rewards.reward_of(referral.id).state \
        == "pending"
