"""Mail to enrollees, each in their own language, always through the outbox."""

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from ambassador.i18n import in_language, recipient_language
from ambassador.mail.budget import claim_contact
from ambassador.mail.services import queue_mail
from ambassador.mail.unsubscribe import queue_bulk_mail

PROGRAM_REASON = _l("You receive this mail because you joined one of our programs.")


def queue_in_language(user, template: str, subject: Callable[[], str], **context):
    """Queue templates/email/<template> for this person, rendered in their language.

    `subject` is called inside the person's language, so its gettext speaks it too.
    """
    language = recipient_language(user)
    with in_language(language):
        title = subject()
    return queue_mail(user.email, template, title, locale=language, user=user,
                      name=user.display_name, **context)


def queue_bulk_in_language(user, template: str, subject: Callable[[], str], now=None,
                           **context) -> bool:
    """Queue a non-transactional mail within the person's contact budget, with its
    unsubscribe link; False (nothing queued) when the budget holds it back."""
    if not claim_contact(user.email, template, now):
        return False
    language = recipient_language(user)
    with in_language(language):
        title = subject()
    context.setdefault("unsubscribe_reason", PROGRAM_REASON)
    queue_bulk_mail(user.email, template, title, locale=language, user=user,
                    name=user.display_name, **context)
    return True
