"""Login, dashboard and portal home in French and Turkish, in a real browser."""

import pytest

from ambassador.auth import services as accounts
from ambassador.extensions import db
from ambassador.nps.services import record_response
from ambassador.utils import utcnow
from tests.conftest import PASSWORD
from tests.test_page_languages import english_phrases, left_in_english

LOGIN = {"fr": ("E-mail", "Mot de passe", "Se connecter"),
         "tr": ("E-posta", "Parola", "Giriş yap")}


def _expect():
    from playwright.sync_api import expect

    return expect


def _data() -> None:
    """A marketer, a French and a Turkish promoter, and a quarter of answers."""
    now = utcnow()
    for i, score in enumerate([10, 9, 9, 10, 8, 7, 6, 3, 10, 9, 2, 10]):
        record_response({"email": f"p{i}@example.com", "score": score, "responded_at": now,
                         "company": "Lumière Voyages" if i % 2 else "İstanbul Yazılım",
                         "comment": "Très réactifs" if i % 3 else "Çok ilgili bir ekip"},
                        "import")
    for email, name, language in (("helene@example.fr", "Hélène Dupré", "fr"),
                                  ("ipek@example.com.tr", "İpek Güneş", "tr")):
        response = record_response({"email": email, "score": 10, "name": name,
                                    "language": language, "responded_at": now}, "import")
        accounts.create_user(email, "promoter", name, password=PASSWORD,
                             customer_id=response.customer_id)
    accounts.create_user("marie@example.com", "marketer", "Marie Martin", password=PASSWORD)
    db.session.commit()


def _log_in(page, language: str, email: str) -> None:
    email_label, password_label, button = LOGIN[language]
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label).fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()


def _check(page, language: str, name: str, screenshots) -> None:
    """The page is in `language`, nothing sticks out sideways, no English sentence is left."""
    page.wait_for_load_state("load")  # measured with the stylesheet applied
    assert page.locator("html").get_attribute("lang") == language
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: {overflow}px wider than the window"
    assert left_in_english(page.content(), english_phrases(language)) == [], name
    page.screenshot(path=screenshots / f"{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize("language, locale", [("fr", "fr-FR"), ("tr", "tr-TR")])
def test_a_marketer_reads_login_and_dashboard_in_the_browsers_language(
        browser, live_server, live_app, screenshots, language, locale):
    expect = _expect()
    _data()
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/login")
        _check(page, language, f"login-{language}", screenshots)
        _log_in(page, language, "marie@example.com")
        expect(page.locator("h1")).to_have_text(
            {"fr": "Tableau de bord NPS", "tr": "NPS gösterge paneli"}[language])
        expect(page.locator(".trend-chart")).to_be_visible()
        _check(page, language, f"dashboard-{language}", screenshots)
        chart = page.locator(".trend-chart .axis-n").last.text_content()
        assert chart == "n=14", chart  # 12 answers + 2 promoters, written the reader's way
        share = page.locator(".split-table .split-promoter td").last.text_content()
        assert share == {"fr": "64,3\xa0%", "tr": "%64,3"}[language], share  # 9 of 14
    finally:
        context.close()


@pytest.mark.browser
def test_the_footer_switcher_and_each_promoters_own_language(browser, live_server, live_app,
                                                             screenshots):
    expect = _expect()
    _data()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/login")
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_role("button", name="Türkçe").click()
        expect(page.get_by_role("heading", name="Giriş yap")).to_be_visible()
        _check(page, "tr", "login-tr-phone", screenshots)
        # İpek's customer record says Turkish; Hélène's says French, whatever the cookie.
        _log_in(page, "tr", "ipek@example.com.tr")
        expect(page.get_by_role("heading", name="Hoş geldiniz, İpek")).to_be_visible()
        _check(page, "tr", "portal-tr-phone", screenshots)
        page.get_by_text("Menü", exact=True).click()
        page.get_by_role("button", name="Oturumu kapat").first.click()
        _log_in(page, "tr", "helene@example.fr")
        expect(page.get_by_role("heading", name="Bienvenue, Hélène")).to_be_visible()
        _check(page, "fr", "portal-fr-phone", screenshots)
    finally:
        context.close()
