"""Mail to enrollees, each in their own language, always through the outbox."""

from collections.abc import Callable

from ambassador.i18n import in_language, recipient_language
from ambassador.mail.services import queue_mail


def queue_in_language(user, template: str, subject: Callable[[], str], **context):
    """Queue templates/email/<template> for this person, rendered in their language.

    `subject` is called inside the person's language, so its gettext speaks it too.
    """
    language = recipient_language(user)
    with in_language(language):
        title = subject()
    return queue_mail(user.email, template, title, locale=language, user=user,
                      name=user.display_name, **context)
