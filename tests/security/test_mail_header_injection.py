"""Header injection: CR/LF in any value that reaches a mail (names, subjects, addresses,
the sender setting) never adds a header or a recipient."""

import pytest
from sqlalchemy import select

from ambassador.extensions import db
from ambassador.mail.compose import build_message, parse_sender
from ambassador.mail.delivery import deliver_due
from ambassador.mail.models import OutboxMessage
from ambassador.mail.services import queue_mail

EVIL = "evil@attacker.example"
INJECTIONS = [f"Hello\r\nBcc: {EVIL}", f"Hello\nBcc: {EVIL}", f"Hello\rBcc: {EVIL}",
              "Hello\r\n\r\nInjected body", f"Hello\u2028Bcc: {EVIL}",
              f"=?utf-8?q?Hello=0D=0ABcc:_{EVIL}?="]


def _headers(email) -> list[str]:
    return [name.lower() for name in email.keys()]


@pytest.fixture
def smtp_mail(smtp_server, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", smtp_server.url)
    return smtp_server


@pytest.mark.parametrize("subject", INJECTIONS)
def test_a_subject_with_line_breaks_stays_one_subject_header(subject):
    row = OutboxMessage(id=1, to_addr="ada@example.com", subject=subject, body_text="hi",
                        body_html="<p>hi</p>")
    email = build_message(row, "Acme <nps@acme.example>")
    assert "bcc" not in _headers(email)
    assert _headers(email).count("subject") == 1
    if not subject.startswith("=?"):  # an encoded word stays text inside the one header
        assert "\n" not in str(email["Subject"]) and "\r" not in str(email["Subject"])
    assert email.get_all("To") == ["ada@example.com"]
    raw = email.as_bytes()
    assert b"\nBcc:" not in raw and b"\nInjected body" not in raw.split(b"\n\n", 1)[0]


@pytest.mark.parametrize("address", [f"ada@example.com\r\nBcc: {EVIL}",
                                     f"ada@example.com\nCc: {EVIL}",
                                     f"ada@example.com, {EVIL}"])
def test_a_recipient_with_line_breaks_or_a_second_address_is_refused(app, address):
    with pytest.raises(ValueError):
        queue_mail(address, "account_invitation", "Hi", locale="en", link="http://x/",
                   days=7, user=None)
    assert db.session.scalars(select(OutboxMessage)).first() is None


@pytest.mark.parametrize("sender", [f"Acme <nps@acme.example>\r\nBcc: {EVIL}",
                                    f"Acme\r\nBcc: {EVIL} <nps@acme.example>"])
def test_a_sender_setting_with_line_breaks_adds_no_header(sender):
    try:
        from_ = parse_sender(sender)
    except ValueError:
        return  # refused outright: deliver_due stops before claiming anything
    row = OutboxMessage(id=1, to_addr="ada@example.com", subject="Hi", body_text="hi",
                        body_html="<p>hi</p>")
    email = build_message(row, sender)
    assert "bcc" not in _headers(email)
    assert "\n" not in str(from_)


def test_a_customer_name_with_line_breaks_reaches_one_recipient_only(
        app, make_response, smtp_mail):
    """A name stored with CR/LF (an old import, a direct database write) goes into the
    invitation's subject and greeting: the SMTP server still sees one recipient, no Bcc."""
    from ambassador.portal.invitations import send_invitations

    response = make_response(score=10, email="ada@example.com")
    response.customer.name = f"Ada\r\nBcc: {EVIL}\r\nSubject: free money"
    db.session.commit()
    assert send_invitations() == 1
    db.session.commit()
    assert deliver_due().sent == 1
    (envelope,), (message,) = smtp_mail.handler.envelopes, smtp_mail.messages
    assert envelope["rcpt_tos"] == ["ada@example.com"]
    assert "bcc" not in _headers(message)
    assert message.get_all("Subject") == [message["Subject"]]
    assert "free money" not in message["Subject"]


@pytest.mark.parametrize("field, url, extra", [
    ("subject", "/dashboard/programs/{program_id}/message", {"body": "See you there"}),
    ("name", "/admin/users/invite", {"email": "new@example.com", "role": "marketer"}),
])
def test_forms_that_feed_mail_refuse_line_breaks(client, make_user, login, make_program,
                                                 field, url, extra):
    login(make_user("admin"))
    program = make_program()
    form = {field: f"Hello\r\nBcc: {EVIL}", **extra}
    response = client.post(url.format(program_id=program.id), data=form)
    assert response.status_code == 400
    assert db.session.scalars(select(OutboxMessage)).first() is None


@pytest.mark.parametrize("email", [f"ada@example.com\r\nBcc: {EVIL}",
                                   f"ada@example.com%0d%0aBcc:{EVIL}",
                                   f"ada@example.com,{EVIL}"])
def test_the_password_reset_form_mails_nobody_for_an_injected_address(client, make_user,
                                                                       email):
    make_user("promoter", email="ada@example.com")
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code in (302, 400)
    sent = db.session.scalars(select(OutboxMessage)).all()
    assert all(message.to_addr == "ada@example.com" for message in sent)
    assert all(EVIL not in (message.subject + message.to_addr) for message in sent)


def test_the_api_refuses_a_name_with_line_breaks(client):
    from ambassador.auth.tokens import create_api_token

    raw = create_api_token("Survey tool")[1]
    db.session.commit()
    response = client.post("/api/v1/responses", headers={"Authorization": f"Bearer {raw}"},
                           json={"email": "ada@example.com", "score": 10,
                                 "name": f"Ada\r\nBcc: {EVIL}"})
    assert response.status_code == 400


def test_an_encoded_line_break_in_a_subject_adds_no_header_on_the_wire(app, smtp_mail):
    """RFC 2047 hides CR/LF from every input rule (no whitespace, no control character):
    the delivered mail still has exactly the headers we set."""
    subject = f"=?utf-8?q?Hi=0D=0AReply-To:_{EVIL}=0D=0ABcc:_{EVIL}?="
    queue_mail("ada@example.com", "account_invitation", subject, locale="en",
               link="http://ambassador.test/x", days=7, user=None)
    db.session.commit()
    assert deliver_due().sent == 1
    (envelope,), (message,) = smtp_mail.handler.envelopes, smtp_mail.messages
    assert envelope["rcpt_tos"] == ["ada@example.com"]
    assert "reply-to" not in _headers(message) and "bcc" not in _headers(message)
