"""Unsubscribing: the link in every bulk mail, the RFC 8058 one-click POST, undo."""

from sqlalchemy import select

from ambassador.extensions import db
from ambassador.mail.budget import is_unsubscribed
from ambassador.mail.delivery import deliver_due
from ambassador.mail.models import Unsubscribe
from ambassador.mail.unsubscribe import queue_bulk_mail, unsubscribe, unsubscribe_token


def _bulk(email="gus@example.com", locale="en"):
    message = queue_bulk_mail(email, "program_message", "News", locale=locale, name="Gus",
                              program=type("P", (), {"title": "Beta"})(), body="Hello",
                              link="http://ambassador.test/programs/1")
    db.session.commit()
    return message


def _path(token):
    return f"/unsubscribe/{token}"


def test_a_bulk_mail_carries_the_link_and_the_rfc_8058_headers(app, mail_config, smtp_mail):
    message = _bulk()
    assert "http://ambassador.test/unsubscribe/" in message.body_text
    assert "/unsubscribe/" in message.body_html
    deliver_due()
    [email] = smtp_mail.messages
    link = email["List-Unsubscribe"]
    assert link.startswith("<http://ambassador.test/unsubscribe/") and link.endswith(">")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_page_never_changes_anything_on_get(client):
    token = unsubscribe_token("gus@example.com")
    page = client.get(_path(token))
    assert page.status_code == 200
    assert "Unsubscribe from our mail?" in page.get_data(as_text=True)
    assert db.session.scalars(select(Unsubscribe)).all() == []


def test_one_click_post_works_with_no_cookie_and_no_csrf_token(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()  # no session, no cookie
        token = unsubscribe_token("gus@example.com")
        response = client.post(_path(token), data={"List-Unsubscribe": "One-Click"},
                               headers={"Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 200
        assert "You are unsubscribed" in response.get_data(as_text=True)
        assert is_unsubscribed("gus@example.com")
        # the only exemption: the undo form still needs its CSRF token
        assert client.post(_path(token) + "/undo").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert is_unsubscribed("gus@example.com")


def test_the_page_button_unsubscribes_and_offers_to_undo(client):
    token = unsubscribe_token("gus@example.com", "fr")
    response = client.post(_path(token), follow_redirects=True)
    assert "Annuler" in response.get_data(as_text=True)  # in the language of the mail
    assert is_unsubscribed("gus@example.com")
    again = client.post(_path(token) + "/undo", follow_redirects=True)
    assert again.status_code == 200
    assert not is_unsubscribed("gus@example.com")


def test_a_forged_or_broken_token_is_a_clear_404(client):
    token = unsubscribe_token("gus@example.com")
    for bad in (token[:-2] + "xx", "nonsense", "a" * 700):
        response = client.get(_path(bad))
        assert response.status_code == 404
        assert "not valid" in response.get_data(as_text=True)
        assert client.post(_path(bad)).status_code == 404
    assert db.session.scalars(select(Unsubscribe)).all() == []


def test_unsubscribing_twice_is_harmless_and_staff_cannot_resubscribe(client, make_user, login):
    unsubscribe("gus@example.com")
    unsubscribe("GUS@example.com")
    db.session.commit()
    assert len(db.session.scalars(select(Unsubscribe)).all()) == 1
    login(make_user("admin"))
    # no staff route takes an address and undoes it: only the person's signed link can
    token = unsubscribe_token("someone-else@example.com")
    client.post(_path(token) + "/undo")
    assert is_unsubscribed("gus@example.com")
