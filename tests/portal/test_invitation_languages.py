"""Invitations arrive in each customer's language, whoever pressed the button."""

import re
from datetime import timedelta

import pytest

from ambassador.extensions import db
from ambassador.mail.delivery import deliver_due
from ambassador.portal import invitations
from ambassador.utils import utcnow


@pytest.fixture
def smtp_mail(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", smtp_server.url)
    return smtp_server


def test_french_and_turkish_invitations_arrive_in_their_language(
        client, make_user, login, make_response, smtp_mail):
    make_response(10, email="helene@example.fr", name="Hélène Dupré", language="fr-FR")
    make_response(9, email="ipek@example.com.tr", name="İpek Güneş", language="Türkçe")
    make_response(10, email="sam@example.com", name="Sam Lee")
    marketer = make_user("marketer")
    marketer.language = "en"
    db.session.commit()
    login(marketer)

    response = client.post("/dashboard/invitations", headers={"Accept-Language": "en"})
    assert response.status_code == 303
    assert str(deliver_due()) == "sent 3, retry later 0, failed 0"

    mails = {m["To"]: m for m in smtp_mail.messages}
    french, turkish, english = (mails["helene@example.fr"], mails["ipek@example.com.tr"],
                                mails["sam@example.com"])
    assert french["Subject"] == ("Hélène, merci : vous êtes invité(e) à devenir l’un de nos "
                                 "ambassadeurs")
    text = french.get_body(("plain",)).get_content()
    html = french.get_body(("html",)).get_content()
    assert text.startswith("Bonjour Hélène,")
    assert "votre 10/10 a fait la joie de toute l’équipe" in text
    assert "valable 14 jours" in text and "Avec nos plus chaleureux remerciements" in text
    assert '<html lang="fr">' in html and "Devenir ambassadeur" in html
    assert "Ou collez cette adresse dans votre navigateur" in html

    assert turkish["Subject"] == "İpek, teşekkürler: marka elçilerimizden biri olmaya davetlisiniz"
    text = turkish.get_body(("plain",)).get_content()
    html = turkish.get_body(("html",)).get_content()
    assert text.startswith("Merhaba İpek,")
    assert "14 gün geçerlidir" in text and "En içten teşekkürlerimizle" in text
    assert '<html lang="tr">' in html and "Marka elçisi olun" in html
    for body in (text, html):
        assert "Thank you" not in body and "ambassadors" not in body

    assert english["Subject"].startswith("Sam, thank you")
    assert "Join as an ambassador" in english.get_body(("html",)).get_content()


def test_the_expiry_date_is_written_the_readers_way(client, make_user, login, make_response,
                                                   outbox):
    make_response(10, email="helene@example.fr", name="Hélène", language="fr")
    make_response(10, email="ipek@example.com.tr", name="İpek", language="tr")
    login(make_user("marketer"))
    client.post("/dashboard/invitations", headers={"Accept-Language": "tr"})
    french, turkish = outbox()
    months_fr = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                 "septembre", "octobre", "novembre", "décembre")
    months_tr = ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos",
                 "Eylül", "Ekim", "Kasım", "Aralık")
    assert any(f" {m} 20" in french.body_text for m in months_fr)
    assert any(f" {m} 20" in turkish.body_text for m in months_tr)


def _link(make_response, outbox, email, language, sent_at=None):
    make_response(10, email=email, name="Someone", language=language)
    invitations.send_invitations(sent_at)
    db.session.commit()
    return re.search(r"/welcome/[\w-]+", outbox(to=email)[-1].body_text).group(0)


ENGLISH = {"Accept-Language": "en"}


def test_a_dead_link_speaks_the_language_of_the_person_it_was_sent_to(
        client, make_response, outbox):
    used = _link(make_response, outbox, "helene@example.fr", "fr")
    client.post(used, data={"password": "a-long-password", "confirm": "a-long-password"})
    client.post("/logout")
    page = client.get(used, headers=ENGLISH)
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "Cette invitation a déjà été utilisée." in html and "This invitation" not in html

    expired = _link(make_response, outbox, "ipek@example.com.tr", "tr",
                    sent_at=utcnow() - timedelta(days=30))
    page = client.get(expired, headers=ENGLISH)
    assert page.status_code == 410
    assert "Bu davetin süresi doldu." in page.get_data(as_text=True)
    renewed = client.post(f"{expired}/renew", headers=ENGLISH)
    assert renewed.status_code == 200
    assert "Gelen kutunuza bakın" in renewed.get_data(as_text=True)
    assert "Check your inbox" not in renewed.get_data(as_text=True)


def test_a_link_that_names_nobody_keeps_the_visitors_language(client):
    english = client.get("/welcome/not-a-real-token", headers=ENGLISH)
    assert english.status_code == 404 and "Page not found" in english.get_data(as_text=True)
    french = client.get("/welcome/not-a-real-token", headers={"Accept-Language": "fr"})
    assert "Page introuvable" in french.get_data(as_text=True)
