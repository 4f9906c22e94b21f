"""End to end in headless Chromium: logging in, and following an invitation mail."""

import re

from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.mail.delivery import deliver_due
from ambassador.nps.services import record_responses
from tests.conftest import PASSWORD

LINK_RE = re.compile(r"https?://\S+/welcome/[A-Za-z0-9_-]+")


def _expect():
    from playwright.sync_api import expect

    return expect


def test_marketer_logs_in_through_the_login_page(page, live_server, live_app, screenshots):
    expect = _expect()
    accounts.create_user("margaux@example.com", "marketer", "Margaux Lefèvre",
                         password=PASSWORD)
    db.session.commit()

    page.goto(f"{live_server.url}/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill("margaux@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    page.screenshot(path=screenshots / "login-wrong-password.png", full_page=True)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".who-name:visible")).to_have_text("Margaux Lefèvre")
    page.screenshot(path=screenshots / "dashboard.png", full_page=True)


def test_invitation_mail_leads_to_a_logged_in_portal(page, live_server, live_app, smtp_server,
                                                   screenshots):
    expect = _expect()
    record_responses([{"email": "helene@example.fr", "score": 10, "name": "Hélène Dupré",
                       "language": "fr", "company": "Lumière Voyages",
                       "comment": "Service impeccable !"}], "import")
    db.session.commit()

    live_app.config["MAIL_URL"] = smtp_server.url
    result = live_app.test_cli_runner().invoke(args=["invitations", "send"])
    assert result.output == "invited 1\n", result.output
    assert deliver_due().sent == 1
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "helene@example.fr"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Bonjour Hélène" in text
    link = LINK_RE.search(text).group(0)
    assert link.startswith(live_server.url)

    page.goto(link)  # Hélène answered in French: her pages are in French
    expect(page.get_by_role("heading", name="Bienvenue, Hélène")).to_be_visible()
    page.screenshot(path=screenshots / "invitation-landing.png", full_page=True)
    page.get_by_label("Choisissez un mot de passe").fill("short")
    page.get_by_label("Confirmez le mot de passe").fill("short")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_text("Utilisez au moins 10 caractères (et au plus 256).")).to_be_visible()
    field = page.get_by_label("Choisissez un mot de passe")
    expect(field).to_have_attribute("aria-invalid", "true")  # the error is tied to the input

    field.fill("hélène-loves-lyon")
    page.get_by_label("Confirmez le mot de passe").fill("hélène-loves-lyon")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(f"{live_server.url}/portal")
    expect(page.get_by_role("heading", name="Bienvenue, Hélène")).to_be_visible()
    expect(page.get_by_text("Ambassadeur actif", exact=True)).to_be_visible()
    expect(page.locator(".who-name:visible")).to_have_text("Hélène Dupré")
    page.screenshot(path=screenshots / "portal-home.png", full_page=True)

    page.goto(link)  # the link is single-use
    expect(page.get_by_role("heading", name="Cette invitation ne fonctionne plus")).to_be_visible()
    page.screenshot(path=screenshots / "invitation-used.png", full_page=True)
