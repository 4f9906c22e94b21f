"""The mail an outbox row becomes, as a receiving program reads it: exactly the subject,
addresses and bodies we stored, in lines every server takes."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from ambassador.extensions import db
from ambassador.mail.compose import compose
from ambassador.mail.delivery import deliver_due
from ambassador.mail.models import OutboxMessage

SENDER = "Équipe Ambassadeur — Şükrü <equipe@example.com>"
CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def row(**values) -> OutboxMessage:
    fields = {"id": 42, "to_addr": "ada@example.com", "subject": "Hello",
              "body_text": "hi\n", "body_html": "<p>hi</p>\n", "created_at": CREATED}
    return OutboxMessage(**{**fields, **values})


def lines_of(data: bytes) -> list[bytes]:
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF line ends only
    return data.split(b"\r\n")


@pytest.mark.parametrize("subject", [
    "Hoş geldiniz Şükrü İpek — bienvenue Hélène, votre avis compte beaucoup pour nous " * 3,
    "Comment trouvez-vous notre service ? Dites-le-nous en une minute, c'est très court",
    "a" * 100 + " " + "b" * 100,
    "=?utf-8?q?not_an_encoded_word?= but text someone typed",
    "", "x",
])
def test_any_subject_arrives_exactly_as_stored_in_short_ascii_lines(subject):
    subject = subject[:255].strip()
    mail = compose(row(subject=subject), SENDER)

    received = mail.as_email()
    assert received["Subject"] == subject
    headers = mail.data.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii()
    longest_word = max(map(len, subject.split()), default=0)
    assert all(len(line) <= (78 if longest_word < 60 else 998) for line in lines_of(headers))
    assert received["From"].addresses[0].display_name == "Équipe Ambassadeur — Şükrü"
    assert received["From"].addresses[0].addr_spec == "equipe@example.com"
    assert received["Message-ID"] == "<outbox-42.20260301093000@example.com>"
    assert received["Auto-Submitted"] == "auto-generated"
    assert mail.sender == "equipe@example.com" and mail.recipient == "ada@example.com"


@pytest.mark.parametrize("text", [
    "Bonjour Hélène,\n\nMerci !\n",
    "short\r\nwindows\r\nlines\r\n",
    "old mac\rline ends\r",
    ".a line that starts with a dot\n..and two\nFrom the start of a line\n",
    "une ligne très longue, bien plus longue que soixante-dix-huit caractères, "
    "avec des accents : é è à ù ç — et un lien https://example.com/" + "x" * 120 + "\n",
    "trailing spaces   \nand\ttabs\t\n",
    "no newline at the end",
    "",
])
def test_bodies_arrive_intact_whatever_their_lines(text):
    html = f"<p>{text}</p>"
    received = compose(row(body_text=text, body_html=html), SENDER).as_email()

    assert received.get_content_type() == "multipart/alternative"
    plain, rich = received.get_body(("plain",)), received.get_body(("html",))
    expected = "".join(line + "\n" for line in text.splitlines())
    assert plain.get_content() == (expected or "\n")
    assert rich.get_content().rstrip("\n") == "\n".join(html.splitlines())
    assert plain.get_content_charset() == rich.get_content_charset() == "utf-8"


def test_long_lines_are_quoted_printable_and_short_ones_plain():
    mail = compose(row(body_text="é" * 10 + "\n", body_html="<p>" + "a" * 200 + "</p>"), SENDER)

    received = mail.as_email()
    plain, rich = received.get_body(("plain",)), received.get_body(("html",))
    assert plain["Content-Transfer-Encoding"] == "8bit"
    assert rich["Content-Transfer-Encoding"] == "quoted-printable"
    assert all(len(line) <= 78 for line in lines_of(mail.data))


def test_extra_headers_stay_one_line_and_cannot_replace_ours():
    unsubscribe = "<https://ambassador.test/unsubscribe/" + "t" * 90 + ">, <mailto:u@example.com>"
    mail = compose(row(headers=json.dumps({
        "List-Unsubscribe": unsubscribe,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click\r\nBcc: evil@example.com",
    })), SENDER)

    received = mail.as_email()
    assert received["List-Unsubscribe"] == unsubscribe
    assert received["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click Bcc: evil@example.com")
    assert "Bcc" not in received
    for name in ("Subject", "To", "bcc", "Content-Type", "X-Bad Name", "X:Y"):
        with pytest.raises(ValueError):
            compose(row(headers=json.dumps({name: "x"})), SENDER)


def test_addresses_international_domain_and_utf8_local_part():
    idna = compose(row(to_addr="ipek@örnek.com.tr"), SENDER)
    assert idna.recipient == "ipek@xn--rnek-4qa.com.tr" and not idna.international
    assert idna.as_email()["To"] == "ipek@xn--rnek-4qa.com.tr"

    utf8 = compose(row(to_addr="şükrü@example.com"), SENDER)
    assert utf8.international  # only a server that offers SMTPUTF8 may take it
    assert "To: şükrü@example.com\r\n".encode() in utf8.data

    quoted = compose(row(to_addr='"ada lovelace"@example.com'), SENDER)
    assert quoted.as_email()["To"].addresses[0].username == "ada lovelace"


def test_a_row_that_cannot_make_a_mail_is_refused():
    for bad in ({"to_addr": "nobody"}, {"to_addr": "a@b.com\r\nBcc: c@d.com"},
                {"body_text": "\udcff"}, {"headers": "{not json"}):
        with pytest.raises(ValueError):
            compose(row(**bad), SENDER)
    with pytest.raises(ValueError):
        compose(row(), "not a sender")


def test_lines_starting_with_a_dot_survive_the_smtp_conversation(smtp_mail, queue_invitation):
    message = queue_invitation()
    text = ".\n.. two dots\n.signature\nend\n"
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                       .values(body_text=text))
    db.session.commit()

    assert deliver_due().sent == 1

    [received] = smtp_mail.messages  # as the server stored it: SMTP lines end with CRLF
    assert received.get_body(("plain",)).get_content().replace("\r\n", "\n") == text


def test_a_utf8_recipient_is_sent_with_smtputf8(smtp_mail, queue_invitation):
    queue_invitation("şükrü@example.com")

    assert str(deliver_due()) == "sent 1, retry later 0, failed 0"
    [envelope], [received] = smtp_mail.handler.envelopes, smtp_mail.messages
    assert envelope["rcpt_tos"] == ["şükrü@example.com"]
    assert "SMTPUTF8" in envelope["mail_options"]
    assert received["To"] == "şükrü@example.com"
