"""Unsubscribing: signed links, the record, and the helper every non-transactional mail uses.

`queue_bulk_mail` is `queue_mail` plus what such a mail must carry: an unsubscribe link
at the foot of both parts and the RFC 8058 headers (`List-Unsubscribe` with the link,
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`), so that one click in the mail
client or on the link unsubscribes from all of them. The link's token is signed (it
names the address and the language the mail was written in) and never expires: a
year-old mail still lets its reader leave. Only the person, through their own link,
can undo it; nothing in the staff pages re-subscribes anyone.
"""

import json

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ambassador.extensions import db
from ambassador.mail.budget import normalise
from ambassador.mail.models import OutboxMessage, Unsubscribe
from ambassador.mail.services import queue_mail, render_mail
from ambassador.urls import absolute_url
from ambassador.utils import utcnow

SALT = "unsubscribe"
ONE_CLICK = "List-Unsubscribe=One-Click"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(email: str, language: str | None = None) -> str:
    """A signed token naming this address (and the language to greet it in)."""
    return _serializer().dumps({"e": normalise(email), "l": language or "en"})


def read_token(token: str) -> tuple[str, str] | None:
    """(address, language) of a genuine token, or None for a forged or broken one."""
    if not token or len(token) > 600:
        return None
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str) or "@" not in data["e"]:
        return None
    language = data.get("l") if isinstance(data.get("l"), str) else "en"
    return data["e"], language


def unsubscribe_url(email: str, language: str | None = None) -> str:
    """The absolute address of this person's unsubscribe page (also the one-click target)."""
    return absolute_url("unsubscribe.page", token=unsubscribe_token(email, language))


def list_headers(link: str) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers for an unsubscribe link."""
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": ONE_CLICK}


def unsubscribe(email: str) -> Unsubscribe:
    """Record that this person wants no more non-transactional mail (idempotent)."""
    email = normalise(email)
    row = db.session.get(Unsubscribe, email)
    now = utcnow()
    if row is None:
        row = Unsubscribe(email=email, unsubscribed_at=now, changed_at=now)
        db.session.add(row)
    elif row.unsubscribed_at is None:
        row.unsubscribed_at, row.changed_at = now, now
    db.session.flush()
    return row


def undo_unsubscribe(email: str) -> None:
    """The person's own undo, from their link: mail may reach them again."""
    row = db.session.get(Unsubscribe, normalise(email))
    if row is not None and row.unsubscribed_at is not None:
        row.unsubscribed_at, row.changed_at = None, utcnow()
        db.session.flush()


def queue_bulk_mail(to: str, template: str, subject, *, locale: str | None,
                    **context) -> OutboxMessage:
    """Queue a non-transactional mail: the unsubscribe link in both parts and its headers.

    The caller has already claimed the person's budget (`budget.claim_contact`).
    """
    link = unsubscribe_url(to, locale)
    context["unsubscribe_link"] = link
    return queue_mail(to, template, subject, locale=locale, headers=list_headers(link),
                      **context)


def render_bulk_mail(to: str, template: str, subject, *, locale: str | None,
                     **context) -> dict:
    """`queue_bulk_mail` rendered but not stored, for `services.queue_rendered` in bulk."""
    link = unsubscribe_url(to, locale)
    context["unsubscribe_link"] = link
    return render_mail(to, template, subject, locale=locale, headers=list_headers(link),
                       **context)


def headers_of(message: OutboxMessage) -> dict[str, str]:
    """The extra headers stored with an outbox message."""
    if not message.headers:
        return {}
    try:
        data = json.loads(message.headers)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
