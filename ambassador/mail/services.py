"""Writing mail to the outbox, in the caller's transaction."""

from flask import render_template

from ambassador.extensions import db
from ambassador.mail.models import OutboxMessage


def queue_mail(to: str, template: str, subject: str, **context) -> OutboxMessage:
    """Render templates/email/<template>.txt and .html and add the message to the outbox.

    The message commits or rolls back with the change that caused it.
    """
    context.setdefault("subject", subject)
    message = OutboxMessage(
        to_addr=to,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        kind=template,
    )
    db.session.add(message)
    db.session.flush()
    return message
