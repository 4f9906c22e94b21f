"""Writing mail to the outbox, in the caller's transaction."""

import json
from datetime import timedelta

from flask import current_app, render_template
from sqlalchemy import insert, or_, update

from ambassador.extensions import db
from ambassador.i18n import in_language
from ambassador.mail.models import OutboxMessage
from ambassador.utils import utcnow

QUEUED_FLAG = "outbox_queued"  # in session.info: this transaction queued mail


def queue_mail(to: str, template: str, subject: str, *, locale: str | None,
               headers: dict[str, str] | None = None, **context) -> OutboxMessage:
    """Render templates/email/<template>.txt and .html and add the message to the outbox.

    `locale` is the recipient's language (`i18n.recipient_language(user, customer)`),
    never the language of whoever triggered the mail; the subject may be a lazy string
    (`lazy_gettext`), translated here. The message is flushed, never committed: it
    commits or rolls back with the change that caused it, so no mail is lost and none
    is sent for a change that did not happen. `headers` are extra mail headers
    (List-Unsubscribe…); non-transactional mail goes through `unsubscribe.queue_bulk_mail`,
    which adds them and the unsubscribe link (`unsubscribe_link` in the context).
    """
    message = OutboxMessage(**render_mail(to, template, subject, locale=locale,
                                          headers=headers, **context))
    db.session.add(message)
    db.session.flush()
    db.session.info[QUEUED_FLAG] = True
    return message


def render_mail(to: str, template: str, subject: str, *, locale: str | None,
                headers: dict[str, str] | None = None, **context) -> dict:
    """The outbox row of a mail as a dict (rendered, not stored): see `queue_mail`."""
    to = (to or "").strip()
    if "@" not in to or any(c.isspace() for c in to):
        raise ValueError(f"not an email address: {to[:80]!r}")
    with in_language(locale) as lang:
        subject = " ".join(str(subject).split())  # a header is one line
        if len(subject) > 255:
            subject = subject[:254] + "…"
        context.setdefault("subject", subject)
        context.setdefault("base_url", current_app.config["BASE_URL"])
        context.setdefault("lang", lang)
        text = render_template(f"email/{template}.txt", **context)
        if context.get("unsubscribe_link"):
            text = text.rstrip("\n") + "\n\n" + render_template("email/_unsubscribe.txt",
                                                                **context)
        html = render_template(f"email/{template}.html", **context)
    return {"to_addr": to, "subject": subject, "body_text": text, "body_html": html,
            "kind": template[:40],
            "headers": json.dumps(_clean_headers(headers)) if headers else None}


def queue_rendered(rows: list[dict]) -> int:
    """Add many rendered mails (`render_mail`) to the outbox in one statement; flush only.

    For rounds of thousands of messages, where one flush per message would dominate.
    """
    if not rows:
        return 0
    now = utcnow()
    db.session.execute(insert(OutboxMessage), [
        {"status": "queued", "attempts": 0, "created_at": now, "next_attempt_at": now, **row}
        for row in rows])
    db.session.info[QUEUED_FLAG] = True
    return len(rows)


def _clean_headers(headers: dict[str, str]) -> dict[str, str]:
    """Header names and values as one line each: no header injection from a value."""
    clean = {}
    for name, value in headers.items():
        name = str(name).strip()
        if not name or not all(33 <= ord(c) <= 126 and c != ":" for c in name):
            raise ValueError(f"not a header name: {name[:40]!r}")
        clean[name] = " ".join(str(value).split())
    return clean


def purge_delivered(days: int, now=None) -> int:
    """Empty the bodies of mail delivered more than `days` days ago; return how many.

    The bodies and the extra headers (List-Unsubscribe) hold the one-time links
    (invitations, password resets, check-ins, unsubscribing): once delivered they have no
    use here. Recipient, subject, kind, status and dates stay, so the outbox still tells
    who was sent what and when. Flushes, never commits.
    """
    cutoff = (now or utcnow()) - timedelta(days=days)
    return db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sent", OutboxMessage.sent_at < cutoff,
               or_(OutboxMessage.body_text != "", OutboxMessage.body_html != "",
                   OutboxMessage.headers.is_not(None)))
        .values(body_text="", body_html="", headers=None)
        .execution_options(synchronize_session=False)
    ).rowcount
